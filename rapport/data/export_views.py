"""Export downloads from the list pages, the background exports page, and the data quality
dashboard.

A workbook too large to build in the request (or asked for in the background) answers with
a redirect to `/exports/`, where its row shows the job's progress (polled while it runs) and
then a download link; the file is served by `export_file`, never by a public media URL.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from rapport.core.errors import ServiceValidationError, StateConflict
from rapport.data.export_http import export_file_response, export_response
from rapport.data.export_queries import export_get, export_recent, exports_described
from rapport.data.exports import ExportRequest, exporter_get
from rapport.data.models import DataExport
from rapport.data.quality import quality_report
from rapport.tenancy.data_version import kept
from rapport.tenancy.roles import RECORDS_EXPORT
from rapport.web.access import found_or_404, member_required, scope_required, workspace_of


@scope_required(RECORDS_EXPORT)
@require_GET
def export_download(request: HttpRequest, entity: str, file_format: str) -> HttpResponseBase:
    """`/exports/<entity>.<format>?<the list's query string>`: what the list shows, whole.
    `background=1` asks for the background job whatever the size; any other parameter the
    list does not read is refused by name (400), not ignored."""
    params = request.GET.copy()
    background = bool(params.pop("background", None))
    ask = ExportRequest(
        workspace=workspace_of(request), user_id=int(request.user.pk or 0), params=params
    )
    try:
        exporter_get(entity).params_check(request.GET)
        result = export_response(
            entity=entity,
            file_format=file_format,
            ask=ask,
            actor=request.user,
            background=background,
        )
    except ServiceValidationError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if isinstance(result, DataExport):
        messages.info(
            request,
            f"Your export of {result.rows} {result.entity} is being prepared; "
            "download it here when it is done.",
        )
        return redirect("data:export_list")
    return result


@scope_required(RECORDS_EXPORT)
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    return render(request, "data/export_list.html", {"exports": export_recent()})


@scope_required(RECORDS_EXPORT)
@require_GET
def export_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One export's row, polled by htmx while its job runs."""
    (row,) = exports_described([found_or_404(export_get, export_id=pk)])
    return render(request, "data/_export_row.html", {"row": row, "export": row.export})


@scope_required(RECORDS_EXPORT)
@require_GET
def export_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The finished file, to members of its workspace with the export scope only."""
    try:
        return export_file_response(found_or_404(export_get, export_id=pk))
    except StateConflict as exc:
        return HttpResponse(
            f"export {pk}: {exc.errors[0].message}",
            status=409,
            content_type="text/plain; charset=utf-8",
        )


@member_required
@require_GET
def data_quality(request: HttpRequest) -> HttpResponse:
    """Kept per workspace data version: at a million contacts the report scans them twice
    (about a second), and the figures change only with the data (or, for "untouched for a
    year", within the keeping time)."""
    sections = kept(
        workspace=workspace_of(request), name="quality", inputs=(), build=quality_report
    )
    return render(request, "data/quality.html", {"sections": sections})
