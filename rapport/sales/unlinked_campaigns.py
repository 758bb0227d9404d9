"""Leads whose campaign is only a name no campaign matched (`Lead.campaign_name`), and linking
them once a campaign of that name exists: by hand from the campaign's page ("Link now"), or
when a campaign is created or renamed to that name. A converted lead's deal without a campaign
of its own takes the campaign too, as conversion would have given it."""

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower, Trim

from rapport.campaigns.models import Campaign
from rapport.contacts.services import Actor
from rapport.sales.leads import _lead_change
from rapport.sales.models import Deal, Lead
from rapport.sales.services import deal_update
from rapport.tenancy.models import Workspace


def unlinked_leads(*, workspace: Workspace, name: str) -> QuerySet[Lead]:
    """The workspace's unlinked leads naming `name`, case and surrounding spaces aside (as the
    migration that linked the old names compared them)."""
    key = name.strip().lower()
    if not key:
        return Lead.objects.none()
    return (
        Lead.objects.filter(workspace=workspace, campaign__isnull=True)
        .exclude(campaign_name="")
        .alias(key=Lower(Trim("campaign_name")))
        .filter(key=key)
    )


def leads_link_campaign(*, workspace: Workspace, actor: Actor, campaign: Campaign) -> int:
    """Link the leads naming the campaign to it, each audited; returns how many. Idempotent:
    a linked lead's name is cleared, so a second run (or a concurrent one, the rows being
    locked and read again) finds nothing left to link. A converted deal that already names a
    campaign keeps it: someone chose it."""
    if campaign.workspace_id != workspace.pk:
        raise ValueError("the campaign is not of this workspace")
    with transaction.atomic():
        leads = list(
            unlinked_leads(workspace=workspace, name=campaign.name)
            .select_for_update()
            .order_by("id")
        )
        for lead in leads:
            _lead_change(workspace, actor, lead, {"campaign": campaign, "campaign_name": ""})
        deals = Deal.objects.filter(
            workspace=workspace,
            pk__in=[lead.converted_deal_id for lead in leads if lead.converted_deal_id],
            campaign__isnull=True,
        )
        for deal in deals.select_for_update().order_by("id"):
            deal_update(
                workspace=workspace, actor=actor, deal=deal, data={"campaign_id": campaign.pk}
            )
    return len(leads)
