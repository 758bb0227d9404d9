"""What a browser asks for besides the page itself answers: no 404 in the console on the first
visit (the browser asks for an icon before anything else), and pages meant for phones are laid
out at the phone's width."""

import pytest
from playwright.sync_api import expect

from rapport.sales.leads import web_form_create
from rapport.tenancy.access import workspace_scope

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


def test_a_visitor_on_a_phone_sends_the_web_form_and_reads_the_thanks_at_phone_width(
    browser, live_server, workspace, owner
):
    """The public pages (web form, portal) name no icon of Rapport's, but say they have none,
    and the thanks page is laid out for the phone, not for a 980-pixel desktop."""
    with workspace_scope(workspace):
        form = web_form_create(workspace=workspace, actor=owner, name="Contact us")
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    visitor = phone.new_page()
    failed = _failures(visitor)
    try:
        visitor.goto(f"/forms/{form.key}/")
        visitor.get_by_label("First name").fill("Grace")
        visitor.get_by_label("Last name").fill("Hopper")
        visitor.get_by_label("Email").fill("grace@navy.example")
        visitor.get_by_role("button", name="Send").click()
        expect(visitor.get_by_role("heading", name="Thank you")).to_be_visible()
        assert visitor.evaluate("window.innerWidth") == 375
        visitor.goto(f"/portal/{workspace.slug}/")
        expect(visitor.get_by_label("Your email address")).to_be_visible()
        visitor.wait_for_load_state("networkidle")
        assert failed == []
    finally:
        phone.close()
