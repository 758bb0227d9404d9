"""The timeline registry: apps register sources; a record's page merges them newest first.

A source answers "items about this record older than `before`, at most `limit`", so merging
k sources for one page costs k small indexed queries, whatever the record's history size.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection, models


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    kind: str  # what renders it (a writer in web.timeline_html, else timeline/_<kind>.html)
    # The source's tag (letters, one per source and kind of row) and the row's id: with `at`
    # they place the item in the timeline's order, ties at one instant included (`position`).
    tag: str
    id: int
    obj: Any

    @property
    def key(self) -> str:
        """Unique across sources: the item's element id (`tl-<key>`)."""
        return f"{self.tag}{self.id}"

    @property
    def position(self) -> tuple[dt.datetime, str, int]:
        """The timeline is in this order, descending: newest first, then by tag, then by id."""
        return (self.at, self.tag, self.id)


@dataclass(frozen=True)
class TimelineCursor:
    """Where a page ended: its last item's position. The next page starts after it, so the
    items sharing its instant are neither repeated nor skipped, however many there are."""

    at: dt.datetime
    tag: str
    id: int

    @classmethod
    def at_item(cls, item: TimelineItem) -> "TimelineCursor":
        return cls(*item.position)

    @property
    def text(self) -> str:
        """For the "Load more" address (`parse` reads it back)."""
        return f"{self.at.isoformat()}~{self.tag}~{self.id}"

    @classmethod
    def parse(cls, text: str) -> "TimelineCursor":
        """From `text`; a bare date-time (an older page's link) is "older than it".
        ValueError when it is neither."""
        at, *rest = text.split("~")
        when = dt.datetime.fromisoformat(at)
        if not rest:
            return cls(when, "", 0)  # every tag sorts after "": nothing at that instant
        tag, number = rest if len(rest) == 2 else ("", "")
        if not (tag.isascii() and tag.isalpha() and number.isdigit()):
            raise ValueError(f"not a timeline position: {text!r}")
        return cls(when, tag, int(number))

    def admits(self, item: TimelineItem) -> bool:
        """Whether `item` comes after the cursor (older, or at its instant and before it)."""
        return item.position < (self.at, self.tag, self.id)

    def relation(self, tag: str) -> str:
        """How a source's rows of `tag` compare with the cursor: "lt", only those older than
        its instant; "le", also those at it (the tag sorts before the cursor's); "tie", at
        its instant only those of a lower id."""
        if tag == self.tag:
            return "tie"
        return "le" if tag < self.tag else "lt"

    def q(self, tag: str, time_field: str) -> models.Q:
        """The rows of a source of `tag` after the cursor, by their time field and id."""
        relation = self.relation(tag)
        if relation == "le":
            return models.Q(**{f"{time_field}__lte": self.at})
        older = models.Q(**{f"{time_field}__lt": self.at})
        if relation == "lt":
            return older
        return older | models.Q(**{time_field: self.at, "id__lt": self.id})

    @staticmethod
    def condition(relation: str, time_column: str, id_column: str) -> str:
        """`q` as an SQL condition on the quoted columns, for a `relation`: the same text for
        every cursor (a source writes its statement once per relation); `params` fill it."""
        if relation == "tie":
            return f"({time_column} < %s OR ({time_column} = %s AND {id_column} < %s))"
        return f"{time_column} {'<=' if relation == 'le' else '<'} %s"

    def params(self, tag: str) -> list[Any]:
        """The parameters of `condition(self.relation(tag), ...)`."""
        at = connection.ops.adapt_datetimefield_value(self.at)
        return [at, at, self.id] if self.relation(tag) == "tie" else [at]


TimelineSource = Callable[[models.Model, TimelineCursor | None, int], list[TimelineItem]]
_sources: dict[str, list[TimelineSource]] = {}
# The model of the rows a source shows (each of a workspace), asked only whether the
# workspace holds any.
_any_rows: dict[TimelineSource, type[models.Model]] = {}


