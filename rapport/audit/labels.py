"""How an entry's changes read: each field by the label its form shows, a choice by its label,
each custom field on a row of its own under its label, and the record's page where it still
exists.

Apps register the labels their forms give (`audit_field_labels`), how to read the labels of
their custom fields (`audit_custom_labels`) and their records' pages (`audit_record_page`).
Whatever is not registered reads from the model: a field's verbose name, its choices' labels.
A page of entries costs one query per kind of record linked, and one for custom field labels
when some entry changed a custom field.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse

from rapport.audit.models import AuditEntry

CUSTOM = "custom_fields"

# entity ("app_label.model") → field name → label, as the entity's form shows it.
_form_labels: dict[str, dict[str, str]] = defaultdict(dict)
# entities → {entity: {custom field key: label}} within the current workspace scope.
CustomLabels = Callable[[set[str]], dict[str, dict[str, str]]]
_custom_labels: list[CustomLabels] = []
# entity → the URL name of its record's page (one `pk` argument).
_record_pages: dict[str, str] = {}


def audit_field_labels(entity: str, labels: dict[str, str]) -> None:
    """The labels the entity's form gives its fields, by field name."""
    _form_labels[entity].update(labels)


def audit_custom_labels(fn: CustomLabels) -> CustomLabels:
    _custom_labels.append(fn)
    return fn


def audit_record_page(entity: str, url_name: str) -> None:
    _record_pages[entity] = url_name


@dataclass(frozen=True)
class ChangeRow:
    """One changed field as a reader sees it: `name` is the stored one (custom fields as
    `custom_fields.<key>`), `before`/`after` the values with ids named and choices labelled."""

    name: str
    label: str
    before: Any
    after: Any


@cache
def _model_field(entity: str, name: str) -> models.Field[Any, Any] | None:
    try:
        model = apps.get_model(entity)
    except (LookupError, ValueError):
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        return field if isinstance(field, models.Field) else None
    return None


def field_label(entity: str, name: str) -> str:
    """The form's label of the field, else the model's verbose name, else the name made
    readable ("annual_revenue_currency" → "Annual revenue currency")."""
    labels = _form_labels.get(entity, {})
    for candidate in (name, name.removesuffix("_id")):
        if candidate in labels:
            return labels[candidate]
    field = _model_field(entity, name)
    text = str(field.verbose_name) if field is not None else name.removesuffix("_id")
    return text.replace("_", " ").capitalize()


def choice_label(entity: str, name: str, value: Any) -> Any:
    """A stored choice as its label ("customer" → "Customer"); any other value as it is."""
    field = _model_field(entity, name)
    if field is None or not field.choices or not isinstance(value, str):
        return value
    return dict(field.flatchoices).get(value, value)


def _custom_rows(
    entity: str, pair: list[Any], labels: dict[str, dict[str, str]]
) -> list[ChangeRow]:
    before, after = (v if isinstance(v, dict) else {} for v in pair)
    named = labels.get(entity, {})
    return [
        ChangeRow(
            f"{CUSTOM}.{key}",
            named.get(key) or key.replace("_", " ").capitalize(),
            before.get(key),
            after.get(key),
        )
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def change_rows(
    entry: AuditEntry, labels: dict[str, dict[str, str]] | None = None
) -> list[ChangeRow]:
    """The entry's changes as rows (`changes_display` when `describe_changes` has named its
    ids); `labels`: the custom fields' labels by entity (`custom_field_labels`)."""
    changes = getattr(entry, "changes_display", entry.changes)
    rows: list[ChangeRow] = []
    for name, pair in changes.items():
        if name == CUSTOM:
            rows.extend(_custom_rows(entry.entity, pair, labels or {}))
            continue
        before, after = (choice_label(entry.entity, name, v) for v in pair)
        rows.append(ChangeRow(name, field_label(entry.entity, name), before, after))
    return rows


def custom_field_labels(entries: list[AuditEntry]) -> dict[str, dict[str, str]]:
    """The labels of the custom fields the entries changed, by entity: one query per
    registered reader, none when no entry changed a custom field."""
    entities = {e.entity for e in entries if CUSTOM in e.changes}
    out: dict[str, dict[str, str]] = {}
    if entities:
        for read in _custom_labels:
            out.update(read(entities))
    return out


def record_links(entries: list[AuditEntry]) -> None:
    """Set `entry.record_url`: the page of the record the entry names while it exists in
    this workspace (the scoped manager's), else "". One query per kind of record."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.entity in _record_pages:
            wanted[entry.entity].add(entry.object_id)
    found: dict[str, set[int]] = {}
    for entity, ids in wanted.items():
        model = apps.get_model(entity)
        found[entity] = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for entry in entries:
        exists = entry.object_id in found.get(entry.entity, ())
        url = reverse(_record_pages[entry.entity], args=[entry.object_id]) if exists else ""
        entry.record_url = url  # type: ignore[attr-defined]
