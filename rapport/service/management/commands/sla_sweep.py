from typing import Any

from django.core.management.base import BaseCommand

from rapport.audit.context import audit_source
from rapport.service.sweep import sla_sweep
from rapport.tenancy.models import Workspace


class Command(BaseCommand):
    help = "Flag tickets that ran past their SLA and tell their assignees (run every minutes)."

    def handle(self, *args: Any, **opts: Any) -> None:
        with audit_source("cli"):
            for workspace in Workspace.objects.order_by("pk"):
                flagged = sla_sweep(workspace=workspace)
                if flagged:
                    self.stdout.write(f"{workspace.slug}: {len(flagged)} newly breached")
