from typing import Any

from django.core.management.base import BaseCommand

from rapport.audit.context import audit_source
from rapport.sales.forecast import forecast_snapshot_take
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


class Command(BaseCommand):
    help = "Record today's forecast of every workspace (run daily, e.g. from cron)."

    def handle(self, *args: Any, **opts: Any) -> None:
        with audit_source("cli"):
            for workspace in Workspace.objects.order_by("pk"):
                with workspace_scope(workspace):
                    rows = forecast_snapshot_take(workspace=workspace)
                self.stdout.write(f"{workspace.slug}: {rows} forecast rows recorded")
