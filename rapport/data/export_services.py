"""Exports on record: each one is a `DataExport` row with its audit entry."""

from typing import Any

from django.db import transaction

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.core.errors import ServiceValidationError
from rapport.data.models import DataExport, ExportFormat
from rapport.tenancy.models import Workspace


def export_record(
    *,
    workspace: Workspace,
    actor: Any,
    entity: str,
    file_format: str,
    filters: dict[str, str],
    rows: int,
) -> DataExport:
    """Who exported which records, filtered how, and how many rows: the audit trail's entry."""
    if file_format not in ExportFormat.values:
        raise ServiceValidationError.single(
            "format", f"must be one of {', '.join(ExportFormat.values)}"
        )
    with transaction.atomic():
        export = DataExport.objects.create(
            workspace=workspace,
            entity=entity,
            file_format=file_format,
            filters=filters,
            rows=rows,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        changes: dict[str, list[Any]] = {
            "entity": [None, entity],
            "file_format": [None, file_format],
            "filters": [None, filters],
            "rows": [None, rows],
        }
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=export,
            changes=changes,
        )
    return export
