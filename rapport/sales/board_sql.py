"""The board's first cards read in SQL written once per process (PostgreSQL).

Every board computed (the page's, the API's) reads each stage's first cards in one statement:
one `LIMIT` per stage joined by `UNION ALL`, each a short scan of `deal_board_idx`. Built and
compiled by the ORM, that statement (six parts of thirteen to twenty columns and two joins)
cost about a third of the API board's CPU on every request, for SQL that PostgreSQL answers
in half a millisecond (docs/performance.md, "Sales, seventh round" and "eighth round"). Here
the same statement (the same parts, joins, order and limits, so the same plans) is written
from a few strings once per (columns, stage count, owner filter, cards per stage) and kept for
the process; each request only passes its parameters: the workspace, the pipeline, the owner
and the stage ids. The rows are what `values_list` gives on PostgreSQL (no column of a card
needs a converter there), so `queries.board` reads either; `tests/test_board_sql.py` holds
them equal to the ORM's. SQLite cannot limit the parts of a UNION and keeps the ORM's window.

Every name in the SQL is the models' own (tables, columns), never from input: hence the
`noqa: S608`.
"""

from functools import lru_cache
from typing import Any, cast

from django.db import connection
from django.db.models import DateField, DateTimeField, Field, ForeignKey, Model

from rapport.sales.models import Deal

_DEALS = Deal._meta.db_table


def applies() -> bool:
    """Whether the cards are read here (PostgreSQL) rather than through the ORM."""
    return connection.vendor == "postgresql"


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise ValueError(f"the board's cards cannot read {name!r}")
    return field


# A time as Django's JSON encoder writes it (`DjangoJSONEncoder.default`): ISO 8601 in UTC,
# the microseconds cut to milliseconds when there are any, "Z" for UTC. `to_char`'s MS cuts
# too; NULL stays NULL.
_TIME_JSON = (
    "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
    "CASE WHEN mod(extract(microseconds FROM {c})::bigint, 1000000) = 0 THEN '' "
    "ELSE '.' || to_char({c} AT TIME ZONE 'UTC', 'MS') END || 'Z'"
)


def _column(name: str, joins: dict[str, str], times_as_json: bool = False) -> str:
    """The SQL of one `values_list` name of the deal: its own column, or a column of the row
    a foreign key points to (`owner__first_name`), whose LEFT JOIN is added to `joins`.
    With `times_as_json`, the deal's days and times are read as the text the API's JSON
    holds (psycopg's parsing and the encoder's formatting of 500 times were a third of the
    API board's CPU once its statement was built once)."""
    if "__" not in name:
        field = _field(Deal, name)
        column = f'"{_DEALS}"."{field.column}"'
        if times_as_json and isinstance(field, DateTimeField):
            return _TIME_JSON.format(c=column)
        if times_as_json and isinstance(field, DateField):
            return f"to_char({column}, 'YYYY-MM-DD')"
        return column
    relation, attr = name.split("__", 1)
    key = _field(Deal, relation)
    if not isinstance(key, ForeignKey) or "__" in attr:
        raise ValueError(f"the board's cards cannot read {name!r}")
    target = cast(type[Model], key.related_model)
    table = target._meta.db_table
    joins[table] = (
        f'LEFT OUTER JOIN "{table}" ON ("{_DEALS}"."{key.column}" = '
        f'"{table}"."{_field(target, target._meta.pk.name).column}")'
    )
    return f'"{table}"."{_field(target, attr).column}"'


@lru_cache(maxsize=128)
def cards_sql(
    columns: tuple[str, ...],
    stages: int,
    by_owner: bool,
    per_stage: int,
    times_as_json: bool = False,
) -> str:
    """The statement of `stages` columns' first `per_stage` cards, in board order (stage id,
    position, id); `columns` must name `id`, `stage_id` and `position`. Its parameters, per
    stage: the workspace, the pipeline, the owner when `by_owner`, the stage."""
    joins: dict[str, str] = {}
    select = ", ".join(_column(name, joins, times_as_json) for name in columns)
    where = f'"{_DEALS}"."workspace_id" = %s AND "{_DEALS}"."pipeline_id" = %s'
    if by_owner:
        where += f' AND "{_DEALS}"."owner_id" = %s'
    where += f' AND "{_DEALS}"."stage_id" = %s'
    part = (
        f'(SELECT {select} FROM "{_DEALS}" {" ".join(joins.values())} '  # noqa: S608
        f'WHERE ({where}) ORDER BY "{_DEALS}"."position" ASC, "{_DEALS}"."id" ASC '
        f"LIMIT {int(per_stage)})"
    )
    # The union's order names output columns by number, as the ORM's does.
    order = ", ".join(f"{columns.index(name) + 1} ASC" for name in ("stage_id", "position", "id"))
    return f"{' UNION ALL '.join([part] * stages)} ORDER BY {order}"


def first_cards_rows(
    *,
    workspace_id: int,
    pipeline_id: int,
    stage_ids: list[int],
    owner_id: int | None,
    columns: tuple[str, ...],
    per_stage: int,
    times_as_json: bool = False,
) -> list[tuple[Any, ...]]:
    """The first `per_stage` deals of every stage of the pipeline (of one owner, if given),
    as `values_list(*columns)` rows in board order (with `times_as_json`, the deal's days and
    times as the text `DjangoJSONEncoder` writes): one query."""
    if not stage_ids:
        return []
    sql = cards_sql(columns, len(stage_ids), owner_id is not None, per_stage, times_as_json)
    head = [workspace_id, pipeline_id, *([] if owner_id is None else [owner_id])]
    params = [value for stage_id in stage_ids for value in (*head, stage_id)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
