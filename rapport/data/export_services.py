"""Exports on record: each one is a `DataExport` row with its audit entry.

A large workbook is built by a background job (`export_build`, run by `data.tasks.export_run`)
into the default storage; the row then carries its state, progress, file or error, and the
file is served to members with the export scope by `data.export_views.export_file`.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.core.errors import ServiceValidationError
from rapport.data.models import DataExport, ExportFormat, ExportStatus
from rapport.tenancy.models import Workspace


def export_record(
    *,
    workspace: Workspace,
    actor: Any,
    entity: str,
    file_format: str,
    filters: dict[str, str],
    rows: int,
    query: str | None = None,
) -> DataExport:
    """Who exported which records, filtered how, and how many rows: the audit trail's entry.
    With `query` (the list's query string) the export is a background job, queued once the
    row is committed."""
    if file_format not in ExportFormat.values:
        raise ServiceValidationError.single(
            "format", f"must be one of {', '.join(ExportFormat.values)}"
        )
    background = query is not None
    with transaction.atomic():
        export = DataExport.objects.create(
            workspace=workspace,
            entity=entity,
            file_format=file_format,
            filters=filters,
            rows=rows,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            background=background,
            query=query or "",
            status=ExportStatus.QUEUED if background else ExportStatus.DONE,
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
        if background:
            from rapport.data.tasks import export_run

            transaction.on_commit(lambda: export_run.enqueue(workspace.pk, export.pk))
    return export


def _counted(export: DataExport, rows: Iterator[list[Any]], every: int) -> Iterator[list[Any]]:
    """The rows, with the job's progress written every `every` rows (one UPDATE each)."""
    n = 0
    for n, row in enumerate(rows, 1):
        if n % every == 0:
            DataExport.objects.filter(pk=export.pk).update(rows_written=n)
        yield row
    export.rows_written = n


def export_build(*, workspace: Workspace, export_id: int) -> DataExport:
    """Builds a queued export's workbook into the default storage. A failure is kept on the
    row, with its error, rather than raised: the user reads it on the exports page."""
    from rapport.data.export_formats import xlsx_file
    from rapport.data.exports import CHUNK_ROWS, ExportRequest, export_rows, exporter_get

    export = DataExport.objects.get(workspace=workspace, pk=export_id)
    if export.status != ExportStatus.QUEUED:
        return export
    DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    try:
        exporter = exporter_get(export.entity)
        ask = ExportRequest(
            workspace=workspace,
            user_id=export.created_by_id or 0,
            params=QueryDict(export.query),
        )
        qs = exporter.queryset(ask)
        columns = exporter.columns()
        with xlsx_file(
            columns, _counted(export, export_rows(exporter, qs, columns), CHUNK_ROWS)
        ) as out:
            name = f"{export.entity}-{export.created_at:%Y%m%d-%H%M}-{export.pk}.xlsx"
            export.file.save(name, File(out), save=False)
        export.status = ExportStatus.DONE
        export.error = ""
    except Exception as exc:
        export.status = ExportStatus.FAILED
        export.error = str(exc) or exc.__class__.__name__
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "file", "rows_written", "finished_at"])
    return export


# A million-row workbook takes minutes; a job still "running" after this lost its worker.
STALLED_AFTER = dt.timedelta(hours=2)


def exports_clean(*, now: dt.datetime | None = None) -> int:
    """Removes the files of background exports older than `RAPPORT_EXPORT_FILE_DAYS`; the rows
    (the record of who exported what) stay. A job whose worker died is marked failed, so its
    row stops polling and says to export again. Returns how many files were removed."""
    now = now or timezone.now()
    DataExport.unscoped.filter(
        status=ExportStatus.RUNNING, created_at__lt=now - STALLED_AFTER
    ).update(
        status=ExportStatus.FAILED,
        error="the worker stopped before the workbook was finished: export again",
        finished_at=now,
    )
    cutoff = now - dt.timedelta(days=settings.RAPPORT_EXPORT_FILE_DAYS)
    removed = 0
    old = DataExport.unscoped.filter(created_at__lt=cutoff).exclude(file="")
    for export in old.iterator():
        export.file.delete(save=False)
        DataExport.unscoped.filter(pk=export.pk).update(file="", status=ExportStatus.EXPIRED)
        removed += 1
    return removed
