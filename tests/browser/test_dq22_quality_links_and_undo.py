"""dq22 in the browser: a data-quality count leads to the list of exactly the records it
counts; "not a duplicate" undone from the queue brings the pair's row back."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.dedupe.models import PairStatus
from rapport.dedupe.tests.factories import pair_of, plant
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_count_on_the_dashboard_lists_the_records_it_counts(page, log_in, workspace, owner):
    make_contact(workspace, first_name="Cara", last_name="Diaz", emails=["cara@initech.example"])
    with workspace_scope(workspace):  # stored around the services, as an old import did
        Contact.objects.create(
            workspace=workspace, first_name="Bad", last_name="Mail", email="nope"
        )
    log_in("olivia")

    page.goto("/data/quality/")
    row = page.locator("tr[data-figure='Invalid email']")
    row.get_by_role("link").click()

    expect(page).to_have_url(re.compile(r"/contacts/\?quality=invalid_email$"))
    expect(page.locator("#quality-filter")).to_contain_text("Invalid email")
    table = page.locator("#record-table")
    expect(table).to_contain_text("Bad Mail")
    expect(table).not_to_contain_text("Cara Diaz")


def test_not_a_duplicate_is_undone_from_the_queue(page, log_in, workspace, owner):
    p = plant(workspace)
    pair = pair_of(workspace, p["ann"], p["anne"])
    log_in("olivia")

    page.goto("/duplicates/")
    row = page.locator(f"#pair-{pair.pk}")
    row.get_by_role("button", name="Not a duplicate").click()
    expect(row).to_contain_text("Ann Lee and Anne Lee: not a duplicate.")
    expect(page.locator("#queue-count")).to_contain_text("1 pair left to review")

    row.get_by_role("button", name=re.compile("^Undo")).click()
    expect(row.get_by_role("button", name="Not a duplicate")).to_be_visible()
    expect(page.locator("#queue-count")).to_contain_text("2 pairs left to review")
    assert pair_of(workspace, p["ann"], p["anne"]).status == PairStatus.OPEN
