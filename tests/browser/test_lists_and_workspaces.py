"""The contacts list's filters reload the table in place; the switcher changes workspace."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.services import membership_add

pytestmark = pytest.mark.browser


def test_the_stage_filter_reloads_the_table_and_keeps_the_url(page, log_in, workspace, owner):
    make_contact(workspace, first_name="Lena", last_name="Lead", lifecycle_stage="lead")
    make_contact(workspace, first_name="Carl", last_name="Customer", lifecycle_stage="customer")
    log_in("olivia")
    page.goto("/contacts/")
    table = page.locator("#record-table")
    expect(table).to_contain_text("Lena Lead")
    page.get_by_label("Lifecycle stage").select_option("customer")
    expect(table).not_to_contain_text("Lena Lead")
    expect(table).to_contain_text("Carl Customer")
    expect(page).to_have_url(re.compile(r"lifecycle_stage=customer"))
    # The pushed URL reproduces the same list on a fresh load.
    page.reload()
    expect(page.locator("#record-table")).not_to_contain_text("Lena Lead")


def test_the_switcher_moves_between_the_users_workspaces(
    page, log_in, workspace, owner, other_workspace
):
    membership_add(workspace=other_workspace, user=owner, role="viewer")
    make_contact(workspace, first_name="Acme", last_name="Person")
    make_contact(other_workspace, first_name="Globex", last_name="Person")
    log_in("olivia")
    page.goto("/contacts/")
    expect(page.locator("#record-table")).to_contain_text("Acme Person")
    page.locator("#workspace-menu summary").click()
    page.locator("#workspace-menu").get_by_role("button", name=re.compile("Globex")).click()
    expect(page.locator(".flash")).to_contain_text("Switched to Globex")
    page.goto("/contacts/")
    expect(page.locator("#record-table")).to_contain_text("Globex Person")
    expect(page.locator("#record-table")).not_to_contain_text("Acme Person")
    # A viewer there: no button to create contacts.
    expect(page.get_by_role("link", name="New contact")).to_have_count(0)
