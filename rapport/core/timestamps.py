"""Timestamps read by psycopg's own (C) loader in the statements written by hand.

Django reads every PostgreSQL `timestamptz` through its `BaseTzLoader`, a Python subclass of
psycopg's loader (so the C one psycopg-binary ships is never used) whose `load` parses the
text in Python and replaces its zone: about 16 µs a value against under 1 µs in C, and a
page of 50 contacts has 100 of them (created, updated), 1.5 ms of a computed list page's
CPU. Django's loader answers the text in the connection's zone with `tzinfo` the
connection's `timezone`; where that is UTC and PostgreSQL's session zone is UTC too (Django
sets it so on connecting), psycopg's loader answers the same datetimes with the same
`tzinfo` (`datetime.timezone.utc`). Elsewhere (another zone, no C loader) nothing changes.
`tests/test_timestamps.py` holds the two equal.
"""

import datetime as dt
from typing import Any

import psycopg
from django.db import connection
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = 1184

# The loader psycopg's default adapters use: the C one where psycopg-binary (or psycopg-c)
# is installed, else the Python `TimestamptzLoader`, which would gain nothing here.
_C_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
_HAS_C_LOADER = _C_LOADER is not None and _C_LOADER is not TimestamptzLoader


def c_timestamps(cursor: Any) -> None:
    """Read this cursor's (`connection.cursor()`'s) `timestamptz` columns with psycopg's C
    loader where it answers what Django's would (see above); else leave it as it is."""
    if not _HAS_C_LOADER or connection.vendor != "postgresql":
        return
    if connection.timezone is not dt.UTC:
        return
    raw = getattr(cursor, "cursor", cursor)  # Django's wrapper (or its debug one) holds it
    adapters = raw.adapters
    django_loader = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if getattr(django_loader, "timezone", None) is not dt.UTC:
        return
    if raw.connection.info.parameter_status("TimeZone") != "UTC":
        return
    adapters.register_loader(TIMESTAMPTZ_OID, _C_LOADER)
