"""Playwright on Debian's chromium against pytest-django's live server.

One browser for the whole session, a fresh context (cookies, storage) for each test, and a
screenshot in test-artifacts/ when a test fails.
"""

import contextlib
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from rapport.web.tests.fixtures import plain_static_storage  # noqa: F401  (autouse here)


class OneRequestAtATime(WSGIServer):
    """The live server answers one request at a time. On SQLite its request threads would all
    use the test's one in-memory connection, which is not safe from two threads at once: the
    forecast page, whose panels load in parallel, hung the suite that way."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


LiveServerThread.server_class = OneRequestAtATime

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct horse battery staple"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions (10 s, below): behind the one-request-at-a-time live
    # server on a busy machine, an htmx swap outlasted Playwright's 5 s default.
    expect.set_options(timeout=10_000)

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    _drain(live_server.url)


def _drain(url: str) -> None:
    """Wait until the live server has answered every request the closed page sent. It answers
    one at a time, in order, so once a request sent now is answered, so are those: otherwise
    one still running (an htmx load the test did not wait for) held its locks while the
    test's database was emptied, and PostgreSQL found the two deadlocked. The path is a 404
    that reads no database, with no cookie sent."""
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(f"{url}/__drained__", timeout=30)


@pytest.fixture
def log_in(page: Any) -> Any:
    """Signs in through the login form, as a user would."""

    def sign_in(username: str, password: str = PASSWORD) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/tasks/$"))

    return sign_in
