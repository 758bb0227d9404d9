"""The tasks page: due groups with counts, done in place, the team's backlog with assignees."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_activity, make_contact

pytestmark = pytest.mark.browser


def _task(workspace, actor, subject, due):
    contact = make_contact(workspace, first_name=subject.split()[0], last_name="Client")
    make_activity(
        workspace, actor, kind="task", subject=subject, due_at=due, contact_ids=[contact.pk]
    )


def test_tasks_by_due_group_done_in_place_and_the_team_view(page, log_in, workspace, owner, member):
    now = timezone.now()
    _task(workspace, owner, "Chase the late invoice", now - dt.timedelta(days=400))
    _task(workspace, owner, "Prepare the renewal", now + dt.timedelta(days=5))
    _task(workspace, member, "Colleague's call back", now - dt.timedelta(days=1))
    log_in("olivia")
    page.goto("/tasks/")
    tasks = page.locator("#task-list")
    expect(tasks).to_contain_text("Prepare the renewal")
    expect(tasks).not_to_contain_text("Colleague's call back")
    # A task more than a year late shows its year, not a date that looks recent.
    late = page.locator(".task-row", has_text="Chase the late invoice")
    expect(late.locator(".badge-overdue")).to_contain_text(str((now - dt.timedelta(days=400)).year))

    page.get_by_role("link", name="Overdue 1").click()
    expect(tasks).not_to_contain_text("Prepare the renewal")
    expect(late).to_be_visible()
    late.get_by_role("button", name="Mark done: Chase the late invoice").click()
    expect(page.locator(".task-row.is-done", has_text="Chase the late invoice")).to_be_visible()
    # The group counts follow the tick without a reload, the current group still marked.
    groups = page.get_by_role("navigation", name="Due")
    expect(groups.get_by_role("link", name="Overdue 0")).to_have_attribute("aria-current", "page")
    expect(groups.get_by_role("link", name="All open 1")).to_be_visible()
    page.reload()
    expect(page.get_by_role("link", name="Overdue 0")).to_be_visible()
    expect(tasks).to_contain_text("No open tasks here.")

    page.get_by_role("link", name="Everyone's").click()
    row = page.locator(".task-row", has_text="Colleague's call back")
    expect(row.locator(".task-assignee")).to_have_text("mia")
    expect(page.get_by_role("heading", name="Team tasks")).to_be_visible()
