from django_tasks import task

from rapport.audit.context import audit_source
from rapport.sales.forecast import forecast_snapshot_take
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def forecast_snapshot_all() -> int:
    """Record today's forecast of every workspace; returns the rows written."""
    rows = 0
    with audit_source("task"):
        for workspace in Workspace.objects.order_by("pk"):
            with workspace_scope(workspace):
                rows += forecast_snapshot_take(workspace=workspace)
    return rows
