"""Reads of background exports: the exports page's rows and one export (its own workspace's)."""

from django.urls import reverse
from django.utils.http import urlencode

from rapport.core.errors import ServiceValidationError
from rapport.data.exports import exporter_get, filters_described
from rapport.data.models import DataExport

EXPORTS_SHOWN = 50


def export_get(*, export_id: int) -> DataExport:
    """The export of the current workspace (another workspace's is DoesNotExist, like none)."""
    return DataExport.objects.select_related("created_by").get(pk=export_id)


def export_recent() -> list[DataExport]:
    """The newest background exports, with who asked for each, described (`export_described`)."""
    rows = (
        DataExport.objects.filter(background=True)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:EXPORTS_SHOWN]
    )
    return [export_described(export) for export in rows]


def export_described(export: DataExport) -> DataExport:
    """The export with `filters_shown` (its filters as `(label, value)`, named in its
    workspace) and `list_href` (its list with its query string; empty if the list has no URL)."""
    try:
        exporter = exporter_get(export.entity)
    except ServiceValidationError:  # an app since removed: its filters as they were asked
        export.filters_shown = list(export.filters.items())  # type: ignore[attr-defined]
        export.list_href = ""  # type: ignore[attr-defined]
        return export
    export.filters_shown = filters_described(exporter, export.workspace_id, export.filters)  # type: ignore[attr-defined]
    href = reverse(exporter.list_url) if exporter.list_url else ""
    query = export.query or urlencode(export.filters)
    if href and query:
        href += "?" + query
    export.list_href = href  # type: ignore[attr-defined]
    return export
