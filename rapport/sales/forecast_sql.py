"""The forecast's groups read from the kept sums in SQL written once per process (PostgreSQL).

A 13-month forecast over the bench's 100,000 deals reads about 2,200 won groups (owner,
currency, day) and 600 open ones from the kept sums. Through the ORM, building the two
queries, making a dict of every row and running each value through its converter cost about
half of the forecast's CPU, for SQL that PostgreSQL answers in a millisecond
(docs/performance.md, "Sales, eighth round"). Here the same statements (same tables,
conditions and groups, so the same plans) are written once per (table, pipeline filter) and
their rows read as the cursor gives them: on PostgreSQL no column needs a converter (the sums
of numeric columns are Decimals, of integer ones ints). SQLite sums its decimals as floats and
reads them through the ORM's converters (`forecast.won_groups`); `tests/test_forecast_sql.py`
holds the two equal. Every name in the SQL is the models' own: hence the `noqa: S608`.
"""

import datetime as dt
from functools import cache
from typing import Any

from django.db import connection

from rapport.sales.models import DealOpenMonthTotal, DealWonDayTotal, ForecastCategory

_WON = DealWonDayTotal._meta.db_table
_OPEN = DealOpenMonthTotal._meta.db_table


def applies() -> bool:
    """Whether the kept sums are read here (PostgreSQL) rather than through the ORM."""
    return connection.vendor == "postgresql"


@cache
def _won_sql(by_pipeline: bool) -> str:
    pipeline = ' AND "pipeline_id" = %s' if by_pipeline else ""
    return (
        'SELECT "owner_key", "currency", "day", SUM("amount"), SUM("deals") '  # noqa: S608
        f'FROM "{_WON}" WHERE ("workspace_id" = %s AND "day" >= %s AND "day" < %s{pipeline}) '
        "GROUP BY 1, 2, 3"
    )


@cache
def _open_sql(by_pipeline: bool) -> str:
    pipeline = ' AND "pipeline_id" = %s' if by_pipeline else ""
    return (
        'SELECT "owner_key", "stage_id", "forecast_category", "currency", "month", '  # noqa: S608
        f'SUM("amount"), SUM("deals") FROM "{_OPEN}" WHERE ("workspace_id" = %s '
        f'AND "month" >= %s AND "month" < %s AND NOT ("forecast_category" = %s){pipeline}) '
        "GROUP BY 1, 2, 3, 4, 5"
    )


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def won_rows(
    *, workspace_id: int, start: dt.date, end: dt.date, pipeline_id: int | None
) -> list[tuple[Any, ...]]:
    """(owner key, currency, day, amount, deals) of the kept won sums of [start, end)."""
    params: list[Any] = [workspace_id, start, end]
    if pipeline_id is not None:
        params.append(pipeline_id)
    return _rows(_won_sql(pipeline_id is not None), params)


def open_rows(
    *, workspace_id: int, start: dt.date, end: dt.date, pipeline_id: int | None
) -> list[tuple[Any, ...]]:
    """(owner key, stage, forecast category, currency, month, amount, deals) of the kept open
    sums of the months of [start, end), the omitted category left out."""
    params: list[Any] = [workspace_id, start, end, ForecastCategory.OMITTED.value]
    if pipeline_id is not None:
        params.append(pipeline_id)
    return _rows(_open_sql(pipeline_id is not None), params)
