"""Working from the keyboard: after an htmx swap replaces what held the focus (an inline edit
saved or cancelled, a task ticked, a note added) the focus stays where the user was, not on
the page's <body>, so the next Tab or Enter acts there."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_activity, make_contact

pytestmark = pytest.mark.browser


def _settled(page):
    """htmx has finished the last swap (and so wired up what it swapped in): keys typed sooner
    would reach a form htmx does not handle yet, which the browser submits itself."""
    page.wait_for_function("!document.querySelector('.htmx-swapping, .htmx-settling, .htmx-added')")


def test_inline_edit_gives_the_focus_back_to_the_field(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner, job_title="Engineer")
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    value = page.locator("#f-job_title .kv-value")

    value.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_job_title")).to_be_focused()
    _settled(page)
    page.keyboard.press("Control+a")
    page.keyboard.type("CTO")
    page.keyboard.press("Enter")
    expect(value).to_have_text("CTO")
    expect(value).to_be_focused()
    _settled(page)  # the saved value is wired up (and the timeline's refresh done) first

    page.keyboard.press("Enter")
    expect(page.locator("#id_job_title")).to_be_focused()
    _settled(page)
    page.keyboard.press("Escape")
    expect(page.locator("#f-job_title .kv-value")).to_be_focused()


def test_a_note_added_leaves_the_focus_in_the_note_box(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner)
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")

    page.locator("#quick-add-note textarea").fill("Called about the renewal")
    page.get_by_role("button", name="Add note").focus()
    page.keyboard.press("Enter")

    expect(page.locator("#timeline-items")).to_contain_text("Called about the renewal")
    expect(page.locator("#quick-add-note textarea")).to_be_focused()


def test_ticking_a_task_keeps_the_focus_on_its_row(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner)
    make_activity(
        workspace,
        owner,
        kind="task",
        subject="Send the quote",
        due_at=timezone.now(),
        contact_ids=[ann.pk],
    )
    log_in("olivia")
    page.goto("/tasks/")

    page.get_by_role("button", name="Mark done: Send the quote").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("button", name="Reopen: Send the quote")).to_be_focused()
