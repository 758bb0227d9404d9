"""An htmx request that fails says so: htmx swaps nothing for an error answer, so a tick on a
task a colleague had just deleted, or one made while the server was unreachable, used to look
like a click that did nothing."""

import pytest
from playwright.sync_api import expect

from rapport.activities.models import Activity
from rapport.contacts.tests.factories import make_activity, make_contact

pytestmark = pytest.mark.browser


def test_a_failed_tick_on_the_tasks_page_tells_why(page, log_in, workspace, owner):
    contact = make_contact(workspace, first_name="Ann", last_name="Lee")
    gone = make_activity(
        workspace, owner, kind="task", subject="Call Ann", contact_ids=[contact.pk]
    )
    make_activity(workspace, owner, kind="task", subject="Mail Ann", contact_ids=[contact.pk])
    log_in("olivia")
    page.goto("/tasks/")
    error = page.get_by_role("alert")
    expect(error).to_be_hidden()

    Activity.unscoped.filter(pk=gone.pk).delete()
    page.get_by_role("button", name="Mark done: Call Ann").click()
    expect(error).to_contain_text("This is no longer here")
    error.get_by_role("button", name="Dismiss").click()
    expect(error).to_be_hidden()

    page.route("**/activities/*/done/", lambda route: route.abort())
    page.get_by_role("button", name="Mark done: Mail Ann").click()
    expect(error).to_contain_text("The server could not be reached")


def test_a_tick_from_a_page_whose_token_went_stale_says_to_reload(page, log_in, workspace, owner):
    contact = make_contact(workspace, first_name="Ann", last_name="Lee")
    make_activity(workspace, owner, kind="task", subject="Call Ann", contact_ids=[contact.pk])
    log_in("olivia")
    page.goto("/tasks/")

    page.context.clear_cookies(name="csrftoken")  # signed in still, the token's cookie gone
    page.get_by_role("button", name="Mark done: Call Ann").click()

    error = page.get_by_role("alert")
    expect(error).to_contain_text("This page is out of date")
    expect(error).not_to_contain_text("Your role")
