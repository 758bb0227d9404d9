"""Everything the workspace holds about one person, for a subject access request.

The rows come from the merge registry: it already names every relation that points at a
contact (a test fails for a foreign key that no handler covers), so a relation a later app
adds is in the export without a change here. Each row carries the record it links to, one
level deep (an activity link carries the activity), so the export reads on its own.
"""

import datetime as dt
import decimal
import uuid
from typing import Any

from django.conf import settings
from django.db import models

from rapport.audit.queries import audit_for_record
from rapport.contacts.models import Contact
from rapport.merge.registry import CONTACT, RelationMove, merge_handlers
from rapport.tenancy.models import Workspace
from rapport.web.templatetags.rapport_ui import user_name

# Columns that hold credentials or their hashes, never personal data worth handing out.
_SECRET_PARTS = ("token", "hash", "secret", "password")


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _fields(model: type[models.Model], skip: str = "") -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name != skip and not any(part in f.name for part in _SECRET_PARTS)
    ]


def _is_user(model: Any) -> bool:
    return model is not None and model._meta.label == settings.AUTH_USER_MODEL


def row_data(row: models.Model, *, skip: str = "", depth: int = 1) -> dict[str, Any]:
    """A row's columns as JSON values: a user as their name, a workspace left out, any other
    linked record as its own columns while `depth` lasts, else as its id."""
    data: dict[str, Any] = {}
    for field in _fields(type(row), skip):
        if not field.is_relation:
            data[field.name] = _json(field.value_from_object(row))
            continue
        target = field.related_model
        if target is Workspace:
            continue
        if _is_user(target):
            user = getattr(row, field.name)
            data[field.name] = user_name(user, "") if user is not None else None
        elif depth > 0 and (linked := getattr(row, field.name)) is not None:
            data[field.name] = row_data(linked, depth=depth - 1)
        else:
            data[field.name] = field.value_from_object(row)
    return data


def _history(contact: Contact) -> list[dict[str, Any]]:
    entries = audit_for_record(entity=CONTACT, object_id=contact.pk)
    return [
        {
            "at": e.at.isoformat(),
            "action": e.action,
            "by": user_name(e.actor, "System"),
            "via": e.source,
            "changes": e.changes,
        }
        for e in entries.order_by("at", "id")
    ]


def contact_relations(contact: Contact) -> list[tuple[RelationMove, models.QuerySet[Any]]]:
    """Each relation of the merge registry to a contact, with this contact's rows in it."""
    out = []
    for handler in merge_handlers(CONTACT):
        assert isinstance(handler, RelationMove)
        out.append((handler, handler.rows(contact)))
    return out


def personal_data(contact: Contact) -> dict[str, Any]:
    """The contact's columns, every related row per relation, and its change history."""
    related = []
    for handler, rows in contact_relations(contact):
        related.append(
            {
                "relation": handler.key,
                "label": handler.label,
                "rows": [row_data(row, skip=handler.field) for row in rows.order_by("pk")],
            }
        )
    return {
        "contact": row_data(contact),
        "related": related,
        "history": _history(contact),
    }
