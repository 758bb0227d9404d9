"""Comparisons on a plain column (text, choice or date), shared by contact and company fields."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from rapport.core.errors import FieldError
from rapport.marketing.conditions.registry import Input

TEXT_OPS = [
    ("is", "is"),
    ("is_not", "is not"),
    ("contains", "contains"),
    ("starts_with", "starts with"),
    ("is_empty", "is empty"),
    ("is_not_empty", "is not empty"),
]
CHOICE_OPS = [
    ("is", "is"),
    ("is_not", "is not"),
    ("is_empty", "is empty"),
    ("is_not_empty", "is not empty"),
]
DATE_OPS = [
    ("before", "before"),
    ("after", "on or after"),
    ("in_last_days", "in the last N days"),
    ("more_than_days_ago", "more than N days ago"),
]
OPS = {"text": TEXT_OPS, "choice": CHOICE_OPS, "date": DATE_OPS}
VALUELESS = ("is_empty", "is_not_empty")
DAY_OPS = ("in_last_days", "more_than_days_ago")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str  # text, choice, date
    choices: tuple[tuple[str, str], ...] = ()


def ops_for(column: Column) -> list[str]:
    return [op for op, _ in OPS[column.kind]]


def column_errors(column: Column, op: str, value: str | None) -> list[FieldError]:
    """Why `op` and `value` do not fit `column` (empty when they do)."""
    if op not in ops_for(column):
        allowed = ", ".join(ops_for(column))
        return [FieldError("op", f"must be one of {allowed} for a {column.kind} field")]
    if op in VALUELESS:
        return []
    message = None
    if not value:
        message = "is required"
    elif op in DAY_OPS:
        if not (value.isdigit() and 0 < int(value) <= 36500):
            message = "must be a number of days"
    elif column.kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            message = "must be a date (YYYY-MM-DD)"
    elif column.kind == "choice" and value not in {c for c, _ in column.choices}:
        message = f"must be one of {', '.join(c for c, _ in column.choices)}"
    return [FieldError("value", message)] if message else []


def _start_of(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), tzinfo=dt.UTC)


def column_q(path: str, column: Column, op: str, value: Any, *, empty_extra: Q | None = None) -> Q:
    """`path` compared by `op`; `empty_extra` also counts as empty (no related row at all)."""
    if op in VALUELESS:
        empty = Q(**{path: ""}) | Q(**{f"{path}__isnull": True})
        if empty_extra is not None:
            empty |= empty_extra
        return empty if op == "is_empty" else ~empty
    if column.kind == "date":
        if op in DAY_OPS:
            cutoff = timezone.now() - dt.timedelta(days=int(value))
            return (
                Q(**{f"{path}__gte": cutoff})
                if op == "in_last_days"
                else Q(**{f"{path}__lt": cutoff})
            )
        moment = _start_of(value)
        return Q(**{f"{path}__lt": moment}) if op == "before" else Q(**{f"{path}__gte": moment})
    lookups = {
        "is": "iexact",
        "is_not": "iexact",
        "contains": "icontains",
        "starts_with": "istartswith",
    }
    q = Q(**{f"{path}__{lookups[op]}": value})
    return ~q if op == "is_not" else q


def column_inputs(columns: dict[str, Column], values: dict[str, Any]) -> list[Input]:
    """Field, then the ops of the chosen field, then a value control fitting both."""
    chosen = str(values.get("field", ""))
    name = chosen if chosen in columns else next(iter(columns))
    column = columns[name]
    ops = OPS[column.kind]
    op = values.get("op") if values.get("op") in dict(ops) else ops[0][0]
    out = [
        Input("field", "Field", [(k, c.label) for k, c in columns.items()]),
        Input("op", "Comparison", list(ops)),
    ]
    if op in VALUELESS:
        return out
    if op in DAY_OPS:
        return [*out, Input("value", "Days", kind="number")]
    if column.kind == "choice":
        return [*out, Input("value", "Value", list(column.choices))]
    return [*out, Input("value", "Value", kind="date" if column.kind == "date" else "text")]
