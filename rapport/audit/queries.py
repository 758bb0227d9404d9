"""Reads of the audit trail; always inside the caller's workspace scope."""

from django.db.models import QuerySet

from rapport.audit.models import AuditEntry


def audit_for_record(*, entity: str, object_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(entity=entity, object_id=object_id).select_related("actor")


def audit_for_workspace() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor")
