"""A phone's kind is written before its number in the phones box, on the new contact form and
in an inline edit; the contact's page shows it, and its timeline shows the change."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_phone_s_kind_is_set_on_the_form_shown_and_edited_in_place(page, log_in, workspace):
    log_in("olivia")
    page.goto("/contacts/new/")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Phones").fill("mobile: +1 415 555 0100 x204\npager: +1 415 555 0101")
    page.get_by_role("button", name="Create contact").click()
    expect(page.locator("#field-phones .field-error")).to_contain_text(
        "'pager' is not one of: mobile, work, home, other"
    )

    page.get_by_label("Phones").fill("mobile: +1 415 555 0100 x204\n+1 415 555 0101")
    page.get_by_role("button", name="Create contact").click()
    expect(page.locator("#f-phones .kv-value")).to_have_text(
        "+1 415-555-0100 ext. 204 (mobile), +1 415-555-0101"
    )

    page.locator("#f-phones .kv-value").click()
    box = page.locator("#f-phones textarea")
    expect(box).to_have_value("mobile: +14155550100 ext. 204\n+14155550101")
    box.fill("mobile: +14155550100 ext. 204\nhome: +14155550101")
    page.locator("#f-phones").get_by_role("button", name="Save").click()

    expect(page.locator("#f-phones .kv-value")).to_have_text(
        "+1 415-555-0100 ext. 204 (mobile), +1 415-555-0101 (home)"
    )
    page.reload()
    expect(page.locator(".tl-change .change-after").first).to_have_text(
        "+14155550100 ext. 204 (mobile), +14155550101 (home)"
    )
    with workspace_scope(workspace):
        [grace] = Contact.objects.filter(first_name="Grace")
        assert [(p.text, p.kind) for p in grace.phones.all()] == [
            ("+14155550100 ext. 204", "mobile"),
            ("+14155550101", "home"),
        ]
