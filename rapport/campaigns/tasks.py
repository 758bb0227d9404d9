"""Background work of campaigns: sending one, and the periodic dispatch of due and stalled
sends."""

import datetime as dt
from dataclasses import asdict

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from rapport.audit.context import audit_source
from rapport.campaigns.models import Campaign, CampaignStatus, Recipient, RecipientStatus
from rapport.campaigns.sending import campaign_send
from rapport.campaigns.services import campaign_send_enqueue
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def campaign_send_task(workspace_id: int, campaign_id: int) -> dict[str, int | bool]:
    """One worker's share of a send; its counts are kept as the task's result."""
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), audit_source("campaign"):
        return asdict(campaign_send(workspace=workspace, campaign_id=campaign_id))


STALLED_AFTER = dt.timedelta(minutes=10)


@task()
def campaigns_dispatch() -> int:
    """Hand due scheduled campaigns to the workers, and resume sends whose workers died (rows
    pending or claimed, nothing claimed for a while). A due campaign is marked sending as its
    tasks are queued, so a busy worker's queue is not topped up again each minute. Returns
    how many campaigns were handed over."""
    now = timezone.now()
    quiet = now - STALLED_AFTER
    started = 0
    for workspace in Workspace.objects.all():
        with workspace_scope(workspace):
            # Due at its time; or started "now" yet still waiting after a quiet spell, its
            # tasks lost (the process ended between the commit and the queueing).
            due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED).filter(
                Q(scheduled_at__lte=now) | Q(scheduled_at__isnull=True, updated_at__lte=quiet)
            )
            recent = Recipient.objects.filter(campaign=OuterRef("pk"), claimed_at__gte=quiet)
            unsettled = Recipient.objects.filter(
                campaign=OuterRef("pk"),
                status__in=[RecipientStatus.PENDING, RecipientStatus.CLAIMED],
            )
            # Started by a worker (queued tasks are durable), then quiet for a while.
            stalled = Campaign.objects.filter(
                status=CampaignStatus.SENDING, started_at__isnull=False, updated_at__lte=quiet
            ).filter(Exists(unsettled), ~Exists(recent))
            for campaign in [*due, *stalled]:
                # The conditional update is the claim: of two dispatchers, one queues the tasks.
                claim = Campaign.objects.filter(
                    pk=campaign.pk, status=campaign.status, updated_at=campaign.updated_at
                )
                if claim.update(status=CampaignStatus.SENDING, updated_at=now):
                    campaign_send_enqueue(campaign)
                    started += 1
    return started
