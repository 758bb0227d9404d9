"""A full form the server sends back with errors takes the user to the first one: on a phone the
form is longer than the screen, and the error was below it, unseen, with the page at the top."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_first_errored_field_has_the_focus_and_is_in_view(page, log_in, workspace):
    page.set_viewport_size({"width": 390, "height": 700})
    log_in("olivia")
    page.goto("/contacts/new/")
    page.get_by_label("First name").fill("Ann")
    page.locator("#id_emails").fill("not-an-email")
    page.get_by_role("button", name="Create contact").click()

    emails = page.locator("#id_emails")
    expect(page.locator("#field-emails .field-error")).to_be_visible()
    expect(emails).to_be_focused()
    expect(emails).to_be_in_viewport()


def test_a_form_without_errors_leaves_the_focus_alone(page, log_in, workspace):
    log_in("olivia")
    page.goto("/contacts/new/")
    assert page.evaluate("document.activeElement === document.body")
