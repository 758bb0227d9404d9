"""Stored merge values as people read them: names for ids, labels for choices."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from rapport.contacts.forms import user_label
from rapport.contacts.models import Company
from rapport.merge.queries import FieldRow

COMPANY_REFERENCES = {"primary_company", "parent"}


def _choice_labels(model: type[models.Model], name: str) -> dict[Any, str]:
    field = model._meta.get_field(name)
    return {k: str(v) for k, v in getattr(field, "choices", None) or []}


def shown_values(model: type[models.Model], rows: list[FieldRow]) -> list[tuple[str, str]]:
    """(a, b) as text for each row, with one query per kind of referenced record."""
    company_ids = {v for r in rows if r.field.name in COMPANY_REFERENCES for v in r.values if v}
    user_ids = {v for r in rows if r.field.name == "owner" for v in r.values if v}
    companies = dict(Company.objects.filter(pk__in=company_ids).values_list("pk", "name"))
    users = {u.pk: user_label(u) for u in get_user_model().objects.filter(pk__in=user_ids)}

    def text(row: FieldRow, value: Any) -> str:
        name = row.field.name
        if value in (None, "", []):
            return "—"
        if name in COMPANY_REFERENCES:
            return companies.get(value, f"#{value}")
        if name == "owner":
            return users.get(value, f"#{value}")
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return " ".join(str(v) for v in value if v not in (None, ""))
        if row.field.columns:
            return _choice_labels(model, row.field.columns[0]).get(value, str(value))
        return str(value)

    return [(text(r, r.values[0]), text(r, r.values[1])) for r in rows]
