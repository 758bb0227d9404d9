"""Validation of custom field values against the workspace's definitions (UI and API alike)."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q

from rapport.contacts.models import CustomFieldDefinition, CustomFieldType
from rapport.contacts.normalise import email_normalise
from rapport.core.errors import FieldError, ServiceValidationError


def _text(value: Any, d: CustomFieldDefinition) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if len(value) > 2000:
        raise ValueError("at most 2,000 characters")
    return value


def _number(value: Any, d: CustomFieldDefinition) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError("must be a whole number")


def _decimal(value: Any, d: CustomFieldDefinition) -> str:
    if isinstance(value, bool):
        raise ValueError("must be a decimal number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError("must be a decimal number") from exc
    if not number.is_finite():
        raise ValueError("must be a decimal number")
    return str(number)


def _date(value: Any, d: CustomFieldDefinition) -> str:
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise ValueError("must be a date (YYYY-MM-DD)") from exc


def _boolean(value: Any, d: CustomFieldDefinition) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "yes", "no", "1", "0"}:
        return value.strip().lower() in {"true", "yes", "1"}
    raise ValueError("must be true or false")


def _choice(value: Any, d: CustomFieldDefinition) -> str:
    if value not in d.choices:
        raise ValueError(f"must be one of: {', '.join(d.choices)}")
    return str(value)


def _multi_choice(value: Any, d: CustomFieldDefinition) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        raise ValueError("must be a list of choices")
    unknown = [v for v in value if v not in d.choices]
    if unknown:
        raise ValueError(f"unknown choice(s) {', '.join(map(str, unknown))}")
    return list(dict.fromkeys(value))


def _url(value: Any, d: CustomFieldDefinition) -> str:
    try:
        URLValidator(schemes=["http", "https"])(str(value))
    except ValidationError as exc:
        raise ValueError("must be an http(s) URL") from exc
    return str(value)


def _email(value: Any, d: CustomFieldDefinition) -> str:
    try:
        return email_normalise(str(value))
    except ServiceValidationError as exc:
        raise ValueError(exc.errors[0].message) from exc


CLEANERS: dict[str, Callable[[Any, CustomFieldDefinition], Any]] = {
    CustomFieldType.TEXT: _text,
    CustomFieldType.NUMBER: _number,
    CustomFieldType.DECIMAL: _decimal,
    CustomFieldType.DATE: _date,
    CustomFieldType.BOOLEAN: _boolean,
    CustomFieldType.CHOICE: _choice,
    CustomFieldType.MULTI_CHOICE: _multi_choice,
    CustomFieldType.URL: _url,
    CustomFieldType.EMAIL: _email,
}


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def custom_fields_clean(
    *,
    entity: str,
    values: dict[str, Any],
    existing: dict[str, Any] | None = None,
    definitions: dict[str, CustomFieldDefinition] | None = None,
) -> dict[str, Any]:
    """Merge `values` into `existing` and validate the result; every bad key is reported.

    A key set to null or "" is removed. Unknown keys are refused rather than stored,
    so a typo in an API client shows up at once. `definitions`: the entity's, by key, if the
    caller read them already (a bulk import checks thousands of rows).
    """
    if not isinstance(values, dict):
        raise ServiceValidationError.single("custom_fields", "must be an object")
    if definitions is None:
        definitions = {d.key: d for d in CustomFieldDefinition.objects.filter(entity=entity)}
    result = dict(existing or {})
    errors: list[FieldError] = []
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors.append(FieldError(f"custom_fields.{key}", "is not a defined custom field"))
            continue
        if _is_empty(value):
            result.pop(key, None)
            continue
        try:
            result[key] = CLEANERS[definition.field_type](value, definition)
        except ValueError as exc:
            errors.append(FieldError(f"custom_fields.{key}", str(exc)))
    for key, definition in definitions.items():
        if (
            definition.required
            and _is_empty(result.get(key))
            and not any(e.field == f"custom_fields.{key}" for e in errors)
        ):
            errors.append(FieldError(f"custom_fields.{key}", "is required"))
    if errors:
        raise ServiceValidationError(errors)
    return result


def custom_field_filter(*, entity: str, key: str, raw: str) -> Q:
    """The condition "custom field `key` equals `raw`", with `raw` cast to the field's type."""
    definition = CustomFieldDefinition.objects.filter(entity=entity, key=key).first()
    if definition is None:
        raise ServiceValidationError.single(f"cf.{key}", "is not a defined custom field")
    if definition.field_type == CustomFieldType.MULTI_CHOICE:
        # Matching the quoted element in the array's JSON text works the same on SQLite and
        # PostgreSQL, where `contains` on JSON is PostgreSQL-only.
        value = _choice(raw, definition) if raw in definition.choices else None
        if value is None:
            raise ServiceValidationError.single(f"cf.{key}", f"'{raw}' is not a choice")
        return Q(**{f"custom_fields__{key}__icontains": f'"{value}"'})
    try:
        value = CLEANERS[definition.field_type](raw, definition)
    except ValueError as exc:
        raise ServiceValidationError.single(f"cf.{key}", str(exc)) from exc
    return Q(**{f"custom_fields__{key}": value})
