"""Decimal values stored beyond their column, found and mended (`rapport overlong_decimals`).

Every write path now refuses an amount, budget, quantity or rate longer than its column
(`core.money.amount_clean`), but SQLite kept what came before: it stores a decimal as a float
or an integer whatever the declared digits, and Django's SQLite converter raises on reading a
value too long for its field, so every page, list or export that reads such a row answers 500.

The values are read with plain SQL (a read through the ORM is the very thing that fails) and
judged by the same conversion the ORM applies, so exactly the values that break a read are
found. A column whose database declares the field's own precision and scale (PostgreSQL's
`numeric(p, s)`) refused such values on write and is not scanned.

Mending: a nullable field is set to NULL ("unknown", which is what an impossible figure is);
any other field to 0. Not to the largest value that fits: that is as made up as the stored
one, a hundred trillion in a revenue or pipeline total misleads worse than a visible zero, and
on SQLite the largest 18-digit amount does not even survive the float (it reads back with a
19th digit and fails again). Zero is the default of the deal amount, the order total, the
campaign budget and cost and the kept sums, and adds nothing to any total. The stored raw
value is kept in the audit entry of the change, so nothing is lost. A column that refuses 0
(an exchange rate must be positive) is left and named, to be corrected by hand.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from typing import Any, cast

from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.models.expressions import Col

from rapport.audit.context import audit_source
from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record


@dataclass(frozen=True)
class Overlong:
    """One stored value its field cannot read back."""

    workspace_id: int
    model: type[models.Model]
    pk: int
    field: models.DecimalField
    raw: Any

    @property
    def replacement(self) -> Decimal | None:
        return None if self.field.null else Decimal(0)

    @property
    def raw_text(self) -> str:
        """The stored value as text, exactly: a float's repr gives back the same float."""
        return repr(self.raw) if isinstance(self.raw, float) else str(self.raw)


def _decimal_fields() -> Iterator[tuple[type[models.Model], models.DecimalField]]:
    """Every concrete DecimalField of every installed model (each table once: no proxies).
    Every one belongs to a workspace's record; one that did not would fail the scan below
    (no `workspace` field) rather than be passed over."""
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DecimalField):
                yield model, field


def _column_enforces(model: type[models.Model], field: models.DecimalField) -> bool:
    """Whether the database declares the column with the field's precision and scale, and
    so refused any longer value on write (SQLite declares no precision)."""
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, model._meta.db_table)
    column = next(c for c in description if c.name == field.column)
    return (column.precision, column.scale) == (field.max_digits, field.decimal_places)


def _reads_back(field: models.DecimalField, col: Col) -> Callable[[Any], bool]:
    """Whether a raw value survives the read the ORM makes of it: the backend's converters
    (SQLite's quantizes into the field's digits and raises when they do not suffice), then a
    quantize into the field's digits for a backend that hands the Decimal over as stored."""
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    places = Decimal(1).scaleb(-field.decimal_places)
    digits = Context(prec=field.max_digits)

    def reads_back(raw: Any) -> bool:
        value = raw
        try:
            for convert in converters:
                value = convert(value, col, connection)
            Decimal(value).quantize(places, context=digits)
        except (InvalidOperation, TypeError, ValueError):
            return False
        return True

    return reads_back


def overlong_find() -> list[Overlong]:
    """Every stored decimal its field cannot read back, in every workspace, by table and id.

    The SQL keeps only candidates (a value of at least 10^(whole digits - 1), far enough below
    the limit that no rounding carries a value under it over; on SQLite also any value stored
    as text or blob), which the conversion above then judges exactly."""
    quote = connection.ops.quote_name
    found: list[Overlong] = []
    for model, field in _decimal_fields():
        if _column_enforces(model, field):
            continue
        column = quote(field.column)
        workspace_column = cast(models.ForeignKey, model._meta.get_field("workspace")).column
        pk_column = cast(models.Field, model._meta.pk).column
        not_a_number = (
            f"typeof({column}) NOT IN ('integer', 'real') OR "
            if connection.vendor == "sqlite"
            else ""
        )
        sql = (
            f"SELECT {quote(pk_column)}, {quote(workspace_column)}, {column} "  # noqa: S608 (names from the model registry)
            f"FROM {quote(model._meta.db_table)} WHERE {column} IS NOT NULL "
            f"AND ({not_a_number}abs({column}) >= %s) ORDER BY 1"
        )
        bound = float(10 ** (field.max_digits - field.decimal_places - 1))
        reads_back = _reads_back(field, field.get_col(model._meta.db_table))
        with connection.cursor() as cursor:
            cursor.execute(sql, [bound])
            found += [
                Overlong(workspace_id, model, pk, field, raw)
                for pk, workspace_id, raw in cursor.fetchall()
                if not reads_back(raw)
            ]
    return found


@dataclass(frozen=True)
class Refused:
    """A value the database would not take the replacement for (a check constraint)."""

    value: Overlong
    reason: str


def overlong_fix(values: list[Overlong]) -> list[Refused]:
    """Set each value to its replacement and record the change, with the stored value, in the
    audit trail: one transaction per workspace, one savepoint per row (a row the database
    refuses to mend is left as it was and returned; the others go through)."""
    by_workspace: dict[int, dict[tuple[type[models.Model], int], list[Overlong]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for value in values:
        by_workspace[value.workspace_id][value.model, value.pk].append(value)
    refused: list[Refused] = []
    with audit_source("cli"):
        for workspace_id, rows in by_workspace.items():
            with transaction.atomic():
                for (model, pk), row in rows.items():
                    refused += _row_fix(workspace_id, model, pk, row)
    return refused


def _row_fix(
    workspace_id: int, model: type[models.Model], pk: int, row: list[Overlong]
) -> list[Refused]:
    """Mend every overlong value of one row, then read the row (now readable) for its entry."""
    manager = model._base_manager
    try:
        with transaction.atomic():
            manager.filter(pk=pk).update(**{v.field.name: v.replacement for v in row})
    except IntegrityError as exc:
        return [Refused(v, str(exc)) for v in row]
    audit_record(
        workspace_id=workspace_id,
        actor=None,
        action=AuditAction.UPDATE,
        instance=manager.get(pk=pk),
        changes={
            v.field.name: [v.raw_text, None if v.replacement is None else str(v.replacement)]
            for v in row
        },
    )
    return []
