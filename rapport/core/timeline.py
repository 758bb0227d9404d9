"""The timeline registry: apps register sources; a record's page merges them newest first.

A source answers "items about this record older than `before`, at most `limit`", so merging
k sources for one page costs k small indexed queries, whatever the record's history size.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    kind: str  # the template fragment that renders it, e.g. "activity" or "change"
    key: str  # unique across sources: keeps the order stable when two items share a time
    obj: Any


TimelineSource = Callable[[models.Model, dt.datetime | None, int], list[TimelineItem]]
_sources: dict[str, list[TimelineSource]] = {}


def timeline_source(*entities: str) -> Callable[[TimelineSource], TimelineSource]:
    """Register a source for records of these `app_label.model` entities."""

    def register(fn: TimelineSource) -> TimelineSource:
        for entity in entities:
            _sources.setdefault(entity, []).append(fn)
        return fn

    return register


@dataclass
class TimelinePage:
    items: list[TimelineItem]
    next_before: dt.datetime | None


def timeline_for(
    record: models.Model, *, before: dt.datetime | None = None, limit: int = 25
) -> TimelinePage:
    items: list[TimelineItem] = []
    for source in _sources.get(record._meta.label_lower, []):
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
    return TimelinePage(items=page, next_before=next_before)
