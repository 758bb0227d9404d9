"""ui24: a meeting's attendees who are contacts get it on their timeline, and lose it when
they leave the attendees."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact

pytestmark = pytest.mark.browser

HELP = "Attendees who are contacts (by email) get the meeting on their timeline."


def test_an_attendee_who_is_a_contact_gets_the_meeting_until_removed(
    page, log_in, workspace, owner
):
    ann = make_contact(workspace, owner)
    bob = make_contact(workspace, owner, first_name="Bob", emails=["bob@x.example"])
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    page.get_by_role("tab", name="Add meeting").click()
    expect(page.locator("#id_meeting-attendees_helptext")).to_contain_text(HELP)
    page.locator("#id_meeting-subject").fill("Quarterly review")
    page.locator("#id_meeting-starts_at").fill("2030-05-06T09:00")
    page.locator("#id_meeting-attendees").fill("Carol, bob@x.example")
    page.get_by_role("button", name="Add meeting").click()
    expect(page.locator("#timeline-items .tl-meeting")).to_contain_text("Quarterly review")

    page.goto(f"/contacts/{bob.pk}/")
    meeting = page.locator("#timeline-items .tl-meeting")
    expect(meeting).to_contain_text("Quarterly review")

    page.goto(f"/contacts/{ann.pk}/")
    page.locator("#timeline-items .tl-meeting").get_by_role("button", name="Edit").click()
    expect(page.locator("#id_attendees_helptext")).to_contain_text(HELP)
    page.locator("#id_attendees").fill("Carol")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#timeline-items .tl-meeting")).to_contain_text("Carol")
    expect(page.locator("#timeline-items .tl-meeting")).not_to_contain_text("bob@x.example")

    page.goto(f"/contacts/{bob.pk}/")
    expect(page.locator("#timeline-items .tl-meeting")).to_have_count(0)
