"""An admin sets the workspace's time zone, then a user their own: the record page's times and
the zone the page names follow each choice."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_activity, make_contact

pytestmark = pytest.mark.browser


def test_times_follow_the_workspace_zone_then_the_users_own(page, log_in, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", last_name="Zone")
    at = dt.datetime(2026, 1, 15, 20, 5, tzinfo=dt.UTC)
    make_activity(workspace, owner, kind="call", occurred_at=at, contact_ids=[ann.pk])
    log_in("olivia")
    # The call's item says how long ago, its full date and time as the title.
    call_time = page.locator("#timeline-items li", has_text="Call").locator("time")

    page.goto(f"/contacts/{ann.pk}/")
    expect(call_time).to_have_attribute("title", "Jan 15, 2026 20:05")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workspace").click()
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Times now default to Europe/Berlin.")).to_be_visible()
    expect(page.locator("#workspace-zone")).to_have_text("Europe/Berlin")

    page.goto(f"/contacts/{ann.pk}/")
    expect(call_time).to_have_attribute("title", "Jan 15, 2026 21:05")

    page.locator("#user-menu summary").click()
    expect(page.locator("#user-zone")).to_contain_text("Times in Europe/Berlin")
    page.locator("#user-zone").click()
    page.get_by_label("Time zone").select_option("Pacific/Auckland")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#current-zone")).to_have_text("Pacific/Auckland")

    page.goto(f"/contacts/{ann.pk}/")
    expect(call_time).to_have_attribute("title", "Jan 16, 2026 09:05")
    expect(page.locator("#user-menu")).to_contain_text("Times in Pacific/Auckland")
