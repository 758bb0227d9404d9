"""A note typed while the session ended is not lost: sending it takes the window to the login
page, and after logging in the note is back in its box on the contact's page, unsent."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact

pytestmark = pytest.mark.browser


def test_a_note_typed_when_the_session_ended_is_back_after_logging_in(
    page, log_in, workspace, owner
):
    ann = make_contact(workspace, owner)
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    note = page.locator("#quick-add-note textarea")
    note.fill("Long notes from the call\nwith two lines")
    kept = [c for c in page.context.cookies() if c["name"] != "sessionid"]
    page.context.clear_cookies()
    page.context.add_cookies(kept)  # the session ended; the CSRF cookie is still there

    page.get_by_role("button", name="Add note").click()
    expect(page).to_have_url(re.compile(rf"/login/\?next=/contacts/{ann.pk}/$"))
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(rf"/contacts/{ann.pk}/$"))
    expect(note).to_have_value("Long notes from the call\nwith two lines")
    expect(page.locator("#timeline-items")).not_to_contain_text("Long notes")
    page.reload()  # kept for the one return only
    expect(note).to_have_value("")
