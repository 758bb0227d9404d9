"""Background work of campaigns: sending one."""

from django_tasks import task

from rapport.audit.context import audit_source
from rapport.campaigns.sending import campaign_send
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def campaign_send_task(workspace_id: int, campaign_id: int) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), audit_source("campaign"):
        campaign_send(workspace=workspace, campaign_id=campaign_id)
