"""Reads for the campaign pages and API: lists, and each campaign's report."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from rapport.campaigns.attribution import Attributed, campaign_attribution
from rapport.campaigns.models import (
    Campaign,
    EmailTemplate,
    EventKind,
    Recipient,
    RecipientStatus,
    TrackingEvent,
)
from rapport.campaigns.rendering import RenderedMail, merge_context, render_parts, template_check
from rapport.campaigns.tracking import unsubscribe_url
from rapport.contacts.models import Contact
from rapport.core.subqueries import count_per_row
from rapport.sales.currency import RateBook
from rapport.sales.models import Lead
from rapport.tenancy.models import Workspace


def template_list() -> QuerySet[EmailTemplate]:
    return EmailTemplate.objects.all()


def template_get(*, template_id: int) -> EmailTemplate:
    return EmailTemplate.objects.get(pk=template_id)


def campaign_choices() -> list[tuple[int, str]]:
    """(id, name) of the workspace's campaigns, newest first, for a filter's choices."""
    return list(Campaign.objects.order_by("-created_at", "-id").values_list("pk", "name"))


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("template")


def campaign_list_with_counts() -> QuerySet[Campaign]:
    """Campaigns with how many were sent, how many recipients opened and clicked, and how many
    leads they brought."""
    events = TrackingEvent.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")

    def who(kind: str) -> Subquery:
        return Subquery(
            events.filter(kind=kind).annotate(n=Count("recipient", distinct=True)).values("n")
        )

    return campaign_list().annotate(
        sent=count_per_row(Recipient.objects.filter(status=RecipientStatus.SENT), "campaign"),
        opened=Coalesce(who(EventKind.OPEN), 0),
        clicked=Coalesce(who(EventKind.CLICK), 0),
        leads=count_per_row(Lead.objects.all(), "campaign"),
    )


def campaign_get(*, campaign_id: int) -> Campaign:
    return Campaign.objects.select_related("template", "segment", "static_list", "sequence").get(
        pk=campaign_id
    )


@dataclass
class CampaignReport:
    recipients: int
    skipped: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    unsubscribed: int
    bounced: int
    leads: int
    attributed: Attributed
    cost_in_base: Decimal
    base_currency: str

    def rate(self, count: int) -> float | None:
        return count / self.delivered if self.delivered else None

    @property
    def roi(self) -> dict[str, Decimal | None]:
        """(revenue − cost) / cost under each attribution model; none without a cost."""
        if not self.cost_in_base:
            return {"first_touch": None, "last_touch": None}
        a = self.attributed
        return {
            name: ((revenue - self.cost_in_base) / self.cost_in_base).quantize(Decimal("0.01"))
            for name, revenue in (
                ("first_touch", a.first_touch_revenue),
                ("last_touch", a.last_touch_revenue),
            )
        }


def campaign_report(*, workspace: Workspace, campaign: Campaign) -> CampaignReport:
    """Counts are of recipients (someone who opened five times counts once)."""
    statuses = Recipient.objects.filter(campaign=campaign).aggregate(
        recipients=Count("id"),
        skipped=Count("id", filter=Q(status=RecipientStatus.SKIPPED)),
        sent=Count("id", filter=Q(status=RecipientStatus.SENT)),
    )
    events = TrackingEvent.objects.filter(campaign=campaign).aggregate(
        **{
            kind: Count("recipient", distinct=True, filter=Q(kind=kind))
            for kind in EventKind.values
        }
    )
    book = RateBook(workspace)
    day = (campaign.started_at or campaign.created_at).date()
    return CampaignReport(
        recipients=statuses["recipients"],
        skipped=statuses["skipped"],
        sent=statuses["sent"],
        delivered=statuses["sent"] - events[EventKind.BOUNCE],
        opened=events[EventKind.OPEN],
        clicked=events[EventKind.CLICK],
        unsubscribed=events[EventKind.UNSUBSCRIBE],
        bounced=events[EventKind.BOUNCE],
        leads=Lead.objects.filter(campaign=campaign).count(),
        attributed=campaign_attribution(workspace=workspace).get(campaign.pk, Attributed()),
        cost_in_base=book.to_base(campaign.cost, campaign.currency, day),
        base_currency=workspace.base_currency,
    )


def template_preview(
    *, workspace: Workspace, parts: dict[str, str], contact: Contact
) -> RenderedMail:
    """The message as `contact` would get it, before tracking (links as written)."""
    template_check(parts)
    return render_parts(parts, merge_context(contact, workspace, unsubscribe_url("preview")))
