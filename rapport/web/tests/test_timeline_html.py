"""The timeline items written in Python (`rapport.web.timeline_html`) are the markup the
templates they replaced wrote: both rendered on varied items (every kind, every branch,
values that need escaping, readers with and without write and delete rights, a time zone
other than UTC) and compared."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.template import engines
from django.utils import timezone

from rapport.activities.models import Activity
from rapport.audit.models import AuditEntry
from rapport.core.timeline import TimelineItem
from rapport.tenancy.models import Membership
from rapport.web.timeline_html import ItemView, item_html, time_marks_fill

# The template as it was before the items were written in Python (timeline/_activity.html
# without its quick-add line), kept as the reference. A change item has moved on from its
# template (fields by label, long values folded): rapport/audit/tests/test_change_labels.py.
REPLACED = Path(__file__).parent / "replaced_templates"
OLD_ACTIVITY = (REPLACED / "activity.html").read_text()

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
EVIL = "<script>alert('x')</script> & \"quotes\""
ANN = User(pk=7, username="ann", first_name="Ann", last_name="O'Hara <admin>")
BOB = User(pk=8, username="bob&co")


def _activity(pk: int, kind: str, **fields) -> TimelineItem:
    at = fields.pop("at", NOW - dt.timedelta(days=3, hours=2))
    activity = Activity(pk=pk, kind=kind, occurred_at=at, **fields)
    return TimelineItem(at, "activity", "b", pk, activity)


ACTIVITIES = [
    _activity(1, "note", body=f"line one\nline two {EVIL}\r\nthree", author=ANN),
    _activity(2, "note", subject=EVIL, at=NOW - dt.timedelta(seconds=20)),
    _activity(
        3,
        "call",
        direction="inbound",
        outcome="left_voicemail",
        duration_seconds=89,
        author=BOB,
        at=NOW - dt.timedelta(minutes=5),
    ),
    _activity(4, "call", duration_seconds=150),  # rounds half to even, as widthratio does
    _activity(5, "call", direction="outbound"),
    _activity(6, "email", subject="Re: offer", body="Hello"),
    _activity(
        7,
        "meeting",
        starts_at=dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC),
        attendees=["Ann", EVIL, 42],
    ),
    _activity(8, "meeting", starts_at=dt.datetime(2026, 1, 9, 9, 0, tzinfo=dt.UTC)),
    _activity(15, "meeting", starts_at=dt.datetime(2025, 12, 9, 21, 10, tzinfo=dt.UTC)),
    _activity(9, "meeting", attendees=["no start"]),
    _activity(16, "email", subject="Re: offer", direction="inbound"),
    _activity(
        17,
        "meeting",
        starts_at=dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 12, 3, 11, 30, tzinfo=dt.UTC),
    ),
    _activity(10, "task", due_at=NOW - dt.timedelta(hours=1), assignee=ANN),
    _activity(11, "task", due_at=NOW + dt.timedelta(days=40), subject="Call back"),
    _activity(12, "task", due_at=NOW - dt.timedelta(days=1), done_at=NOW, assignee=BOB),
    _activity(13, "task"),
    _activity(14, "weird-kind", at=NOW - dt.timedelta(days=800)),
]


def _change(pk: int, action: str, changes: dict, display: dict | None = None, **fields):
    at = fields.pop("at", NOW - dt.timedelta(hours=30))
    fields.setdefault("source", "ui")
    entry = AuditEntry(pk=pk, action=action, changes=changes, at=at, **fields)
    entry.changes_display = changes if display is None else display  # type: ignore[attr-defined]
    return TimelineItem(at, "change", "a", pk, entry)


CHANGES = [
    _change(1, "create", {"first_name": [None, "Ann"]}, actor=ANN),
    _change(2, "delete", {}, source="api"),
    _change(3, "update", {"job_title": ["CEO", EVIL]}, actor=BOB),
    _change(
        4,
        "update",
        {
            "owner_id": [7, 8],
            "tags": [["a"], ["a", "<b>"]],
            "custom_fields": [{}, {"tier": "gold", "ok": True}],
            "do_not_email": [False, True],
            "notes": ["", "x" * 100],
        },
        display={
            "owner_id": ["Ann <admin>", "bob&co"],
            "tags": [["a"], ["a", "<b>"]],
            "custom_fields": [{}, {"tier": "gold", "ok": True}],
            "do_not_email": [False, True],
            "notes": ["", "x" * 100],
        },
        source="import",
        at=NOW - dt.timedelta(days=400),
    ),
]

READERS = {
    "owner": (True, "owner"),
    "member": (True, "member"),
    "viewer": (False, "viewer"),
}


@pytest.fixture(autouse=True)
def frozen_berlin():
    with time_machine.travel(NOW, tick=False), timezone.override(ZoneInfo("Europe/Berlin")):
        yield


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    ("old", "item"),
    [(OLD_ACTIVITY, i) for i in ACTIVITIES],
    ids=[f"activity-{i.obj.pk}" for i in ACTIVITIES],
)
def test_the_written_item_is_the_templates_markup(old, item, reader):
    can_write, role = READERS[reader]
    membership = Membership(role=role)
    context = {"item": item, "can_write": can_write, "current_membership": membership}
    expected = engines["django"].from_string(old).render(context).rstrip()
    view = ItemView(can_write=can_write, can_delete=membership.has_scope("records:delete"))
    assert item_html(item, view) == expected


def test_values_are_escaped():
    view = ItemView(can_write=True, can_delete=True)
    html = item_html(ACTIVITIES[1], view) + item_html(CHANGES[2], view)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html


def test_short_dates_carry_the_year_only_when_it_is_not_this_one():
    view = ItemView(can_write=False, can_delete=False, zone=dt.UTC)
    with time_machine.travel(NOW, tick=False):
        assert (
            view.date(dt.datetime(2026, 3, 3, 14, 5, tzinfo=dt.UTC), short=True) == "Mar 3, 14:05"
        )
        last_year = dt.datetime(2025, 12, 9, 21, 10, tzinfo=dt.UTC)
        assert view.date(last_year, short=True) == "Dec 9, 2025, 21:10"
        assert view.date(last_year) == "Dec 9, 2025 21:10"


def test_a_time_still_to_come_reads_in_so_long_not_zero_minutes_ago():
    """A meeting logged ahead of its start sat on the timeline as "0 minutes ago" (qa23)."""
    meeting = _activity(20, "meeting", at=NOW + dt.timedelta(days=2, hours=3))
    view = ItemView(can_write=False, can_delete=False, zone=dt.UTC)
    with time_machine.travel(NOW, tick=False):
        html = item_html(meeting, view)
        kept = ItemView(can_write=False, can_delete=False, zone=dt.UTC, time_marks=True)
        filled = time_marks_fill(item_html(meeting, kept))
    assert ">in 2\xa0days, 3\xa0hours</time>" in html
    assert "ago" not in html
    assert ">in 2\xa0days, 3\xa0hours</time>" in filled
    with time_machine.travel(NOW, tick=False):
        assert ">3\xa0days, 2\xa0hours ago</time>" in item_html(ACTIVITIES[0], view)
