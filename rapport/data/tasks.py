"""Background work of the data app: running an import."""

from django_tasks import task

from rapport.audit.context import audit_source
from rapport.data.services import import_process
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def import_run(workspace_id: int, batch_id: int) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), audit_source("import"):
        import_process(workspace=workspace, batch_id=batch_id)
