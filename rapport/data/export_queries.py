"""Reads of background exports: the exports page's rows and one export (its own workspace's)."""

from django.db.models import QuerySet

from rapport.data.models import DataExport

EXPORTS_SHOWN = 50


def export_get(*, export_id: int) -> DataExport:
    """The export of the current workspace (another workspace's is DoesNotExist, like none)."""
    return DataExport.objects.select_related("created_by").get(pk=export_id)


def export_recent() -> QuerySet[DataExport]:
    """The newest background exports, with who asked for each."""
    return (
        DataExport.objects.filter(background=True)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:EXPORTS_SHOWN]
    )
