"""Reading a contact's or a company's cells that are no plain text: its owner, flags, choices,
parent, revenue and custom fields, as the contacts services take them.

What Rapport exports (the owner's username, `cf_<key>` columns, true/false) and what other
tools write (an owner's full name or email, "Yes", "5,001+") are read by one reader per kind
of value, shared by the contact and company importers on every path (row by row and the
bulk writer). A bad cell is an error named after the service field it feeds (`owner_id`,
`custom_fields.<key>`), which `Importer.error_column` traces to its column.
"""

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django_scopes import get_scope

from rapport.contacts.custom_fields import CLEANERS
from rapport.contacts.models import (
    Company,
    CustomFieldDefinition,
    CustomFieldType,
    PreferredChannel,
    SizeBand,
)
from rapport.contacts.normalise import date_parse, search_key
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.data.cell_readers import Members, amount_text, choice, flag
from rapport.data.importers import (
    CUSTOM_FIELD_PREFIX,
    MULTI_VALUE_SEPARATOR,
    ImportField,
    ImportRow,
    custom_field_name,
    header_key,
)
from rapport.tenancy.models import Workspace


def names_split(cell: str) -> list[str]:
    """Names in one cell (tags, choices): split on " ::: " alone if it holds one (Google's
    groups; Rapport's export when a name holds a comma, `exports.names_joined`), else on
    commas and semicolons."""
    parts = (
        cell.split(MULTI_VALUE_SEPARATOR)
        if MULTI_VALUE_SEPARATOR in cell
        else re.split(r"[;,]", cell)
    )
    return [p.strip() for p in parts if p.strip()]


def _custom_import_field(d: CustomFieldDefinition) -> ImportField:
    decimal = d.field_type in (CustomFieldType.DECIMAL, CustomFieldType.NUMBER)
    return ImportField(custom_field_name(d.key), d.label, decimal=decimal)


class WithCustomFields:
    """An importer's `fields`: its own, then one per custom field the workspace in scope
    defines for its records (mapped from the export's "cf_<key>" or from the field's label).
    Outside a workspace's scope (a test, an import time) only its own."""

    def __init__(self, entity: str, own: list[ImportField]) -> None:
        self.entity = entity
        self.own = own

    def __get__(self, obj: object, owner: type | None = None) -> list[ImportField]:
        if not get_scope().get("workspace"):
            return self.own
        definitions = CustomFieldDefinition.objects.filter(entity=self.entity)
        return [*self.own, *map(_custom_import_field, definitions)]


# Other tools' words for a contact's preferred channel.
CHANNEL_SYNONYMS = {"post": "mail", "letter": "mail", "text": "sms", "call": "phone", "none": ""}
# A number of employees ("250") read as its band: the bands' lower bounds, highest first.
_BAND_FLOORS = [(5001, SizeBand.S5001), (1001, SizeBand.S1001), (501, SizeBand.S501)]
_BAND_FLOORS += [(201, SizeBand.S201), (51, SizeBand.S51), (11, SizeBand.S11), (1, SizeBand.S1)]


def size_band(raw: str) -> str:
    """A band from its value ("51-200"), its label ("51–200", "5,001+") or a number of
    employees ("250")."""
    digits = raw.strip().replace(",", "")
    if digits.isdigit() and int(digits) > 0:
        count = int(digits)
        return str(next(band for floor, band in _BAND_FLOORS if count >= floor))
    return choice(raw, SizeBand, field="size_band", synonyms={})


_GROUPED = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")


