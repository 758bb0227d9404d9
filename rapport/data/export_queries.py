"""Reads of background exports: the exports page's rows and one export (its own workspace's)."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from rapport.data.exports import Exporter, exporters, filters_described
from rapport.data.models import DataExport

EXPORTS_SHOWN = 50


@dataclass(frozen=True)
class ExportShown:
    """A row of the exports page: the export, its filters as `(label, value)` named in its
    workspace, and its list with its query string (empty if the list has no URL)."""

    export: DataExport
    filters: list[tuple[str, str]]
    list_href: str


def export_get(*, export_id: int) -> DataExport:
    """The export of the current workspace (another workspace's is DoesNotExist, like none)."""
    return DataExport.objects.select_related("created_by").get(pk=export_id)


def export_recent() -> list[ExportShown]:
    """The newest background exports, with who asked for each, described."""
    rows = (
        DataExport.objects.filter(background=True)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:EXPORTS_SHOWN]
    )
    return exports_described(list(rows))


def exports_described(exports: list[DataExport]) -> list[ExportShown]:
    """The exports described; an export of an app since removed shows its filters as asked."""
    registered = {x.entity: x for x in exporters()}
    known = [(e, registered[e.entity]) for e in exports if e.entity in registered]
    described = filters_described([(x, e.workspace_id, e.filters) for e, x in known])
    pairs = zip(known, described, strict=True)
    shown = {e.pk: ExportShown(e, d, _list_href(x, e)) for (e, x), d in pairs}
    return [shown.get(e.pk) or ExportShown(e, list(e.filters.items()), "") for e in exports]


def _list_href(exporter: Exporter, export: DataExport) -> str:
    if not exporter.list_url:
        return ""
    try:
        href = reverse(exporter.list_url, args=exporter.list_args(export.filters))
    except NoReverseMatch:  # arguments no URL takes (a view name typed by hand): no link
        return ""
    query = export.query or urlencode(export.filters)
    return f"{href}?{query}" if query else href
