"""Searches planned for their own text: never prepared on the connection.

With prepared statements on (`config/settings.py`: psycopg prepares a statement once a
connection has sent it five times), PostgreSQL plans a prepared statement's first five runs
for their parameters, then keeps one generic plan for every later run if its estimate is no
dearer than the average of those five. A search's statement is where that goes wrong: how
many rows its prefix matches swings from none to tens of thousands, so after a few broad
searches on a connection the generic plan (walk the contacts in name order and test each)
looks cheaper than their average and is kept for every later search sent on that
connection: 200–500 ms for a prefix that matches three addresses, against under 10 ms
planned for it (docs/performance.md, "Searches planned for their text"). A statement sent
unprepared is planned for its parameters on every run. A list without a search keeps its
prepared statement: one plan serves every run of it.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import connection

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def unprepared() -> Iterator[None]:
    """Statements sent in this block are not prepared (nor counted towards preparing)."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


def searches_unprepared(read: Callable[P, R]) -> Callable[P, R]:
    """`read` (a list's page or count, given its filter as `f`) sends its statements
    unprepared when the filter holds a search text (`f.q`)."""

    @wraps(read)
    def reading(*args: P.args, **kwargs: P.kwargs) -> R:
        if not str(getattr(kwargs.get("f"), "q", "")).strip():
            return read(*args, **kwargs)
        with unprepared():
            return read(*args, **kwargs)

    return reading
