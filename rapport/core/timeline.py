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
    key: str  # unique across sources: keeps the order stable when two items share a time
    obj: Any


TimelineSource = Callable[[models.Model, dt.datetime | None, int], list[TimelineItem]]
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
    next_before: dt.datetime | None
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
    before: dt.datetime | None = None,
    limit: int = 25,
    workspace: Any = None,
) -> TimelinePage:
    """The record's items newest first. With `workspace` (the request's, whose data version
    was read before any data), sources known to have no rows in it are skipped."""
    items: list[TimelineItem] = []
    sources = active_sources(record, workspace)
    for source in sources:
        items.extend(source(record, before, limit + 1))
    items.sort(key=lambda i: (i.at, i.key), reverse=True)
    page = items[:limit]
    more = len(items) > limit
    # Items at exactly the boundary time would be skipped by "older than": stop before them.
    if more and page:
        boundary = page[-1].at
        page = [i for i in page if i.at > boundary] or page
        next_before = page[-1].at if page[-1].at > boundary else boundary
    else:
        next_before = None
    return TimelinePage(items=page, next_before=next_before, sources=sources)
