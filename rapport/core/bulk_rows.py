"""Inserting and updating many plain rows at once, for the bulk writers (imports, their audit
and undo).

Building a model instance per row and letting `bulk_create` render an INSERT costs more than
the insert itself once a chunk holds tens of thousands of rows; on PostgreSQL COPY takes the
values as they are. The two paths store the same rows (`test_bulk_rows.py` compares them).
"""

import itertools
import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, models
from django.db.backends.utils import CursorWrapper

T = TypeVar("T")
# Keeps an `IN (...)` list within every database's limit on query parameters.
IN_LIST = 1000
# Records a VALUES list of `rows_update` holds (where there is no COPY).
ROWS_PER_UPDATE = 500


def slices(items: Iterable[T], size: int = IN_LIST) -> Iterator[list[T]]:
    """`items` in lists of at most `size`, taken as they come (a file's rows are read only as
    far as the slice being written)."""
    it = iter(items)
    while part := list(itertools.islice(it, size)):
        yield part


@contextmanager
def copy_in(cursor: CursorWrapper, sql: str) -> Iterator[Any]:
    """psycopg's `COPY ... FROM STDIN` on a Django cursor, its errors raised as Django's
    (IntegrityError for a taken key) as any statement's are: psycopg's own would escape an
    `except DatabaseError`, such as the bulk writer's fallback to the row path."""
    with cursor.db.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        yield copy


def _json_columns(model: type[models.Model], columns: Sequence[str]) -> list[int]:
    fields = model._meta.concrete_fields
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    return [i for i, c in enumerate(columns) if c in json_fields]


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert `rows` (values in the order of `columns`, by attribute name; JSON fields as
    Python values) without building a model instance each on PostgreSQL: COPY there,
    `bulk_create` elsewhere. Defaults and `auto_now` are not applied on the COPY path, so
    `rows` carries every column the table needs."""
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        if objs:
            model._base_manager.bulk_create(objs, batch_size=IN_LIST)
        return
    json_at = _json_columns(model, columns)
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(connection.ops.quote_name(by_attname[c]) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    dumps = json.dumps
    with (
        connection.cursor() as cursor,
        copy_in(cursor, f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        write = copy.write_row
        for row in itertools.chain([first], rows):
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = dumps(row[i])
            write(row)


def rows_update(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    workspace_id: int,
    now: Any,
) -> None:
    """Write each row's values (its record's id, then one per attribute of `columns`) to that
    record of the workspace, with `updated_at` = `now`, in one UPDATE from a table of the new
    values: on PostgreSQL a temporary one filled by COPY (a VALUES list of thousands of
    parameters cost psycopg more to compose than the update took), elsewhere a VALUES list
    per `ROWS_PER_UPDATE` records. JSON fields' values as Python values."""
    if not rows:
        return
    if json_at := [1 + i for i in _json_columns(model, columns)]:  # after the id: as JSON text
        rows = [[json.dumps(v) if i in json_at else v for i, v in enumerate(r)] for r in rows]
    quote = connection.ops.quote_name
    db_table = model._meta.db_table
    table = quote(db_table)
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(quote(by_attname[n]) for n in ("id", *columns))
    sets = ", ".join(f"{quote(by_attname[n])} = v.{quote(by_attname[n])}" for n in columns)
    update = (
        f"UPDATE {table} SET {sets}, {quote(by_attname['updated_at'])} = %s"  # noqa: S608
        f" FROM {{values}} WHERE {table}.id = v.id AND {table}.workspace_id = %s"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the columns' own types; one table per model and list of columns, kept for the
            # session and emptied at each commit
            values = f"{db_table}_{zlib.crc32(names.encode()):08x}"
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {values} ON COMMIT DELETE ROWS"  # noqa: S608
                f" AS SELECT {names} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"DELETE FROM {values}")  # noqa: S608
            with copy_in(cursor, f"COPY {values} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            # its row count, so the join looks each record up by its key
            cursor.execute(f"ANALYZE {values}")
            cursor.execute(update.format(values=f"{values} v"), [now, workspace_id])
            return
        placeholders = "(" + ", ".join(["%s"] * (1 + len(columns))) + ")"
        for part in slices(rows, ROWS_PER_UPDATE):
            listed = f"WITH v ({names}) AS (VALUES {', '.join([placeholders] * len(part))}) "
            cursor.execute(
                listed + update.format(values="v"),
                [*(v for r in part for v in r), now, workspace_id],
            )