def timeline_source(
    *entities: str, any_rows: type[models.Model] | None = None
) -> Callable[[TimelineSource], TimelineSource]:
    """Register a source for records of these `app_label.model` entities.

    `any_rows`, if given, is the model of the rows the source shows (it has a `workspace`).
    A page that passes its workspace to `timeline_for` asks whether the workspace holds any
    such row, keeps that answer per data version and skips the source's query while it holds
    none: the rows a source shows are written through audited services, which raise the
    version.
    """

    def register(fn: TimelineSource) -> TimelineSource:
        for entity in entities:
            _sources.setdefault(entity, []).append(fn)
        if any_rows is not None:
            _any_rows[fn] = any_rows
        return fn

    return register


@dataclass
class TimelinePage:
    items: list[TimelineItem]
    next_before: TimelineCursor | None
    # The sources asked (`active_sources`), for a page that decides by them whether it is kept.
    sources: list[TimelineSource] = field(default_factory=list)


def active_sources(record: models.Model, workspace: Any = None) -> list[TimelineSource]:
    """The record's sources that may have rows in `workspace` (all of them without one).

    The answers of the sources that can tell (`any_rows`) are asked in one statement and kept
    together, one entry per kind of record and data version: a record's page asks once, not
    once per source (each ask a round trip to the database, or to the cache). Sources sharing
    a model (a campaign's sends and its events) ask it once. The entry's key names the models,
    in order."""
    sources = _sources.get(record._meta.label_lower, [])
    checks = list(dict.fromkeys(_any_rows[source] for source in sources if source in _any_rows))
    if workspace is None or not checks:
        return list(sources)
    from rapport.tenancy.data_version import kept  # core does not depend on tenancy at import

    answers = kept(
        workspace=workspace,
        name=f"timeline-any-rows:{record._meta.label_lower}",
        inputs=tuple(model._meta.label_lower for model in checks),
        build=lambda: any_rows_of(tuple(checks), workspace_id=workspace.pk),
    )
    has_rows = dict(zip(checks, answers, strict=True))
    return [s for s in sources if s not in _any_rows or has_rows[_any_rows[s]]]


@cache
def _any_rows_sql(models_: tuple[type[models.Model], ...]) -> str:
    table = 'EXISTS (SELECT 1 FROM "{}" WHERE "workspace_id" = %s)'
    return "SELECT " + ", ".join(table.format(m._meta.db_table) for m in models_)


def any_rows_of(models_: tuple[type[models.Model], ...], *, workspace_id: int) -> list[bool]:
    """Whether the workspace holds any row of each model, in one statement (its SQL written
    once per process: the tables' names are the code's own)."""
    with connection.cursor() as cursor:
        cursor.execute(_any_rows_sql(models_), [workspace_id] * len(models_))
        row = cursor.fetchone()
    return [bool(answer) for answer in row]


def timeline_for(
    record: models.Model,
    *,
    before: TimelineCursor | None = None,
    limit: int = 25,
    workspace: Any = None,
) -> TimelinePage:
    """The record's items after `before` (from the newest without it), newest first. With
    `workspace` (the request's, whose data version was read before any data), sources known
    to have no rows in it are skipped.

    Each source gives at most `limit + 1` items after the cursor in the timeline's order
    (`TimelineItem.position`), so the merged first `limit` are the page, and the next page
    starts after its last item: the items at one instant page through by tag and id."""
    items: list[TimelineItem] = []
    sources = active_sources(record, workspace)
    for source in sources:
        items.extend(source(record, before, limit + 1))
    items.sort(key=lambda i: i.position, reverse=True)
    page = items[:limit]
    more = len(items) > limit and bool(page)
    next_before = TimelineCursor.at_item(page[-1]) if more else None
    return TimelinePage(items=page, next_before=next_before, sources=sources)
