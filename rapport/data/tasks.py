"""Background work of the data app: running an import, building a large export."""

from django.contrib.auth.models import User
from django_tasks import task

from rapport.audit.context import audit_source
from rapport.data.models import ImportBatch
from rapport.data.services import import_process, import_undo
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def import_run(workspace_id: int, batch_id: int) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), audit_source("import"):
        import_process(workspace=workspace, batch_id=batch_id)


@task()
def import_undo_run(workspace_id: int, batch_id: int, actor_id: int | None) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with workspace_scope(workspace), audit_source("import"):
        batch = ImportBatch.objects.get(pk=batch_id)
        import_undo(workspace=workspace, actor=actor, batch=batch)


@task()
def export_run(workspace_id: int, export_id: int) -> None:
    """Builds a large workbook export into the default storage."""
    from rapport.data.export_services import export_build

    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), audit_source("export"):
        export_build(workspace=workspace, export_id=export_id)


@task()
def exports_clean_files() -> None:
    """Removes background exports' files past their keeping time (the rows stay)."""
    from rapport.data.export_services import exports_clean

    exports_clean()
