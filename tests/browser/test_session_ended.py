"""A page left open after the session ended: the next htmx request takes the window to the
login page instead of swapping the login page into the element it asked for."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact

pytestmark = pytest.mark.browser


def test_searching_after_the_session_ended_opens_the_login_page(page, log_in, workspace, owner):
    make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    log_in("olivia")
    page.goto("/contacts/")
    page.context.clear_cookies()

    page.locator("#global-search").fill("Ann")

    expect(page).to_have_url(re.compile(r"/login/\?next=/contacts/$"))
    expect(page.locator("#search-results form")).to_have_count(0)
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/contacts/$"))
