from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.audit.context import audit_source
from rapport.core.errors import ServiceValidationError
from rapport.data.management.cli import workspace_and_actor
from rapport.data.models import ImportBatch
from rapport.data.queries import import_summary
from rapport.data.services import import_undo
from rapport.tenancy.access import workspace_scope


class Command(BaseCommand):
    help = (
        "Undo an import of a workspace, here and to its end: delete the records it created "
        "and restore those it updated, then say what was taken back. An undo stopped half-way "
        "is finished by running it again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("batch", type=int, help="the import's id (import_file prints it)")
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--user", help="username recorded as the one who undid it")

    def handle(self, *args: Any, **opts: Any) -> None:
        workspace, actor = workspace_and_actor(opts)
        with audit_source("cli"), workspace_scope(workspace):
            batch = ImportBatch.objects.filter(pk=opts["batch"]).first()
            if batch is None:
                raise CommandError(f"no import {opts['batch']} in workspace '{workspace.slug}'")
            try:
                batch = import_undo(workspace=workspace, actor=actor, batch=batch)
            except ServiceValidationError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"import {batch.pk}: {import_summary(batch=batch)}")
