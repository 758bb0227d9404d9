import base64
import datetime as dt
import json

import pytest
import time_machine

from rapport.contacts.models import Contact
from rapport.contacts.queries import RecordFilter, contact_list
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError


def names(page):
    return [c.first_name for c in page.items]


@pytest.fixture
def twenty(scoped, owner):
    # Same last name for all: the sort must fall back on first name and id without skipping.
    for i in range(20):
        make_contact(scoped, owner, first_name=f"N{i:02d}", last_name="Same")
    return scoped


@pytest.mark.parametrize("sort", ["name", "-name", "created", "-created", "updated", "-updated"])
def test_walking_all_pages_returns_every_row_once(twenty, sort):
    seen, cursor = [], None
    while True:
        page = contact_list(f=RecordFilter(), region="US", sort=sort, cursor=cursor, limit=6)
        seen.extend(names(page))
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(f"N{i:02d}" for i in range(20))
    assert len(seen) == 20


def test_pages_stay_stable_when_rows_are_inserted_while_paging(twenty, owner):
    first = contact_list(f=RecordFilter(), region="US", sort="name", limit=5)
    assert names(first) == ["N00", "N01", "N02", "N03", "N04"]
    # One row sorting before the cursor, one inside the next page, one after.
    make_contact(twenty, owner, first_name="A", last_name="Aaa")
    make_contact(twenty, owner, first_name="N05a", last_name="Same")
    make_contact(twenty, owner, first_name="Z", last_name="Zzz")
    second = contact_list(
        f=RecordFilter(), region="US", sort="name", cursor=first.next_cursor, limit=5
    )
    assert names(second) == ["N05", "N05a", "N06", "N07", "N08"]


def test_equal_timestamps_are_broken_by_id(scoped, owner):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        for i in range(7):
            make_contact(scoped, owner, first_name=f"T{i}")
    p1 = contact_list(f=RecordFilter(), region="US", sort="-created", limit=4)
    p2 = contact_list(
        f=RecordFilter(), region="US", sort="-created", cursor=p1.next_cursor, limit=4
    )
    assert names(p1) + names(p2) == [f"T{i}" for i in reversed(range(7))]
    assert p2.next_cursor is None


def test_prev_cursor_returns_the_page_before(twenty):
    p1 = contact_list(f=RecordFilter(), region="US", sort="name", limit=5)
    p2 = contact_list(f=RecordFilter(), region="US", sort="name", cursor=p1.next_cursor, limit=5)
    back = contact_list(f=RecordFilter(), region="US", sort="name", cursor=p2.prev_cursor, limit=5)
    assert names(back) == names(p1)
    assert back.prev_cursor is None
    assert p1.prev_cursor is None


@pytest.mark.parametrize("cursor", ["nonsense", "eyJ2IjogMX0", ""])
def test_a_bad_cursor_is_a_field_error(twenty, cursor):
    if not cursor:
        assert contact_list(f=RecordFilter(), region="US", cursor=cursor).items
        return
    with pytest.raises(ServiceValidationError) as exc:
        contact_list(f=RecordFilter(), region="US", cursor=cursor)
    assert "cursor" in exc.value.as_dict()


def test_a_cursor_of_another_sort_is_refused(twenty):
    page = contact_list(f=RecordFilter(), region="US", sort="-created", limit=3)
    assert Contact.objects.count() == 20
    with pytest.raises(ServiceValidationError):
        contact_list(f=RecordFilter(), region="US", sort="name", cursor=page.next_cursor)


@pytest.mark.parametrize("descending", [False, True])
def test_a_nullable_sort_key_pages_with_nulls_last_both_ways(scoped, owner, descending):
    from rapport.activities.models import Activity
    from rapport.contacts.tests.factories import make_activity
    from rapport.core.pagination import SortKey, paginate

    ann = make_contact(scoped, owner)
    dues = [None, "2026-01-03", None, "2026-01-01", "2026-01-02", None, "2026-01-02"]
    for i, due in enumerate(dues):
        make_activity(scoped, owner, kind="task", subject=f"t{i}", due_at=due, contact_ids=[ann.pk])
    keys = [SortKey("due_at", descending)]
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = paginate(Activity.objects.all(), keys=keys, cursor=cursor, limit=2)
        pages.append([a.subject for a in page.items])
        cursor = page.next_cursor
        if not cursor:
            break
    walked = [s for p in pages for s in p]
    dated = sorted((d, i) for i, d in enumerate(dues) if d)
    if descending:
        dated.sort(key=lambda x: (x[0], x[1]), reverse=True)
    undated = [i for i, d in enumerate(dues) if d is None]
    expected = [f"t{i}" for _, i in dated] + [f"t{i}" for i in sorted(undated, reverse=descending)]
    assert walked == expected
    # And back again from the last page, through the prev cursors.
    back: list[str] = []
    cursor = page.prev_cursor
    while cursor:
        page = paginate(Activity.objects.all(), keys=keys, cursor=cursor, limit=2)
        back = [a.subject for a in page.items] + back
        cursor = page.prev_cursor
    assert back + pages[-1] == expected


def _edited(values: list, signature: str) -> str:
    raw = json.dumps({"v": values, "d": "next", "s": signature}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "sort, values",
    [
        ("name", [{"a": 1}, 1]),  # an object where text goes
        ("name", ["ann", float("inf")]),  # past what an integer can hold
        ("name", ["ann", 2**64]),  # past a 64-bit key
        ("name", ["ann", "1"]),  # text where the id goes
        ("name", ["ann\x00", 1]),  # a NUL PostgreSQL cannot compare
        ("created", [20240101, 1]),  # a number where a date-time goes
        ("created", ["someday", 1]),
        ("created", ["0001-01-01T00:00:00+05:00", 1]),  # before the first UTC instant
    ],
)
def test_an_edited_cursor_is_a_field_error(twenty, sort, values):
    signature = {"name": "sort_name,pk", "created": "created_at,pk"}[sort]

    with pytest.raises(ServiceValidationError) as exc:
        contact_list(f=RecordFilter(), region="US", sort=sort, cursor=_edited(values, signature))

    assert exc.value.as_dict() == {"cursor": ["is not a valid cursor"]}


@pytest.mark.parametrize(
    "sort, value",
    [
        ("amount", "lots"),
        ("amount", "NaN"),
        ("amount", "1e999999"),  # past the column's digits
        ("close", "2024-02-30"),
        ("close", "soon"),
    ],
)
def test_an_edited_cursor_on_a_decimal_or_date_key_is_a_field_error(scoped, sort, value):
    from rapport.sales.queries import DealFilter, deal_list

    signature = {"amount": "amount,pk", "close": "expected_close_date,pk"}[sort]

    with pytest.raises(ServiceValidationError) as exc:
        deal_list(f=DealFilter(), sort=sort, cursor=_edited([value, 1], signature))

    assert "cursor" in exc.value.as_dict()
