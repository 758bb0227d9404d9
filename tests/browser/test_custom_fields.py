"""An admin adds a choice field, renames it and adds a choice, and uses it on a contact."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact

pytestmark = pytest.mark.browser


def test_an_admin_adds_then_edits_a_choice_field_and_a_contact_uses_it(
    page, log_in, workspace, owner
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee")
    log_in("olivia")
    page.goto("/settings/fields/")
    page.get_by_label("Record").select_option("contact")
    page.get_by_label("Label").fill("Tier")
    page.get_by_label("Type").select_option("choice")
    page.get_by_label("Choices").fill("Gold")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_text("Added the field “Tier”.")).to_be_visible()

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit “Tier”")).to_be_visible()
    page.get_by_label("Label").fill("Customer tier")
    page.get_by_label("Choices").fill("Gold, Silver")
    page.get_by_role("button", name="Save field").click()
    expect(page.get_by_text("Saved the field “Customer tier”.")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Gold, Silver")

    page.goto(f"/contacts/{ann.pk}/edit/")
    page.get_by_label("Customer tier").select_option("Silver")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".record-side")).to_contain_text("Silver")
