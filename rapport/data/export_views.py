"""Export downloads from the list pages, and the data quality dashboard."""

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.core.errors import ServiceValidationError
from rapport.data.export_http import export_response
from rapport.data.exports import ExportRequest
from rapport.data.quality import quality_report
from rapport.tenancy.roles import RECORDS_EXPORT
from rapport.web.access import member_required, scope_required, workspace_of


@scope_required(RECORDS_EXPORT)
@require_GET
def export_download(request: HttpRequest, entity: str, file_format: str) -> HttpResponseBase:
    """`/exports/<entity>.<format>?<the list's query string>`: what the list shows, whole."""
    ask = ExportRequest(
        workspace=workspace_of(request), user_id=int(request.user.pk or 0), params=request.GET
    )
    try:
        return export_response(entity=entity, file_format=file_format, ask=ask, actor=request.user)
    except ServiceValidationError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")


@member_required
@require_GET
def data_quality(request: HttpRequest) -> HttpResponse:
    return render(request, "data/quality.html", {"sections": quality_report()})
