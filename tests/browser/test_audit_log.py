"""The audit log's filters reload the trail in place; a row opens to each field's change."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_the_audit_log_filters_and_shows_before_and_after(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee", job_title="Buyer")
    make_company(workspace, owner, name="Initech")
    with workspace_scope(workspace):
        contact_update(workspace=workspace, actor=owner, contact=ann, data={"job_title": "CFO"})
    log_in("olivia")
    page.goto("/settings/audit/")
    table = page.locator("#audit-table")
    expect(table).to_contain_text("Initech")
    page.get_by_label("Action").select_option("update")
    expect(table).not_to_contain_text("Initech")
    expect(page).to_have_url(re.compile(r"action=update"))
    row = table.locator("tr", has_text="Ann Lee")
    row.locator("summary").click()
    expect(row.locator("dd")).to_have_text("Buyer → CFO")
    page.get_by_label("Record type").select_option("contacts.company")
    expect(table).to_contain_text("No change matches these filters.")
