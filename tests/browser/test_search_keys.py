"""The global search box from the keyboard: Down goes into the results, Up and Down move
through them, Up from the first and Escape go back to the box, Enter opens a result."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact

pytestmark = pytest.mark.browser


def test_the_search_results_are_reached_and_opened_with_the_arrow_keys(
    page, log_in, workspace, owner
):
    make_contact(workspace, owner, first_name="Ann", last_name="Archer")
    make_contact(workspace, owner, first_name="Ann", last_name="Baker")
    log_in("olivia")
    box = page.locator("#global-search")
    hits = page.locator("#search-results .search-hit")

    box.fill("Ann")
    expect(hits).to_have_count(2)
    page.keyboard.press("ArrowDown")
    expect(hits.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(hits.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    expect(box).to_have_value("Ann")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(box).to_be_focused()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = hits.nth(1).get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"{re.escape(second)}$"))
