"""Timeline items as HTML built in Python, for the kinds every record page shows 25 of.

Through a template include each (two date filters, `timesince`, three URL filters, the
`with`/`if` nodes) the 25 items of a contact page cost about 6 ms of CPU; written here in one
pass, about a tenth of that (docs/performance.md, "Sixth round"). A kind registers its
writer with `item_writer`; the kinds without one (tickets, merges, campaign events, a deal's
stage changes: rare on a page) still render through `timeline/_<kind>.html`. Every value goes
through `html.escape`, which is what the templates' autoescaping runs; the markup is the one
the replaced templates wrote (the tests render both and compare).
"""

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape

from django.template import Context
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil

from rapport.core.timeline import TimelineItem
from rapport.tenancy.roles import RECORDS_DELETE

# A page kept for minutes must not keep "3 minutes ago" or a task's overdue badge: kept HTML
# holds these marks with the instant in microseconds, and `time_marks_fill` writes the text
# each request. Derived from SECRET_KEY (as `TOKEN_MARK`), so no user can put one in their
# text; letters and digits, so escaping leaves them as they are.
_MARK = salted_hmac("rapport.web.timeline_html", "time-mark").hexdigest()[:24]
AGO_MARK, OVERDUE_MARK = f"ago{_MARK}", f"overdue{_MARK}"
_MARKS = re.compile(f"({AGO_MARK}|{OVERDUE_MARK})(-?[0-9]+)x")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def date_text(
    value: dt.datetime, zone: dt.tzinfo, *, short: bool = False, now: dt.datetime | None = None
) -> str:
    """`date:'M j, Y H:i'` in `zone` ("Mar 3, 2026 14:00"); `short`, the year only when it is
    not this one (`now`'s, in `zone`): "Mar 3, 14:00", "Dec 9, 2025, 21:10". Written here
    rather than through `date_format` (what the same formats give: the month's abbreviation
    title-cased, the day unpadded) at a quarter of its cost; the `when` filter of rows and this
    module's items both call it."""
    local = timezone.localtime(value, zone) if timezone.is_aware(value) else value
    month, time = str(MONTHS_3[local.month]).title(), f"{local.hour:02d}:{local.minute:02d}"
    if not short:
        return f"{month} {local.day}, {local.year} {time}"
    if local.year == timezone.localtime(now or timezone.now(), zone).year:
        return f"{month} {local.day}, {time}"
    return f"{month} {local.day}, {local.year}, {time}"


def relative_text(at: dt.datetime, now: dt.datetime | None = None) -> str:
    """ "3 days ago"; a time still to come (a meeting booked ahead) "in 2 days", where
    `timesince` alone would say "0 minutes ago"."""
    now = now or timezone.now()
    if at > now:
        return f"in {timeuntil(at, now)}"
    return f"{timesince(at, now)} ago"


def _overdue(due: dt.datetime) -> str:
    return " badge-overdue" if due < timezone.now() else ""  # the templates' `is_past`


def _marked(mark: str, at: dt.datetime) -> str:
    return f"{mark}{(at - _EPOCH) // dt.timedelta(microseconds=1)}x"


def time_marks_fill(html: str) -> str:
    """`html` with each time mark replaced by its text as of now (see `ItemView.time_marks`)."""

    def fill(match: re.Match[str]) -> str:
        at = _EPOCH + dt.timedelta(microseconds=int(match[2]))
        if match[1] == AGO_MARK:
            return escape(relative_text(at))
        return _overdue(at)

    return _MARKS.sub(fill, html)


@dataclass
class ItemView:
    """What an item's markup depends on besides the item: the reader's rights, the time zone."""

    can_write: bool
    can_delete: bool
    zone: dt.tzinfo = field(default_factory=timezone.get_current_timezone)
    # Write marks for what changes with the clock alone (a page kept: `time_marks_fill`).
    time_marks: bool = False

    @classmethod
    def of(cls, context: Context) -> "ItemView":
        """From a template context (the `tenancy` context processor's flags)."""
        membership = context.get("current_membership")
        return cls(
            can_write=bool(context.get("can_write")),
            can_delete=membership is not None and membership.has_scope(RECORDS_DELETE),
            time_marks=bool(context.get("timeline_time_marks")),
        )

    def date(self, value: dt.datetime, short: bool = False) -> str:
        """The templates' `date:'M j, Y H:i'` in the view's zone; `short` as the `when`
        filter writes it (`date_text`)."""
        return date_text(value, self.zone, short=short)

    def ago(self, at: dt.datetime) -> str:
        """The `<time>` element of an item's meta line: "3 days ago" (or "in 2 days"), the
        full date as title."""
        since = _marked(AGO_MARK, at) if self.time_marks else escape(relative_text(at))
        return f'<time datetime="{escape(at.isoformat())}" title="{self.date(at)}">{since}</time>'

    def overdue_class(self, due: dt.datetime) -> str:
        """A task badge's ` badge-overdue` class while `due` is past, else nothing."""
        if self.time_marks:
            return _marked(OVERDUE_MARK, due)
        return _overdue(due)


ItemWriter = Callable[[TimelineItem, ItemView], str]
_writers: dict[str, ItemWriter] = {}


def item_writer(kind: str) -> Callable[[ItemWriter], ItemWriter]:
    """Register the function that writes the `<li>` of items of this kind."""

    def register(fn: ItemWriter) -> ItemWriter:
        _writers[kind] = fn
        return fn

    return register


def has_writer(kind: str) -> bool:
    return kind in _writers


def item_html(item: TimelineItem, view: ItemView) -> SafeString:
    """One item of a kind that has a writer (every value in it escaped by the writer)."""
    return mark_safe(_writers[item.kind](item, view))


def items_html(items: Iterable[TimelineItem], context: Context) -> SafeString:
    """The items in order: a writer's where the kind has one, else its template in `context`."""
    view = ItemView.of(context)
    out = []
    for item in items:
        writer = _writers.get(item.kind)
        if writer is not None:
            out.append(writer(item, view))
            continue
        engine = context.template.engine  # type: ignore[union-attr]  # set while rendering
        with context.push(item=item):
            out.append(engine.get_template(f"timeline/_{item.kind}.html").render(context))
    return mark_safe("".join(out))
