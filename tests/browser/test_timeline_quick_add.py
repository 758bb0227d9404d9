"""The timeline's quick-add: its kinds are ARIA tabs worked from the keyboard, a meeting is
added with its end shown, and long unbroken subjects wrap inside their cards."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_activity, make_company, make_contact

pytestmark = pytest.mark.browser


def test_the_kind_tabs_work_from_the_keyboard(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner)
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    tablist = page.get_by_role("tablist", name="Add to the timeline")
    tabs = tablist.get_by_role("tab")
    expect(tabs).to_have_text(["Add note", "Log call", "Log email", "Add meeting", "Add task"])
    note, call, email, meeting, task = (tabs.nth(i) for i in range(5))
    expect(note).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_count(1)  # the hidden panels are not shown
    expect(page.get_by_role("tabpanel")).to_have_attribute("aria-labelledby", "qa-tab-note")

    note.focus()
    page.keyboard.press("ArrowRight")
    expect(call).to_be_focused()
    expect(call).to_have_attribute("aria-selected", "true")
    expect(note).to_have_attribute("aria-selected", "false")
    expect(page.locator("#qa-panel-call")).to_be_visible()
    expect(page.locator("#qa-panel-note")).to_be_hidden()

    page.keyboard.press("End")
    expect(task).to_be_focused()
    page.keyboard.press("ArrowRight")  # wraps round to the first
    expect(note).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(task).to_be_focused()
    page.keyboard.press("Home")
    expect(note).to_be_focused()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(meeting).to_have_attribute("aria-selected", "true")
    expect(email).to_have_attribute("tabindex", "-1")
    expect(meeting).not_to_have_attribute("tabindex", "-1")

    # Tab leaves the tab list for the selected panel's first field.
    page.keyboard.press("Tab")
    expect(page.locator("#id_meeting-subject")).to_be_focused()
    page.keyboard.type("Kick-off")
    page.locator("#id_meeting-starts_at").fill("2030-05-06T09:00")
    page.locator("#id_meeting-ends_at").fill("2030-05-07T10:15")
    page.get_by_role("button", name="Add meeting").click()
    item = page.locator("#timeline-items .tl-meeting")
    expect(item).to_contain_text("Kick-off")
    expect(item).to_contain_text("May 6, 2030, 09:00–May 7, 2030, 10:15")


def test_clicking_a_tab_shows_its_panel(page, log_in, workspace, owner):
    acme = make_company(workspace, name="Acme")
    log_in("olivia")
    page.goto(f"/companies/{acme.pk}/")
    page.get_by_role("tab", name="Log email").click()
    expect(page.get_by_role("tab", name="Log email")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_attribute("id", "qa-panel-email")
    expect(page.get_by_label("Subject")).to_be_visible()


LONG = "Re:" + "x" * 190  # a subject at its limit, without a space


@pytest.mark.parametrize("width", [1280, 390])
def test_long_subjects_wrap_inside_their_timeline_cards(page, log_in, workspace, owner, width):
    ann = make_contact(workspace, owner)
    for kind, extra in [
        ("email", {}),
        ("task", {}),
        ("meeting", {"starts_at": "2030-01-01T10:00:00+00:00", "attendees": ["y" * 150]}),
        ("note", {"body": "z" * 300}),
    ]:
        make_activity(workspace, owner, kind=kind, subject=LONG, contact_ids=[ann.pk], **extra)
    page.set_viewport_size({"width": width, "height": 900})
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    expect(page.locator("#timeline-items .tl-activity")).to_have_count(4)
    overflowing = page.eval_on_selector_all(
        ".timeline-card, .timeline-card .tl-item, .timeline-card .tl-body, .timeline-card .tl-meta",
        """els => els.filter(e => e.scrollWidth > e.clientWidth
                                || e.getBoundingClientRect().right > window.innerWidth)
                     .map(e => e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)""",
    )
    assert overflowing == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
