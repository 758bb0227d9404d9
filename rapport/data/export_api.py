"""Exports over `/api/v1/exports/{entity}/{format}`: CSV, XLSX or vCard, filtered by the
same query parameters as the entity's list page (e.g. `?lifecycle_stage=customer&tag=vip`).

The body streams as the list's web export does; exporting needs the `records:export` scope.
"""

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import Router

from rapport.api.permissions import caller, requires
from rapport.data.export_http import export_response
from rapport.data.exports import ExportRequest
from rapport.tenancy.roles import RECORDS_EXPORT

router = Router(tags=["exports"])
EXPORT = requires(RECORDS_EXPORT)


@router.get("/{entity}/{file_format}", auth=EXPORT, summary="Export a list", response={200: None})
def export(request: HttpRequest, entity: str, file_format: str) -> HttpResponseBase:
    c = caller(request)
    ask = ExportRequest(workspace=c.workspace, user_id=int(c.actor.pk), params=request.GET)
    return export_response(entity=entity, file_format=file_format, ask=ask, actor=c.actor)
