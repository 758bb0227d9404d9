"""Reads of the audit trail; always inside the caller's workspace scope."""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import QuerySet

from rapport.audit.models import AuditEntry
from rapport.core.models import WorkspaceScopedModel


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    entity: str = ""
    action: str = ""
    source: str = ""
    at_after: dt.datetime | None = None
    at_before: dt.datetime | None = None


def audit_for_record(*, entity: str, object_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(entity=entity, object_id=object_id).select_related("actor")


def audit_for_workspace(f: AuditFilter | None = None) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("actor")
    if f is None:
        return qs
    exact = {"actor_id": f.actor_id, "entity": f.entity, "action": f.action, "source": f.source}
    qs = qs.filter(**{name: value for name, value in exact.items() if value})
    if f.at_after:
        qs = qs.filter(at__gte=f.at_after)
    if f.at_before:
        qs = qs.filter(at__lt=f.at_before)
    return qs


def audited_entities() -> list[tuple[str, str]]:
    """Every kind of workspace record an entry can name ("app_label.model"), with a readable
    label: read from the models, not from the trail, so the list costs no scan of it."""
    kinds = [
        (model._meta.label_lower, str(model._meta.verbose_name).capitalize())
        for model in apps.get_models()
        if issubclass(model, WorkspaceScopedModel) and model is not AuditEntry
    ]
    return sorted(kinds, key=lambda kind: kind[1])