@dataclass
class ValueReader:
    """Reads one import's rows' owner, flags, choices and custom fields; what it looks up
    (members, definitions, companies) is read once per reader: per run on the bulk path."""

    workspace: Workspace
    entity: str  # a `CustomFieldEntity`
    _companies: dict[str, int] = field(default_factory=dict)

    @functools.cached_property
    def members(self) -> Members:
        return Members(self.workspace)

    @functools.cached_property
    def definitions(self) -> dict[str, CustomFieldDefinition]:
        return {d.key: d for d in CustomFieldDefinition.objects.filter(entity=self.entity)}

    def owner(self, raw: str) -> int:
        return self.members.named(raw, field="owner_id")

    def parent(self, raw: str) -> int:
        """A company of the workspace by external id, else by name."""
        text = raw.strip()
        if text not in self._companies:
            companies = Company.objects.filter(workspace=self.workspace)
            found = companies.filter(external_id=text).values_list("pk", flat=True).first()
            if found is None:
                named = companies.filter(name_key=search_key(text)).order_by("pk")
                found = named.values_list("pk", flat=True).first()
            if found is None:
                raise ServiceValidationError.single(
                    "parent_id", f"no company '{raw}' in this workspace"
                )
            self._companies[text] = found
        return self._companies[text]

    def custom(self, key: str, raw: str) -> Any:
        """A custom field's value from its text, by its type; anything else is left for the
        field's cleaner (`custom_fields.CLEANERS`), whose message names what it must be."""
        d = self.definitions[key]
        kind = d.field_type
        text = raw.strip()
        if kind == CustomFieldType.BOOLEAN:
            try:
                return flag(text, field="")
            except ServiceValidationError:
                return text
        if kind in (CustomFieldType.NUMBER, CustomFieldType.DECIMAL) and _GROUPED.fullmatch(text):
            return text.replace(",", "")
        if kind == CustomFieldType.NUMBER and re.fullmatch(r"[-+]?\d+\.0*", text):
            return text.split(".")[0]  # a whole number a spreadsheet wrote as 42.0
        if kind == CustomFieldType.DATE:
            try:
                return date_parse(text, region=self.workspace.default_region).isoformat()
            except ServiceValidationError:
                return text
        if kind == CustomFieldType.CHOICE:
            return _chosen(text, d.choices)
        if kind == CustomFieldType.MULTI_CHOICE:
            return [_chosen(v, d.choices) for v in names_split(text)]
        return text

    def customs(self, row: ImportRow) -> tuple[dict[str, Any], list[FieldError]]:
        """The row's custom fields as the services take them (`custom_fields`), each checked
        by its cleaner so that every bad one is named."""
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for key, d in self.definitions.items():
            name = custom_field_name(key)
            if not row.has(name):
                continue
            value = self.custom(key, row.first(name))
            try:
                values[key] = CLEANERS[d.field_type](value, d)
            except ValueError as exc:
                errors.append(FieldError(f"custom_fields.{key}", str(exc)))
        return values, errors

    def read(
        self, row: ImportRow, readers: dict[str, "Reader"]
    ) -> tuple[dict[str, Any], list[FieldError]]:
        """The row's values of `readers`' import fields under the services' names, and its
        custom fields; every bad cell named."""
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for name, (service_name, read) in readers.items():
            if row.has(name):
                try:
                    values[service_name] = read(self, row.first(name))
                except ServiceValidationError as exc:
                    errors.extend(exc.errors)
        # (a row path's reader reads the definitions only for a row that has custom fields)
        if any(name.startswith(CUSTOM_FIELD_PREFIX) for name in row.values):
            customs, problems = self.customs(row)
            if customs:
                values["custom_fields"] = customs
            errors.extend(problems)
        return values, errors


def replaced(instance: Model, name: str, value: Any) -> Any:
    """What an update's `value` for `name` replaces, for undo: the stored value (JSON-safe);
    for custom fields, the stored value of each key the row sets (None where it had none,
    which the undo removes: `custom_fields_merged`)."""
    if name == "custom_fields":
        stored = getattr(instance, name)
        return {key: stored.get(key) for key in value}
    previous = getattr(instance, name)
    return str(previous) if isinstance(previous, Decimal) else previous


def stored_values(instance: Any) -> dict[str, Any]:
    """A contact's or company's owner (its username, as the export writes it) and custom
    fields (by import field) as stored, for the dry run's preview."""
    owner = instance.owner.username if instance.owner_id else ""
    customs = {custom_field_name(k): v for k, v in instance.custom_fields.items()}
    return {"owner": owner, **customs}


def custom_fields_merged(stored: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A record's custom fields once `values` are written over them (a key set to None or
    "" removed), as `custom_fields_clean` merges them."""
    merged = dict(stored)
    for key, value in values.items():
        if value in (None, "", []):
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _chosen(text: str, choices: Iterable[str]) -> str:
    """The choice `text` names, without case or punctuation; else `text`."""
    key = header_key(text)
    return next((c for c in choices if header_key(c) == key), text)


# An import field read by a `ValueReader`: (the service's name for it, its reader).
Reader = tuple[str, Callable[[ValueReader, str], Any]]


def _flag(name: str) -> Reader:
    return name, lambda _, raw: flag(raw, field=name)


OWNER: Reader = ("owner_id", ValueReader.owner)
CONTACT_READERS: dict[str, Reader] = {
    "owner": OWNER,
    "preferred_channel": (
        "preferred_channel",
        lambda _, raw: choice(
            raw, PreferredChannel, field="preferred_channel", synonyms=CHANNEL_SYNONYMS
        ),
    ),
    "do_not_email": _flag("do_not_email"),
    "do_not_call": _flag("do_not_call"),
}
COMPANY_READERS: dict[str, Reader] = {
    "size_band": ("size_band", lambda _, raw: size_band(raw)),
    "annual_revenue": ("annual_revenue", lambda _, raw: amount_text(raw, field="annual_revenue")),
    "annual_revenue_currency": ("annual_revenue_currency", lambda _, raw: raw.strip()),
    "parent": ("parent_id", ValueReader.parent),
    "owner": OWNER,
}
