from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from rapport.audit.context import audit_source
from rapport.core.errors import ServiceValidationError
from rapport.data.importers import importers
from rapport.data.management.cli import workspace_and_actor
from rapport.data.models import ImportMode
from rapport.data.queries import import_errors
from rapport.data.services import import_create, import_process, import_start
from rapport.tenancy.access import workspace_scope


class Command(BaseCommand):
    help = (
        "Import a CSV, Excel (.xlsx) or vCard file into a workspace (the format is told by the "
        "content), as one batch that can be undone from the UI, the API or import_undo. "
        "Columns are mapped as the import wizard would suggest, or with --map."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument(
            "--entity",
            required=True,
            choices=[i.entity for i in importers()],
            help="what to import",
        )
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.SKIP)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="map a column to a field (repeatable; FIELD empty to leave the column out)",
        )
        parser.add_argument("--user", help="username recorded as the importer")

    def handle(self, *args: Any, **opts: Any) -> None:
        workspace, actor = workspace_and_actor(opts)
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"no file at {path}")
        try:
            with audit_source("cli"), workspace_scope(workspace), path.open("rb") as fh:
                batch = import_create(
                    workspace=workspace,
                    actor=actor,
                    entity=opts["entity"],
                    file=File(fh, name=path.name),
                    mode=opts["mode"],
                )
                mapping = dict(batch.mapping)
                for item in opts["map"]:
                    column, sep, name = item.partition("=")
                    if not sep:
                        raise CommandError(f"--map takes COLUMN=FIELD, not '{item}'")
                    mapping[column] = name
                import_start(
                    workspace=workspace, actor=actor, batch=batch, mapping=mapping, enqueue=False
                )
                batch = import_process(workspace=workspace, batch_id=batch.pk)
                errors = list(import_errors(batch=batch)[:20])
        except ServiceValidationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"import {batch.pk} {batch.status}: {batch.rows} rows, {batch.created} created, "
            f"{batch.updated} updated, {batch.skipped} skipped, {batch.failed} failed"
        )
        for error in errors:
            where = f"{batch.row_label} {error.row}" + (f", {error.column}" if error.column else "")
            self.stderr.write(f"{where}: {error.message}")
