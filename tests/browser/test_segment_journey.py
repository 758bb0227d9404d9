"""A marketer builds a segment: the count follows each change in the builder, the saved
segment shows exactly its members and exports them."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.marketing.services import static_list_add, static_list_create
from rapport.tenancy.access import workspace_scope
from rapport.web.tests.browser import htmx_settled

pytestmark = pytest.mark.browser


def test_a_segment_is_built_counted_saved_and_shows_its_members(page, log_in, workspace, owner):
    make_contact(workspace, first_name="Ann", last_name="Lee", lifecycle_stage="customer")
    make_contact(workspace, first_name="Bob", last_name="Ray", lifecycle_stage="lead")
    make_contact(workspace, first_name="Cy", last_name="Day", lifecycle_stage="lead")
    log_in("olivia")

    page.goto("/marketing/segments/")
    page.get_by_role("link", name="New segment").click()
    count = page.locator("#segment-count")
    expect(count).to_have_text("3 contacts match")

    page.get_by_label("Name").fill("Open leads")
    page.get_by_role("button", name="Add condition").click()
    htmx_settled(page)
    page.get_by_label("Condition type").select_option("lifecycle_stage")
    htmx_settled(page)
    expect(page.get_by_label("Stage")).to_be_visible()
    page.get_by_label("Stage").select_option("lead")
    expect(count).to_have_text("2 contacts match")

    # An OR group: leads, or anyone called Ann.
    page.get_by_label("Match").first.select_option("or")
    htmx_settled(page)
    expect(count).to_have_text("2 contacts match")
    page.get_by_role("button", name="Add condition").click()
    htmx_settled(page)
    condition = page.locator(".segment-condition").nth(1)
    condition.get_by_label("Value").fill("Ann")
    condition.get_by_label("Value").press("Tab")
    expect(count).to_have_text("3 contacts match")
    condition.get_by_role("button", name="Remove condition").click()
    expect(count).to_have_text("2 contacts match")

    page.get_by_role("button", name="Save segment").click()
    expect(page).to_have_url(re.compile(r"/marketing/segments/\d+/$"))
    expect(page.locator("#segment-title")).to_have_text("Open leads")
    expect(page.locator("#segment-member-count")).to_have_text("2")
    members = page.locator("#members")
    expect(members).to_contain_text("Bob Ray")
    expect(members).to_contain_text("Cy Day")
    expect(members).not_to_contain_text("Ann Lee")

    # Its report loads after the page: the two leads, none of them reachable by email yet.
    report = page.locator("#segment-report")
    expect(report.locator('tr[data-stage="lead"] td').nth(1)).to_have_text("2")
    expect(report.locator('tr[data-stage="customer"]')).to_have_count(0)
    expect(report.locator('[data-kpi="email_reachable"]')).to_have_text("0")

    # The segment leaves as a file of exactly its members, by last name as the list sorts.
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    exported = Path(download.value.path()).read_text()
    assert [line.split(",")[1] for line in exported.splitlines()[1:]] == ["Cy", "Bob"]

    # The list says who is in it in words, and counts it once the page is shown.
    page.get_by_role("link", name="Segments").first.click()
    row = page.locator("#segments tbody tr", has_text="Open leads")
    expect(row.locator(".rule-cell")).to_have_text("Lifecycle stage is Lead")
    expect(row.locator("[data-count-of]")).to_have_text("2")


def test_a_segment_of_a_static_lists_members_is_counted_in_the_builder(
    page, log_in, workspace, owner
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", lifecycle_stage="customer")
    make_contact(workspace, first_name="Bob", last_name="Ray", lifecycle_stage="lead")
    make_contact(workspace, first_name="Cy", last_name="Day", lifecycle_stage="lead")
    with workspace_scope(workspace):
        fair = static_list_create(workspace=workspace, actor=owner, data={"name": "Fair"})
        static_list_add(workspace=workspace, actor=owner, static_list=fair, contact_ids=[ann.pk])
    log_in("olivia")

    page.goto("/marketing/segments/new/")
    count = page.locator("#segment-count")
    expect(count).to_have_text("3 contacts match")
    page.get_by_role("button", name="Add condition").click()
    htmx_settled(page)
    page.get_by_label("Condition type").select_option("static_list")
    htmx_settled(page)
    page.get_by_label("List", exact=True).select_option(label="Fair")
    htmx_settled(page)
    expect(count).to_have_text("1 contact matches")
    page.get_by_label("Comparison").select_option("not_on")
    htmx_settled(page)
    expect(count).to_have_text("2 contacts match")
    page.get_by_label("Name").fill("Not at the fair")
    page.get_by_role("button", name="Save segment").click()
    expect(page.locator("#segment-member-count")).to_have_text("2")
    expect(page.locator("#members")).to_contain_text("Bob Ray")
    expect(page.locator("#members")).not_to_contain_text("Ann Lee")

    # The list now means something to the segment: deleting it is refused, naming it.
    page.goto(f"/marketing/lists/{fair.pk}/")
    page.get_by_role("button", name="Delete list").click()
    expect(page.locator("body")).to_contain_text(
        "“Fair” was not deleted: it is used by segment “Not at the fair”"
    )
    expect(page.locator("#list-member-count")).to_have_text("1")


def test_with_no_list_yet_the_builder_says_so_instead_of_a_box(page, log_in, workspace, owner):
    log_in("olivia")
    page.goto("/marketing/segments/new/")
    page.get_by_role("button", name="Add condition").click()
    htmx_settled(page)
    page.get_by_label("Condition type").select_option("static_list")
    htmx_settled(page)
    condition = page.locator(".segment-condition")
    expect(condition).to_contain_text("No lists yet — create one first")
    expect(condition.locator("input")).to_have_count(0)
    expect(page.locator("#segment-builder")).not_to_contain_text("Field required")


def test_ticked_contacts_and_a_filter_go_onto_a_list_from_the_contact_list(
    page, log_in, workspace, owner
):
    make_contact(workspace, first_name="Ann", last_name="Lee", lifecycle_stage="customer")
    make_contact(workspace, first_name="Bob", last_name="Ray", lifecycle_stage="lead")
    make_contact(workspace, first_name="Cy", last_name="Day", lifecycle_stage="lead")
    with workspace_scope(workspace):
        fair = static_list_create(workspace=workspace, actor=owner, data={"name": "Fair"})
    log_in("olivia")

    page.goto("/contacts/")
    page.get_by_label("Select Ann Lee").check()
    page.get_by_text("Add to list").click()
    expect(page.get_by_label("List")).to_have_value(str(fair.pk))  # loaded as the menu opened
    page.get_by_role("button", name="Add ticked contacts").click()
    expect(page).to_have_url(re.compile(rf"/marketing/lists/{fair.pk}/$"))
    expect(page.locator("body")).to_contain_text("1 contact added to “Fair”")

    page.goto("/contacts/")
    page.get_by_label("Lifecycle stage").select_option("lead")
    htmx_settled(page)
    expect(page.locator("#record-table")).not_to_contain_text("Ann Lee")
    page.get_by_text("Add to list").click()
    expect(page.get_by_label("List")).to_have_value(str(fair.pk))
    page.get_by_role("button", name="Add all that match the filters").click()
    expect(page).to_have_url(re.compile(rf"/marketing/lists/{fair.pk}/$"))
    members = page.locator("#members")
    for name in ("Ann Lee", "Bob Ray", "Cy Day"):
        expect(members).to_contain_text(name)
