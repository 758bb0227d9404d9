"""Conditions on custom field values of the contact or of its primary company.

The definition's type decides the comparisons; it is looked up when the condition is checked
and kept in the condition (`field_type`; a field's type never changes), so compiling needs no
query. Values sit in the `custom_fields` JSON as `contacts.custom_fields` cleaned them: numbers
as JSON numbers, decimals as text, dates as ISO text, multiple choices as a list.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.db.models import DecimalField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual

from rapport.contacts.custom_fields import CLEANERS
from rapport.contacts.models import CustomFieldDefinition, CustomFieldEntity
from rapport.contacts.models import CustomFieldType as T
from rapport.core.errors import FieldError
from rapport.marketing.conditions.registry import (
    ConditionType,
    Input,
    Params,
    condition_type_register,
)
from rapport.tenancy.models import Workspace

EMPTY_OPS = [("is_empty", "is empty"), ("is_not_empty", "is not empty")]
COMPARE_OPS = [("eq", "="), ("gt", ">"), ("gte", "≥"), ("lt", "<"), ("lte", "≤")]
OPS_BY_TYPE: dict[str, list[tuple[str, str]]] = {
    T.TEXT: [("is", "is"), ("is_not", "is not"), ("contains", "contains"), *EMPTY_OPS],
    T.URL: [("is", "is"), ("contains", "contains"), *EMPTY_OPS],
    T.EMAIL: [("is", "is"), ("contains", "contains"), *EMPTY_OPS],
    T.CHOICE: [("is", "is"), ("is_not", "is not"), *EMPTY_OPS],
    T.MULTI_CHOICE: [("includes", "includes"), ("excludes", "does not include"), *EMPTY_OPS],
    T.NUMBER: [*COMPARE_OPS, *EMPTY_OPS],
    T.DECIMAL: [*COMPARE_OPS, *EMPTY_OPS],
    T.DATE: [("before", "before"), ("after", "on or after"), ("eq", "on"), *EMPTY_OPS],
    T.BOOLEAN: [("is_true", "is yes"), ("is_false", "is no")],
}
VALUELESS = {"is_empty", "is_not_empty", "is_true", "is_false"}
COMPARISONS = {
    "gt": GreaterThan,
    "gte": GreaterThanOrEqual,
    "lt": LessThan,
    "lte": LessThanOrEqual,
    "before": LessThan,
    "after": GreaterThanOrEqual,
}


class CustomFieldParams(Params):
    entity: Literal["contact", "company"] = "contact"
    key: str
    op: str
    value: str | None = None
    field_type: str | None = None  # filled in by `check`


def _value_error(definition: CustomFieldDefinition, op: str, value: str | None) -> str | None:
    if op in VALUELESS:
        return None
    if value is None or value == "":
        return "is required"
    if op in ("contains", "includes", "excludes"):
        return None if op == "contains" or value in definition.choices else "is not a choice"
    try:
        CLEANERS[definition.field_type](value, definition)
    except ValueError as exc:
        return str(exc)
    return None


@condition_type_register
class CustomFieldCondition(ConditionType):
    key = "custom_field"
    label = "Custom field"
    params = CustomFieldParams

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        definition = CustomFieldDefinition.objects.filter(
            entity=params.entity, key=params.key
        ).first()
        if definition is None:
            return params, [FieldError("key", f"no {params.entity} custom field '{params.key}'")]
        params.field_type = definition.field_type
        ops = [op for op, _ in OPS_BY_TYPE[definition.field_type]]
        if params.op not in ops:
            return params, [FieldError("op", f"must be one of {', '.join(ops)} for this field")]
        error = _value_error(definition, params.op, params.value)
        return params, [FieldError("value", error)] if error else []

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        prefix = "primary_company__" if params.entity == CustomFieldEntity.COMPANY else ""
        path = f"{prefix}custom_fields__{params.key}"
        op, value, kind = params.op, params.value, params.field_type
        if op in ("is_empty", "is_not_empty"):
            empty = ~Q(**{f"{prefix}custom_fields__has_key": params.key})
            if prefix:
                empty |= Q(primary_company__isnull=True)
            return empty if op == "is_empty" else ~empty
        if op in ("is_true", "is_false"):
            return Q(**{path: op == "is_true"})
        if op in ("includes", "excludes"):
            # The quoted element in the list's JSON text: the same on SQLite and PostgreSQL.
            q = Q(**{f"{path}__icontains": f'"{value}"'})
            return q if op == "includes" else ~q
        if op in ("contains",):
            return Q(**{f"{path}__icontains": value})
        if kind in (T.NUMBER, T.DECIMAL):
            number = Cast(KT(path), DecimalField(max_digits=30, decimal_places=10))
            amount = _decimal(value)
            if op == "eq":
                return Q(GreaterThanOrEqual(number, amount)) & Q(LessThanOrEqual(number, amount))
            return Q(COMPARISONS[op](number, amount))
        if kind == T.DATE and op in COMPARISONS:
            return Q(COMPARISONS[op](KT(path), dt.date.fromisoformat(str(value)).isoformat()))
        q = Q(**{path: value})
        return ~q if op == "is_not" else q

    def from_form(self, values: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in values.items() if k != "field_ref"}
        entity, _, key = str(values.get("field_ref", "")).partition(":")
        if key:
            out.update(entity=entity, key=key)
        return out

    def to_form(self, condition: dict[str, Any]) -> dict[str, Any]:
        return {**condition, "field_ref": f"{condition.get('entity')}:{condition.get('key')}"}

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        definitions = list(CustomFieldDefinition.objects.all())
        if not definitions:
            return [Input("key", "Field", [], empty="No custom fields yet — define one first")]
        chosen = next(
            (d for d in definitions if f"{d.entity}:{d.key}" == values.get("field_ref")),
            definitions[0],
        )
        ops = OPS_BY_TYPE[chosen.field_type]
        op = values.get("op") if values.get("op") in dict(ops) else ops[0][0]
        out = [
            Input(
                "field_ref",
                "Field",
                [
                    (f"{d.entity}:{d.key}", f"{d.get_entity_display()}: {d.label}")
                    for d in definitions
                ],
            ),
            Input("op", "Comparison", ops),
        ]
        if op in VALUELESS:
            return out
        if chosen.field_type in (T.CHOICE, T.MULTI_CHOICE):
            return [*out, Input("value", "Value", [(c, c) for c in chosen.choices])]
        kind = {T.DATE: "date", T.NUMBER: "number", T.DECIMAL: "number"}.get(
            chosen.field_type, "text"
        )
        return [*out, Input("value", "Value", kind=kind)]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:  # `check` refused it already; never a silent match
        return Decimal("NaN")
