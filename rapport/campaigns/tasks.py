"""Background work of campaigns: sending one, and the periodic dispatch of due and stalled
sends."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_tasks import task

from rapport.audit.context import audit_source
from rapport.campaigns.models import Campaign, CampaignStatus, Recipient, RecipientStatus
from rapport.campaigns.sending import campaign_send
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def campaign_send_task(workspace_id: int, campaign_id: int) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), audit_source("campaign"):
        campaign_send(workspace=workspace, campaign_id=campaign_id)


STALLED_AFTER = dt.timedelta(minutes=10)


@task()
def campaigns_dispatch() -> int:
    """Start scheduled campaigns that are due, and resume sends whose worker died (pending
    rows left and nothing claimed for a while). Returns how many sends were enqueued."""
    now = timezone.now()
    started = 0
    for workspace in Workspace.objects.all():
        with workspace_scope(workspace):
            due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now)
            recent = Recipient.objects.filter(
                campaign=OuterRef("pk"), claimed_at__gte=now - STALLED_AFTER
            )
            pending = Recipient.objects.filter(
                campaign=OuterRef("pk"), status=RecipientStatus.PENDING
            )
            stalled = Campaign.objects.filter(status=CampaignStatus.SENDING).filter(
                Exists(pending), ~Exists(recent)
            )
            for campaign in [*due, *stalled]:
                campaign_send_task.enqueue(workspace.pk, campaign.pk)
                started += 1
    return started
