"""The timeline registry: apps register sources; a record's page merges them newest first.

A source answers "items about this record older than `before`, at most `limit`", so merging
k sources for one page costs k small indexed queries, whatever the record's history size.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
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
# A source's "every row of mine in the workspace" (in the active scope), asked only whether
# it holds any.
_any_rows: dict[TimelineSource, Callable[[], models.QuerySet[Any]]] = {}


def timeline_source(
    *entities: str, any_rows: Callable[[], models.QuerySet[Any]] | None = None
) -> Callable[[TimelineSource], TimelineSource]:
    """Register a source for records of these `app_label.model` entities.

    `any_rows`, if given, returns the rows of the active workspace the source could show (for
    any record). A page that passes its workspace to `timeline_for` asks whether there are any,
    keeps that answer per data version and skips the source's query while the workspace has
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
    a check (a campaign's sends and its events) ask it once. The entry's key names the checks,
    in order."""
    sources = _sources.get(record._meta.label_lower, [])
    checks = list(dict.fromkeys(_any_rows[source] for source in sources if source in _any_rows))
    if workspace is None or not checks:
        return list(sources)
    from rapport.tenancy.data_version import kept  # core does not depend on tenancy at import

    answers = kept(
        workspace=workspace,
        name=f"timeline-any-rows:{record._meta.label_lower}",
        inputs=tuple(f"{c.__module__}.{c.__qualname__}" for c in checks),
        build=lambda: any_rows_of(checks),
    )
    has_rows = dict(zip(checks, answers, strict=True))
    return [s for s in sources if s not in _any_rows or has_rows[_any_rows[s]]]


def any_rows_of(checks: list[Callable[[], models.QuerySet[Any]]]) -> list[bool]:
    """Whether each check's rows hold any, in one `SELECT EXISTS (...), EXISTS (...)`."""
    parts: list[str] = []
    params: list[Any] = []
    for check in checks:
        sql, check_params = check().values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params.extend(check_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
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
