"""Which values of a contact or company a merge lets the user pick, and how to read and write
them. A field is one or more model fields that travel together (an amount and its currency),
or one custom field key (`custom_fields.tier`)."""

import json
from dataclasses import dataclass
from typing import Any

from django.db import models

from rapport.contacts.models import (
    Company,
    Contact,
    ContactCompany,
    ContactEmail,
    ContactPhone,
    CustomFieldDefinition,
    CustomFieldEntity,
)
from rapport.merge.snapshots import ExactJSONEncoder

CUSTOM_PREFIX = "custom_fields."


@dataclass(frozen=True)
class MergeField:
    name: str  # the key of a choice
    label: str
    columns: tuple[str, ...] = ()  # model field names; empty for a custom field

    @property
    def custom_key(self) -> str:
        return self.name.removeprefix(CUSTOM_PREFIX)


def _f(name: str, label: str, *columns: str) -> MergeField:
    return MergeField(name, label, columns or (name,))


ADDRESS = [
    _f("street", "Street"),
    _f("city", "City"),
    _f("region", "Region"),
    _f("postal_code", "Postal code"),
    _f("country", "Country"),
]
CONTACT_FIELDS = [
    _f("first_name", "First name"),
    _f("last_name", "Last name"),
    _f("email", "Primary email"),
    _f("phone", "Primary phone"),
    _f("job_title", "Job title"),
    _f("primary_company", "Primary company"),
    _f("lifecycle_stage", "Lifecycle stage"),
    _f("owner", "Owner"),
    _f("source", "Source"),
    _f("preferred_channel", "Preferred channel"),
    _f("do_not_email", "Do not email"),
    _f("do_not_call", "Do not call"),
    *ADDRESS,
]
COMPANY_FIELDS = [
    _f("name", "Name"),
    _f("domain", "Domain"),
    _f("industry", "Industry"),
    _f("size_band", "Size"),
    _f("annual_revenue", "Annual revenue", "annual_revenue", "annual_revenue_currency"),
    _f("parent", "Parent company"),
    _f("owner", "Owner"),
    *ADDRESS,
]
# The survivor's primary email, phone and company must be among its (united) rows: it can
# only be empty when both records have none.
NOT_EMPTY_IF_ANY = {"email", "phone", "primary_company"}


def jsonable(value: Any) -> Any:
    """The value as it reads back from a JSON column (Decimals and dates become text)."""
    return json.loads(json.dumps(value, cls=ExactJSONEncoder))


def model_fields(record: models.Model) -> list[MergeField]:
    return CONTACT_FIELDS if isinstance(record, Contact) else COMPANY_FIELDS


def merge_fields(survivor: models.Model, other: models.Model) -> list[MergeField]:
    """The pickable fields of this pair: the model's, then every custom field either holds
    or the workspace defines."""
    is_contact = isinstance(survivor, Contact)
    entity = CustomFieldEntity.CONTACT if is_contact else CustomFieldEntity.COMPANY
    base = model_fields(survivor)
    labels = dict(CustomFieldDefinition.objects.filter(entity=entity).values_list("key", "label"))
    keys = [*labels, *sorted({*survivor.custom_fields, *other.custom_fields} - labels.keys())]  # type: ignore[attr-defined]
    return [*base, *(MergeField(f"{CUSTOM_PREFIX}{k}", labels.get(k, k)) for k in keys)]


def _attname(record: models.Model, column: str) -> str:
    return record._meta.get_field(column).attname  # type: ignore[union-attr]


def value_of(record: models.Model, field: MergeField) -> Any:
    """The field's stored value, JSON-safe (a list for several columns)."""
    if not field.columns:
        return jsonable(record.custom_fields.get(field.custom_key))  # type: ignore[attr-defined]
    values = [jsonable(getattr(record, _attname(record, c))) for c in field.columns]
    return values[0] if len(values) == 1 else values


def value_set(record: models.Model, field: MergeField, value: Any) -> None:
    if not field.columns:
        custom = dict(record.custom_fields)  # type: ignore[attr-defined]
        if value is None:
            custom.pop(field.custom_key, None)
        else:
            custom[field.custom_key] = value
        record.custom_fields = custom  # type: ignore[attr-defined]
        return
    values = value if len(field.columns) > 1 else [value]
    for column, v in zip(field.columns, values, strict=True):
        setattr(record, _attname(record, column), v)


def is_empty(value: Any) -> bool:
    if isinstance(value, list):
        return all(is_empty(v) for v in value)
    return value in (None, "", False, [], {})


def contact_primaries_sync(contact: Contact) -> None:
    """Flag as primary exactly the email, phone and company link the contact names."""
    for model, column, value in (
        (ContactEmail, "email", contact.email),
        (ContactPhone, "number", contact.phone),
        (ContactCompany, "company_id", contact.primary_company_id),
    ):
        rows = model.objects.filter(contact=contact)
        rows.exclude(**{column: value}).update(is_primary=False)
        rows.filter(**{column: value}).update(is_primary=True)


def audit_view(record: models.Model) -> dict[str, Any]:
    """What the audit entry of a merge compares: the fields and the united lists."""
    view = {f.name: value_of(record, f) for f in model_fields(record)}
    view["custom_fields"] = jsonable(record.custom_fields)  # type: ignore[attr-defined]
    view["tags"] = sorted(t.name for t in record.tags.all())  # type: ignore[attr-defined]
    if isinstance(record, Contact):
        view["emails"] = sorted(record.emails.values_list("email", flat=True))
        view["phones"] = sorted(record.phones.values_list("number", flat=True))
        view["companies"] = sorted(record.company_links.values_list("company_id", flat=True))
    return view


def has_parent_cycle(company: Company) -> bool:
    seen = {company.pk}
    parent_id = company.parent_id
    while parent_id is not None:
        if parent_id in seen:
            return True
        seen.add(parent_id)
        parent_id = Company.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return False
