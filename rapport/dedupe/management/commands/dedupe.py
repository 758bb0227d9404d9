from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rapport.audit.context import audit_source
from rapport.dedupe.frames import ENTITIES
from rapport.dedupe.services import dedupe_run
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


class Command(BaseCommand):
    help = "Detect duplicate contacts and companies (every workspace, or --workspace SLUG)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", help="slug of one workspace")
        parser.add_argument("--entity", choices=sorted(ENTITIES), help="only this entity")

    def handle(self, *args: Any, **opts: Any) -> None:
        workspaces = Workspace.objects.order_by("pk")
        if opts["workspace"]:
            workspaces = workspaces.filter(slug=opts["workspace"])
        entities = [opts["entity"]] if opts["entity"] else list(ENTITIES)
        with audit_source("cli"):
            for workspace in workspaces:
                with workspace_scope(workspace):
                    for entity in entities:
                        s = dedupe_run(workspace=workspace, entity=entity)
                        self.stdout.write(
                            f"{workspace.slug} {entity}: {s.records} records, "
                            f"{s.candidates} pairs compared, {s.open_pairs} suspected duplicates"
                        )
