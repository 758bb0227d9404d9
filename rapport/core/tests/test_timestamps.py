"""`core.timestamps.c_timestamps`: a cursor reading `timestamptz` with psycopg's C loader
gives the datetimes Django's loader gives (same values, same `tzinfo`), and leaves a cursor
alone where Django reads another zone; on SQLite it changes nothing."""

import datetime as dt

import pytest
from django.db import connection

from rapport.core.timestamps import TIMESTAMPTZ_OID, c_timestamps

pytestmark = pytest.mark.django_db

_VALUES = """
    SELECT v FROM (VALUES
        ('2024-03-28 03:01:13+00'::timestamptz),
        ('2024-03-28 03:01:13.000001+00'::timestamptz),
        ('2025-11-24 23:59:59.999999+05:30'::timestamptz),
        ('1901-12-13 20:45:52.5-08'::timestamptz),
        ('9999-12-31 23:59:59+00'::timestamptz),
        ('0001-01-01 00:00:00+00'::timestamptz),
        (NULL)
    ) AS t(v)
"""


def _read(*, fast: bool) -> list[dt.datetime | None]:
    with connection.cursor() as cursor:
        if fast:
            c_timestamps(cursor)
        cursor.execute(_VALUES)
        return [row[0] for row in cursor.fetchall()]


def _loader(cursor: object) -> type:
    raw = cursor.cursor  # type: ignore[attr-defined]
    return type(raw.adapters.get_loader(TIMESTAMPTZ_OID, 0)(TIMESTAMPTZ_OID, raw))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders")
def test_the_c_loader_reads_what_djangos_reads():
    fast, plain = _read(fast=True), _read(fast=False)

    assert fast == plain
    assert [v and v.tzinfo for v in fast] == [v and v.tzinfo for v in plain]
    assert all(v is None or v.tzinfo is dt.UTC for v in fast)
    assert fast[1] is not None and fast[1].microsecond == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders")
def test_a_cursor_gets_the_c_loader_and_the_connection_keeps_djangos():
    with connection.cursor() as cursor:
        django_loader = _loader(cursor)
        c_timestamps(cursor)
        assert _loader(cursor).__module__.startswith("psycopg_")  # psycopg_binary or psycopg_c
    with connection.cursor() as cursor:
        assert _loader(cursor) is django_loader


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders")
def test_a_cursor_reading_another_zone_is_left_alone():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    zone = dt.timezone(dt.timedelta(hours=2))
    with connection.cursor() as cursor:
        register_tzloader(zone, cursor.cursor)  # as Django does when the zones disagree
        c_timestamps(cursor)
        cursor.execute("SELECT '2024-03-28 03:01:13+00'::timestamptz")
        value = cursor.fetchone()[0]
    assert value.tzinfo is zone  # Django's loader's answer (the zone replaced), not the C one's


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders")
def test_a_session_in_another_zone_is_left_alone():
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Paris'")
        try:
            c_timestamps(cursor)
            cursor.execute("SELECT '2024-03-28 03:01:13+00'::timestamptz")
            value = cursor.fetchone()[0]
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")
    # Django's loader: the session's local text read as UTC (its zone replaced), as before.
    assert value == dt.datetime(2024, 3, 28, 4, 1, 13, tzinfo=dt.UTC)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite")
def test_on_sqlite_nothing_changes():
    with connection.cursor() as cursor:
        c_timestamps(cursor)
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
