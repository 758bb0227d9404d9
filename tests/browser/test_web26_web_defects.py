"""web26's fixes as a user meets them: a company found by a later word of its name, the
workspace last used opened after login, another workspace's record answered in the app's
chrome, the second page's place in the list, a lead's heading after an inline edit, and a
London number found by its first digits."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Company
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.sales.leads import lead_create
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add, workspace_create

pytestmark = pytest.mark.browser


def test_a_company_is_found_by_a_later_word_of_its_name(page, log_in, workspace):
    make_company(workspace, name="Acme Widgets Ltd")
    make_company(workspace, name="Globex")
    log_in("olivia")
    page.goto("/companies/")
    page.get_by_label("Search companies").fill("widgets")
    table = page.locator("#record-table")
    expect(table).to_contain_text("Acme Widgets Ltd")
    expect(table).not_to_contain_text("Globex")
    page.locator("#global-search").fill("ltd")
    expect(page.locator("#search-results")).to_contain_text("Acme Widgets Ltd")


def test_logging_in_again_opens_the_workspace_last_switched_to(page, log_in, owner, workspace):
    workspace_create(name="Zeta Works", owner=owner)
    log_in("olivia")
    menu = page.locator("#workspace-menu")
    expect(menu.locator("summary")).to_contain_text("Acme Sales")
    menu.locator("summary").click()
    menu.get_by_role("button", name=re.compile("Zeta Works")).click()
    expect(menu.locator("summary")).to_contain_text("Zeta Works")
    page.locator("#user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    log_in("olivia")
    expect(menu.locator("summary")).to_contain_text("Zeta Works")


def test_another_workspaces_record_offers_the_switcher_then_opens(
    page, log_in, owner, workspace, other_workspace
):
    membership_add(workspace=other_workspace, user=owner, role="member")
    theirs = make_contact(other_workspace, first_name="Tess", last_name="Theirs")
    log_in("olivia")
    page.goto(f"/contacts/{theirs.pk}/")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Tess")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    menu = page.locator("#workspace-menu")
    menu.locator("summary").click()
    menu.get_by_role("button", name=re.compile(other_workspace.name)).click()
    page.goto(f"/contacts/{theirs.pk}/")
    expect(page.get_by_role("heading", name="Tess Theirs")).to_be_visible()


def test_the_second_page_says_which_rows_it_shows(page, log_in, workspace):
    with workspace_scope(workspace):
        rows = [
            Company(workspace=workspace, name=f"C{i:03d}", name_key=f"c{i:03d}") for i in range(120)
        ]
        Company.objects.bulk_create(rows)
    log_in("olivia")
    page.goto("/companies/")
    count = page.locator(".record-count")
    expect(count).to_have_text("1–50 of 120 companies")
    page.get_by_role("link", name="Next →").click()
    expect(count).to_have_text("51–100 of 120 companies")
    page.get_by_role("link", name="Next →").click()
    expect(count).to_have_text("101–120 of 120 companies")
    page.get_by_role("link", name="← Previous").click()
    expect(count).to_have_text("51–100 of 120 companies")


def test_a_leads_status_edited_in_place_changes_its_heading(page, log_in, workspace):
    with workspace_scope(workspace):
        lead = lead_create(
            workspace=workspace, actor=None, data={"first_name": "Ada", "last_name": "Byron"}
        )
    log_in("olivia")
    page.goto(f"/leads/{lead.pk}/")
    heading = page.locator("#record-heading")
    expect(heading).to_contain_text("New")
    page.get_by_title("Click to edit status").click()
    page.locator("#f-status select").select_option("qualified")
    page.locator("#f-status").get_by_role("button", name="Save").click()
    expect(heading).to_contain_text("Qualified")
    page.get_by_title("Click to edit first name").click()
    page.locator("#f-first_name input").fill("Zoe")
    page.locator("#f-first_name").get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Zoe Byron")).to_be_visible()
    expect(page.locator("#record-crumb")).to_have_text("Zoe Byron")
    expect(page).to_have_title(re.compile("^Zoe Byron · "))


def test_a_london_numbers_first_digits_find_the_contact(page, log_in, workspace):
    workspace.default_region = "GB"
    workspace.save(update_fields=["default_region"])
    make_contact(workspace, first_name="Lon", last_name="Don", phones=["020 7946 0958"])
    make_contact(workspace, first_name="Man", last_name="Chester", phones=["0161 496 0000"])
    log_in("olivia")
    page.locator("#global-search").fill("020 79")
    results = page.locator("#search-results")
    expect(results).to_contain_text("Lon Don")
    expect(results).not_to_contain_text("Man Chester")
