"""The export response both doors (the web UI and the API) send.

The export is recorded (with its row count) before the body starts; the body is then read
from the database while it is sent, back inside the workspace's scope, because a streamed
response outlives the middleware that set the scope for the request.
"""

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from rapport.core.errors import ServiceValidationError, StateConflict
from rapport.data.export_formats import (
    CONTENT_TYPES,
    XLSX_MAX_ROWS,
    csv_stream,
    vcard_stream,
    xlsx_file,
)
from rapport.data.export_services import export_record
from rapport.data.exports import ExportRequest, export_rows, exporter_get
from rapport.data.models import DataExport, ExportStatus
from rapport.tenancy.access import workspace_scope


def export_response(
    *, entity: str, file_format: str, ask: ExportRequest, actor: Any, background: bool = False
) -> HttpResponseBase | DataExport:
    """The file as the response, or, for a workbook above `RAPPORT_EXPORT_INLINE_XLSX_ROWS`
    rows or asked for in the `background`, the queued `DataExport` whose job builds it."""
    exporter = exporter_get(entity)
    if file_format not in CONTENT_TYPES:
        raise ServiceValidationError.single("format", f"must be one of {', '.join(CONTENT_TYPES)}")
    if file_format == "vcf" and not exporter.vcard:
        raise ServiceValidationError.single("format", f"{exporter.label} have no vCard form")
    qs = exporter.queryset(ask)
    columns = exporter.columns()
    count = qs.count()
    if file_format == "xlsx" and count > XLSX_MAX_ROWS:
        raise ServiceValidationError.single(
            "format", f"{count} rows do not fit in a workbook; export them as CSV"
        )
    filters = {k: str(v) for k, v in ask.params.items() if v}
    if file_format == "xlsx" and (background or count > settings.RAPPORT_EXPORT_INLINE_XLSX_ROWS):
        return export_record(
            workspace=ask.workspace,
            actor=actor,
            entity=entity,
            file_format=file_format,
            filters=filters,
            rows=count,
            query=ask.params.urlencode(),
        )
    export_record(
        workspace=ask.workspace,
        actor=actor,
        entity=entity,
        file_format=file_format,
        filters=filters,
        rows=count,
    )
    filename = f"{entity}-{timezone.now():%Y%m%d-%H%M}.{file_format}"
    if file_format == "xlsx":
        return FileResponse(
            xlsx_file(columns, export_rows(exporter, qs, columns)),
            as_attachment=True,
            filename=filename,
            content_type=CONTENT_TYPES["xlsx"],
        )

    def body() -> Iterator[str]:
        with workspace_scope(ask.workspace):
            rows = export_rows(exporter, qs, columns)
            if file_format == "csv":
                yield from csv_stream(columns, rows)
            else:
                yield from vcard_stream(columns, rows, exporter.vcard)

    response = StreamingHttpResponse(body(), content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_file_response(export: DataExport) -> FileResponse:
    """A background export's finished file, for both doors; an export with none (queued,
    running, failed, expired, or sent in its request) is a `StateConflict` saying which."""
    if export.status != ExportStatus.DONE or not export.file:
        state = export.status if export.status != ExportStatus.DONE else "done, sent when asked"
        raise StateConflict.single(
            "status", f"only a finished background export has a file; this one is {state}"
        )
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"{export.entity}-{export.created_at:%Y%m%d-%H%M}.{export.file_format}",
        content_type=CONTENT_TYPES.get(export.file_format, "application/octet-stream"),
    )
