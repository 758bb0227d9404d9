"""What a browser asks for besides the page itself answers: no 404 in the console on the first
visit (the browser asks for an icon before anything else)."""

import pytest

pytestmark = pytest.mark.browser


def _failures(page):
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and failed.append(m.text))
    return failed


def test_signing_in_and_opening_contacts_asks_for_nothing_missing(page, log_in, workspace, owner):
    failed = _failures(page)
    log_in("olivia")
    page.goto("/contacts/")
    page.wait_for_load_state("networkidle")

    assert failed == []
    assert page.evaluate("document.querySelector('link[rel=icon]').href").endswith(".svg")
