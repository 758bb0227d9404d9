"""qa23: what a sales rep saw in the QA pass, seen again in the browser."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact

pytestmark = pytest.mark.browser


def test_a_meeting_booked_ahead_reads_in_so_long_not_0_minutes_ago(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner)
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    page.get_by_role("tab", name="Add meeting").click()
    page.locator("#id_meeting-subject").fill("Quarterly review")
    page.locator("#id_meeting-starts_at").fill("2030-05-06T09:00")
    page.get_by_role("button", name="Add meeting").click()

    when = page.locator("#timeline-items .tl-meeting time").first
    expect(when).to_have_text(re.compile(r"^in \d+\xa0years?"))
    expect(when).not_to_contain_text("ago")
