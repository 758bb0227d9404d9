"""The ticket list's filter chips in the browser: two filters chosen show two chips and "Clear
all"; removing one chip drops just that filter from the table, the address and the filter
form, through htmx without a page load."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.service.tests.factories import make_ticket

pytestmark = pytest.mark.browser


def test_two_filters_show_two_chips_and_removing_one_widens_the_list(
    page, log_in, workspace, owner
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    make_ticket(workspace, owner, ann, subject="Urgent vip", priority="urgent", tags=["vip"])
    make_ticket(workspace, owner, ann, subject="Calm vip", tags=["vip"])
    make_ticket(workspace, owner, ann, subject="Urgent stranger", priority="urgent")
    log_in("olivia")
    page.goto("/tickets/all/")
    table = page.locator("#ticket-table")
    chips = page.locator("#filter-chips .chip-filter")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(chips).to_have_count(0)

    page.get_by_label("Priority", exact=True).select_option(label="Urgent")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Priority: Urgent")
    page.get_by_label("Tag", exact=True).fill("vip")
    expect(chips).to_have_count(2)
    expect(chips.nth(1)).to_contain_text("Tag: vip")
    expect(page.get_by_role("link", name="Clear all")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Urgent vip")
    page.evaluate("window.notReloaded = true")  # gone if the browser loads a new page

    page.get_by_role("link", name="Remove filter Priority: Urgent").click()
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Tag: vip")
    expect(page.get_by_role("link", name="Clear all")).to_have_count(0)
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("Calm vip")
    expect(table).not_to_contain_text("Urgent stranger")
    expect(page).to_have_url(re.compile(r"/tickets/all/\?(?!.*priority=urgent).*tag=vip"))
    # The filter form shows what applies.
    expect(page.get_by_label("Priority", exact=True)).to_have_value("")
    expect(page.get_by_label("Tag", exact=True)).to_have_value("vip")
    assert page.evaluate("window.notReloaded") is True

    # The last chip's × leads to the whole list; the bar of chips goes with it.
    page.get_by_role("link", name="Remove filter Tag: vip").click()
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(page.locator("#filter-chips")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/tickets/all/(\?status=any)?$"))  # All's own status
