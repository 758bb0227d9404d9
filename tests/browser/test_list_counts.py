"""The contacts list says how many contacts match, and says it again after a filter."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact

pytestmark = pytest.mark.browser


def test_the_list_counts_its_matches_after_filtering(page, log_in, workspace, other_workspace):
    for i in range(3):
        make_contact(workspace, first_name=f"Lena{i}", last_name="Lead", lifecycle_stage="lead")
    make_contact(workspace, first_name="Carl", last_name="Customer", lifecycle_stage="customer")
    make_contact(other_workspace, first_name="Olga", last_name="Other", lifecycle_stage="lead")
    log_in("olivia")
    page.goto("/contacts/")
    count = page.locator(".record-count")
    expect(count).to_have_text("1–4 of 4 contacts")
    page.get_by_label("Lifecycle stage").select_option("lead")
    expect(page.locator("#record-table")).not_to_contain_text("Carl Customer")
    expect(count).to_have_text("1–3 of 3 contacts")
    page.get_by_label("Search contacts").fill("lena1")
    expect(count).to_have_text("1 of 1 contact")
