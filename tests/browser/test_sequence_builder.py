"""A marketer builds a sequence step by step, sees a bad step named, saves and activates it."""

import pytest
from playwright.sync_api import expect

from rapport.campaigns.tests.factories import make_template, opt_in
from rapport.contacts.tests.factories import make_contact
from rapport.marketing.services import static_list_add, static_list_create
from rapport.sequences.engine import sequences_advance
from rapport.sequences.models import Sequence
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_sequence_is_built_corrected_and_activated(page, log_in, workspace, owner):
    make_template(workspace, owner, name="Welcome")
    log_in("olivia")
    page.get_by_role("link", name="Sequences").click()
    page.get_by_role("link", name="New sequence").click()
    page.get_by_label("Name").fill("Trial onboarding")
    page.get_by_label("They leave when they become").select_option(label="Customer")

    add = page.locator("#add-step")
    add.get_by_role("button", name="Email").click()
    page.locator(".step-row").nth(0).get_by_role("combobox").select_option(label="Welcome")
    add.get_by_role("button", name="Wait").click()
    add.get_by_role("button", name="Task").click()
    add.get_by_role("button", name="Wait").click()
    page.locator(".step-row").nth(2).get_by_placeholder("Call them").fill("Call about the trial")
    page.locator(".step-row").nth(3).get_by_role("button", name="Remove this step").click()
    page.locator(".step-row").nth(1).locator("input[name$='-days']").fill("")
    page.get_by_role("button", name="Create sequence").click()

    expect(page.get_by_role("alert")).to_contain_text("steps.2.days")
    page.locator(".step-row").nth(1).locator("input[name$='-days']").fill("3")
    page.get_by_role("button", name="Create sequence").click()
    expect(page.get_by_text("Saved “Trial onboarding”.")).to_be_visible()
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#sequence-status")).to_have_text("Active")
    expect(page.get_by_text("Pause the sequence to change its steps.")).to_be_visible()
    with workspace_scope(workspace):
        steps = Sequence.objects.get().steps
    assert [s["type"] for s in steps] == ["email", "wait", "task"]
    assert steps[1]["days"] == 3 and steps[2]["subject"] == "Call about the trial"


def test_a_sequence_entered_by_joining_a_list_takes_each_new_member(page, log_in, workspace, owner):
    make_template(workspace, owner, name="Welcome")
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@x.example"])
    with workspace_scope(workspace):
        newsletter = static_list_create(
            workspace=workspace, actor=owner, data={"name": "Newsletter"}
        )
    log_in("olivia")
    page.goto("/sequences/new/")
    page.get_by_label("Name").fill("Welcome series")
    page.get_by_label("…or join the list").select_option(label="Newsletter")
    page.locator("#add-step").get_by_role("button", name="Email").click()
    page.locator(".step-row").nth(0).get_by_role("combobox").select_option(label="Welcome")
    page.get_by_role("button", name="Create sequence").click()
    expect(page.get_by_text("Saved “Welcome series”.")).to_be_visible()
    expect(page.get_by_label("…or join the list")).to_have_value(str(newsletter.pk))
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#sequence-status")).to_have_text("Active")
    expect(page.locator("#enrollments")).to_contain_text("Nobody is in this sequence yet.")

    with workspace_scope(workspace):  # joins the list (committed: the live server's database)
        opt_in(workspace, ann)
        static_list_add(
            workspace=workspace, actor=owner, static_list=newsletter, contact_ids=[ann.pk]
        )
    page.reload()
    expect(page.locator("#enrollments")).to_contain_text("Ann Lee")

    with workspace_scope(workspace):  # the scheduler's sweep sends her the first step
        sequences_advance(workspace=workspace)
    page.reload()
    first = page.locator(".step-row").nth(0)
    expect(first.locator("[data-figure=sent]")).to_have_text("1 sent")
    expect(page.locator("[data-count=active]")).to_have_text("0")
    expect(page.locator("[data-count=completed]")).to_have_text("1")
    first.get_by_role("link", name="report").click()
    expect(page.locator("[data-kpi=sent]")).to_have_text("1")
    page.locator(".crumbs").get_by_role("link", name="Welcome series").click()
    expect(page.locator("#sequence-status")).to_have_text("Active")
