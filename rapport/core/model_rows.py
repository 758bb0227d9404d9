"""Rows read in hand-written SQL, made into model instances as the ORM's would be.

A few reads run on every page (a search's first page, a record's timeline) and their SQL is
fixed but for its parameters; building and compiling it through the ORM cost more Python than
the database spends answering. Their callers write the statement once and read its rows
here: each model's part of a row becomes an instance after the same converters the ORM's
compiler applies (the backend's, such as SQLite's for dates and times, then the field's, such
as JSON's), so the instances hold the values the ORM's would.

`Model.from_db` builds an instance through `Model.__init__`, which walks every field of the
model (marking the ones not read as deferred) and sends `pre_init` and `post_init`: about
20 µs for a contact read with the list's twelve columns, 60 contacts and companies on a
search's page. Where that walk would only store the values (every field a plain or foreign
key attribute, no receiver of either signal), the instance is made as it would leave it
(the values in its `__dict__`, a `ModelState` from the database) in a seventh of the time;
`tests/test_model_rows.py` holds the two equal.
"""

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

from rapport.core.timestamps import c_timestamps

# The attributes `Model.__init__` sets without side effects: a field's value (`DeferredAttribute`)
# and a foreign key's id (its subclass, whose setter only clears a cached object not yet there).
PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


@dataclass(frozen=True)
class ModelRows:
    """One model's part of a row: its fields (the model's order, as `from_db` wants them),
    their attribute names, and the converters of those that have any."""

    model: type[Model]
    fields: list[Any]
    names: list[str]
    converters: list[tuple[int, Any, list[Any]]]
    plain: bool  # `__init__` would only store the values: made without it (see above)
    db: str  # the connection's alias, as the instances' `_state.db` (read once, not per row)

    @classmethod
    def of(cls, model: type[Model], names: Sequence[str] | None = None) -> "ModelRows":
        """The model's fields named in `names` (by name or attribute name; the primary key
        always), every concrete field without; the fields left out load on first access, as
        deferred fields do. Built for the connection of the calling thread's first use."""
        fields: list[Any] = [
            f
            for f in model._meta.concrete_fields
            if names is None or f.attname in names or f.name in names or f.primary_key
        ]
        converters = []
        for i, f in enumerate(fields):
            column = f.get_col(model._meta.db_table)  # what the compiler hands converters
            found = connection.ops.get_db_converters(column) + f.get_db_converters(connection)
            if found:
                converters.append((i, column, found))
        plain = not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        ) and all(
            type(inspect.getattr_static(model, f.attname, None)) in PLAIN_ATTRIBUTES
            for f in model._meta.concrete_fields
        )
        attnames = [f.attname for f in fields]
        return cls(model, fields, attnames, converters, plain, connection.alias)

    def columns(self, alias: str) -> list[str]:
        """The SELECT list of these fields on the table named (or aliased) `alias`."""
        return [f'"{alias}"."{f.column}"' for f in self.fields]

    def instance(self, values: Sequence[Any]) -> Any:
        """The instance of one row's values (in `columns`' order)."""
        if self.converters:
            values = list(values)
            for i, column, converters in self.converters:
                for converter in converters:
                    values[i] = converter(values[i], column, connection)
        if not self.plain:
            return self.model.from_db(self.db, self.names, values)
        instance = self.model.__new__(self.model)
        instance.__dict__.update(zip(self.names, values, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, self.db
        return instance

    def shared(self, values: Sequence[Any], seen: dict[Any, Any]) -> Any:
        """The instance of an outer join's part of a row, one per primary key in `seen` (a
        page's handful of authors, say: `select_related` would make one a row); None where the
        join found nothing."""
        pk = values[0]
        if pk is None:
            return None
        found = seen.get(pk)
        if found is None:
            found = seen[pk] = self.instance(values)
        return found


@cache
def _where_select(
    model: type[Model], where: tuple[str, ...], order: tuple[str, ...]
) -> tuple[str, ModelRows]:
    rows, table = ModelRows.of(model), model._meta.db_table
    conditions = " AND ".join(f'"{table}"."{column}" = %s' for column in where)
    ordering = ", ".join(f'"{table}"."{column}" ASC' for column in order)
    sql = (
        f'SELECT {", ".join(rows.columns(table))} FROM "{table}" '  # noqa: S608
        f"WHERE ({conditions}) ORDER BY {ordering}"
    )
    return sql, rows


def rows_where(model: type[Model], where: dict[str, Any], order: tuple[str, ...]) -> list[Any]:
    """Every field of `model`'s rows whose columns equal `where`'s values, ordered by the
    columns `order` names, by a statement written once per shape: for the small reads a page
    computed makes every time (saved views, custom field definitions), where the ORM spent
    more Python building and compiling the query than the database spends on it."""
    sql, rows = _where_select(model, tuple(where), order)
    with connection.cursor() as cursor:
        c_timestamps(cursor)
        cursor.execute(sql, list(where.values()))
        return [rows.instance(row) for row in cursor.fetchall()]
