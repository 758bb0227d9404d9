"""A phone's extension shows next to its number on the contact's page, and an inline edit of
the phones keeps it (imp14)."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_the_extension_shows_beside_the_number_and_an_edit_keeps_it(page, log_in, workspace, owner):
    ann = make_contact(workspace, phones=["+1 415 555 0100 x204"])
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    expect(page.locator("#f-phones .kv-value")).to_have_text("+1 415-555-0100 ext. 204")

    page.locator("#f-phones .kv-value").click()
    expect(page.locator("#f-phones textarea")).to_have_value("+14155550100 ext. 204")
    page.locator("#f-phones textarea").fill("+14155550100 ext. 204\n(415) 555-0101 x7")
    page.locator("#f-phones").get_by_role("button", name="Save").click()

    expect(page.locator("#f-phones .kv-value")).to_have_text(
        "+1 415-555-0100 ext. 204, +1 415-555-0101 ext. 7"
    )
    with workspace_scope(workspace):
        assert [p.text for p in ann.phones.all()] == [
            "+14155550100 ext. 204",
            "+14155550101 ext. 7",
        ]
