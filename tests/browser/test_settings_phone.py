"""On a phone (390 px) the settings tables (custom fields, API tokens, the audit log) stack
their cells, each named by its column: every value and button is reached without scrolling
sideways; at desktop width a long name wraps in its cell instead of widening the table."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG = "Yy" * 50


def _fits(page, width):
    """No table, nor the page, is wider than its box."""
    wide = page.eval_on_selector_all(
        ".table-wrap", "els => els.filter(e => e.scrollWidth > e.clientWidth).length"
    )
    assert wide == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _in_view(locator, width):
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_the_settings_tables_fit_the_screen(page, log_in, workspace, owner, width):
    with workspace_scope(workspace):
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={"entity": "contact", "label": "Tier", "field_type": "choice", "choices": ["A"]},
        )
    make_contact(workspace, owner, first_name=LONG)
    page.set_viewport_size({"width": width, "height": 844})
    log_in("olivia")

    page.goto("/settings/fields/")
    expect(page.locator("#custom-field-list")).to_contain_text("Tier")
    _fits(page, width)
    _in_view(page.get_by_role("button", name="Remove"), width)

    page.goto("/settings/tokens/")
    page.get_by_label("Token name").fill("Z" * 100)
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#token-list")).to_contain_text("Z" * 100)
    _fits(page, width)
    _in_view(page.get_by_role("button", name="Revoke"), width)

    page.goto("/settings/audit/")
    expect(page.locator("#audit-table")).to_contain_text(LONG)
    _fits(page, width)
