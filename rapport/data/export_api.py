"""Exports over `/api/v1/exports/{entity}/{format}`: CSV, XLSX or vCard, filtered by the
same query parameters as the entity's list page (e.g. `?lifecycle_stage=customer&tag=vip`).

The body streams as the list's web export does; exporting needs the `records:export` scope.
A workbook above `RAPPORT_EXPORT_INLINE_XLSX_ROWS` rows (or asked with `background=1`) is
built by a background job instead: the answer is 202 with the job's status, which
`/api/v1/exports/jobs/{id}` reports and whose `download_url` serves the file once done.
"""

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Path, Router, Schema, Status

from rapport.api.permissions import caller, requires
from rapport.api.problem import problems_declared
from rapport.api.records import PathId, query_errors, refuse_unknown_params
from rapport.data.export_formats import CONTENT_TYPES
from rapport.data.export_http import export_file_response, export_response
from rapport.data.export_queries import export_get
from rapport.data.exports import ExportRequest, exporter_get
from rapport.data.models import DataExport, ExportStatus
from rapport.tenancy.roles import RECORDS_EXPORT

router = Router(tags=["exports"])
EXPORT = requires(RECORDS_EXPORT)


class ExportJobOut(Schema):
    id: int
    entity: str
    file_format: str
    status: str
    rows: int
    rows_written: int
    error: str
    created_at: datetime
    finished_at: datetime | None
    status_url: str
    download_url: str | None


def _job(export: DataExport) -> ExportJobOut:
    done = export.status == ExportStatus.DONE and bool(export.file)
    return ExportJobOut(
        id=export.pk,
        entity=export.entity,
        file_format=export.file_format,
        status=export.status,
        rows=export.rows,
        rows_written=export.rows_written,
        error=export.error,
        created_at=export.created_at,
        finished_at=export.finished_at,
        status_url=reverse("api-v1:export_job", args=[export.pk]),
        download_url=reverse("api-v1:export_job_file", args=[export.pk]) if done else None,
    )


def _get(export_id: int) -> DataExport:
    try:
        return export_get(export_id=export_id)
    except ObjectDoesNotExist as exc:
        raise Http404(f"export {export_id} not found") from exc


@router.get(
    "/jobs/{int:export_id}",
    auth=EXPORT,
    response=ExportJobOut,
    url_name="export_job",
    summary="A background export's status",
)
def export_job(request: HttpRequest, export_id: PathId) -> ExportJobOut:
    refuse_unknown_params(request, None, of="this request")
    return _job(_get(export_id))


@router.get(
    "/jobs/{int:export_id}/file",
    auth=EXPORT,
    response={200: None},
    url_name="export_job_file",
    summary="Download a finished background export",
    description="An export without a file (not finished, failed, expired) is a 409.",
    openapi_extra=problems_declared(409),
)
def export_job_file(request: HttpRequest, export_id: PathId) -> HttpResponseBase:
    refuse_unknown_params(request, None, of="this request")
    return export_file_response(_get(export_id))


@router.get(
    "/{entity}/{file_format}",
    auth=EXPORT,
    summary="Export a list",
    response={200: None, 202: ExportJobOut},
    openapi_extra=problems_declared(400),
)
def export(
    request: HttpRequest,
    entity: str = Path(..., description="what to export, e.g. contacts (`/exports` page)"),
    file_format: str = Path(..., description=f"one of {', '.join(CONTENT_TYPES)}"),
) -> object:
    """The query parameters are the list's filters and sort (and `background`); any other
    is refused by name, as the export would otherwise be wider than asked. An entity or a
    format that cannot be exported, or more rows than a workbook holds, is a 400 naming it."""
    with query_errors():
        known = exporter_get(entity).known_params()
        refuse_unknown_params(request, {*known, "background"}, of="this export")
        c = caller(request)
        params = request.GET.copy()
        background = bool(params.pop("background", None))
        ask = ExportRequest(workspace=c.workspace, user_id=int(c.actor.pk), params=params)
        result = export_response(
            entity=entity, file_format=file_format, ask=ask, actor=c.actor, background=background
        )
    if isinstance(result, DataExport):
        return Status(202, _job(result))
    return result
