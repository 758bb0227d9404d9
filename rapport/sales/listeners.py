"""Sales keeps its deals' last-activity time as activities linked to them are written.

The time is not audited but changes the deals at risk: it raises the workspace's data version
(`sales.kept`)."""

from django.db.models import DateTimeField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from rapport.core.hooks import on_records_changed
from rapport.sales.models import Deal, DealActivity
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.data_version import data_changed
from rapport.tenancy.models import Workspace


@on_records_changed("activities.activity")
def deals_touch(workspace_id: int, ids: list[int]) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace):
        deal_ids = set(
            DealActivity.objects.filter(activity_id__in=ids).values_list("deal_id", flat=True)
        )
        if not deal_ids:
            return
        latest = (
            DealActivity.objects.filter(deal_id=OuterRef("pk"))
            .values("deal_id")
            .annotate(at=Max("activity__occurred_at"))
            .values("at")
        )
        Deal.objects.filter(pk__in=deal_ids).update(
            last_activity_at=Coalesce(Subquery(latest, output_field=DateTimeField()), "created_at")
        )
        data_changed(workspace_id=workspace_id)
