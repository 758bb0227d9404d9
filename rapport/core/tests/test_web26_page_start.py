"""A page knows how many rows come before it (`Page.start`), carried in its cursors, going
forward and back, so a list can say "51–100 of N" on its second page."""

import base64
import json
from typing import Any

import pytest

from rapport.contacts.queries import RecordFilter, contact_list
from rapport.contacts.tests.factories import make_contact
from rapport.core.pagination import Page
from rapport.web.templatetags.rapport_ui import page_range


@pytest.fixture
def twelve(scoped, owner):
    for i in range(12):
        make_contact(scoped, owner, first_name=f"N{i:02d}", last_name="Same")


def _page(cursor=None):
    return contact_list(f=RecordFilter(), region="US", cursor=cursor, limit=5)


def test_each_page_starts_after_the_rows_before_it_forward_and_back(twelve):
    first = _page()
    second = _page(first.next_cursor)
    third = _page(second.next_cursor)
    assert [first.start, second.start, third.start] == [0, 5, 10]
    assert len(third.items) == 2
    back = _page(third.prev_cursor)
    assert back.start == 5 and back.items == second.items
    assert _page(back.prev_cursor).start == 0


def test_a_cursor_that_does_not_say_its_place_leaves_the_start_unknown(twelve):
    cursor = _page().next_cursor
    padded = cursor + "=" * (-len(cursor) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded))
    del data["o"]
    older = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    page = _page(older)
    assert page.start is None and len(page.items) == 5


@pytest.mark.parametrize(
    ("start", "count", "shown"),
    [(0, 50, "1–50"), (50, 50, "51–100"), (1000, 1, "1,001"), (None, 7, "7")],
)
def test_a_pages_range_reads_as_its_rows_places(start, count, shown):
    rows: list[Any] = [None] * count
    page = Page(items=rows, next_cursor=None, prev_cursor=None, start=start)
    assert page_range(page) == shown
