"""Background work of marketing: clearing out subscription requests nobody confirmed."""

from django_tasks import task

from rapport.audit.context import audit_source
from rapport.marketing.optin import subscription_requests_purge
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def subscription_requests_purge_all() -> int:
    """Delete, in every workspace, requests that expired unconfirmed longer ago than
    RAPPORT_OPTIN_RETENTION_DAYS. Returns how many were deleted."""
    deleted = 0
    for workspace in Workspace.objects.all():
        with workspace_scope(workspace), audit_source("task"):
            deleted += subscription_requests_purge(workspace=workspace)
    return deleted
