"""A long unbroken value (a 200-character name, a long email address) wraps where it is shown:
the contact page's title, its breadcrumb and its timeline's changes stay inside their boxes, at
desktop and phone width, and the title does not run under the action buttons."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser

FIRST, LAST = "<b>x</b>" + "Y" * 92, "Zy" * 50  # each at its limit: a 200-character name
LONG_EMAIL = "a.very.long.address.that.goes.on.and.on@mail.example-company-with-a-long-name.com"


def _fits(page, selector):
    """Every element matching `selector` is no wider than its box, and its box ends inside the
    viewport."""
    overflows = page.eval_on_selector_all(
        selector,
        """els => els.filter(e => e.scrollWidth > e.clientWidth + 1
                                || e.getBoundingClientRect().right > window.innerWidth)
                     .map(e => e.outerHTML.slice(0, 80))""",
    )
    assert overflows == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_name_and_email_wrap_on_the_contact_page(page, log_in, workspace, owner, width):
    contact = make_contact(
        workspace, owner, first_name=FIRST, last_name=LAST, emails=["ann@example.com"]
    )
    with workspace_scope(workspace):
        contact_update(
            workspace=workspace, actor=owner, contact=contact, data={"emails": [LONG_EMAIL]}
        )
    page.set_viewport_size({"width": width, "height": 900})
    log_in("olivia")

    page.goto(f"/contacts/{contact.pk}/")

    title = page.locator("#record-title")
    expect(title).to_have_text(f"{FIRST} {LAST}")  # shown as text, not markup
    expect(page.locator(".changes").first).to_contain_text(LONG_EMAIL[:60])
    _fits(page, "#record-title")
    _fits(page, ".crumbs")
    _fits(page, ".changes li")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    edit = page.get_by_role("link", name="Edit", exact=True).bounding_box()
    box = title.bounding_box()
    assert edit is not None and box is not None
    beside = box["x"] + box["width"] <= edit["x"]
    above = box["y"] + box["height"] <= edit["y"]
    assert beside or above, "the title runs under the action buttons"
