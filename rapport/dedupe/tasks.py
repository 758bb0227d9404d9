from django_tasks import task

from rapport.audit.context import audit_source
from rapport.dedupe.frames import ENTITIES
from rapport.dedupe.services import dedupe_run
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def dedupe_workspace(workspace_id: int) -> int:
    """Detect duplicate contacts and companies of one workspace; returns the open pairs."""
    workspace = Workspace.objects.get(pk=workspace_id)
    with audit_source("task"), workspace_scope(workspace):
        return sum(dedupe_run(workspace=workspace, entity=entity).open_pairs for entity in ENTITIES)


@task()
def dedupe_all() -> int:
    """The nightly run: one task per workspace, so workers share them; returns how many."""
    ids = list(Workspace.objects.order_by("pk").values_list("pk", flat=True))
    for workspace_id in ids:
        dedupe_workspace.enqueue(workspace_id)
    return len(ids)
