"""The demo's marketing: consent statements, lists, segments, templates, three campaigns sent
over the past months with their opens, clicks, bounces and unsubscribes, so a marketer's pages
show real shapes (the welcome sequence is `sequence_data`'s).

Everything a marketer does goes through the services (audited). What the recipients did
happened in the past, so it is written as the send and the tracking endpoints would have
written it, at past times: the recipients come from the campaign's real audience query (its
consent and suppression checks included), unsubscribes and bounces go through the tracking
services (suppression, consent history), and their times are then moved back. Nothing is
mailed and no send task is queued.
"""

import datetime as dt
import random

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    EmailTemplate,
    EventKind,
    Recipient,
    RecipientStatus,
    TrackingEvent,
)
from rapport.campaigns.sending import campaign_queue
from rapport.campaigns.services import (
    campaign_audience,
    campaign_create,
    recipient_bounced,
    recipient_unsubscribed,
    template_create,
)
from rapport.contacts.models import Contact
from rapport.marketing.models import (
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    Segment,
    StaticList,
)
from rapport.marketing.services import (
    LIST_CHANGE_LIMIT,
    consent_record,
    segment_create,
    static_list_add,
)
from rapport.marketing.services import static_list_create as list_create
from rapport.tenancy.models import Workspace

# purpose -> (share of contacts with a statement, share of those opted in)
CONSENT = {
    ConsentPurpose.EMAIL_MARKETING: (0.55, 0.8),
    ConsentPurpose.NEWSLETTER: (0.35, 0.85),
}
SOURCES = ["web form", "import", "trade show", "checkout", "phone call"]
TEMPLATES = [
    (
        "Monthly newsletter",
        'What\'s new at Demo Company this month, {{ contact.first_name or "there" }}',
    ),
    ("Spring webinar", 'Join our spring webinar, {{ contact.first_name or "friend" }}'),
    ("Product launch", "Meet the new Demo Company platform"),
    ("Welcome", 'Welcome aboard, {{ contact.first_name or "friend" }}'),
    ("Getting started", 'Three things to try first, {{ contact.first_name or "friend" }}'),
]
# name, template, days ago sent, budget, cost, (open, click, unsubscribe, bounce) rates
CAMPAIGNS = [
    ("Spring webinar invitation", 1, 200, "1500.00", "1320.00", (0.41, 0.11, 0.006, 0.015)),
    ("Product launch", 2, 95, "4000.00", "3650.00", (0.48, 0.16, 0.004, 0.012)),
    ("October newsletter", 0, 40, "500.00", "420.00", (0.33, 0.06, 0.01, 0.02)),
]
BODY = (
    'Hello {{{{ contact.first_name or "there" }}}},\n\n{name}: read more at {link}\n\n'
    "The Demo Company team\n\nUnsubscribe: {{{{ unsubscribe_url }}}}"
)
SEGMENT_PURPOSES = {
    "Customers": "Everyone who buys from us: renewals, upsells, the customer newsletter",
    "Big spenders": "Lifetime revenue of 5,000 or more: early access and account reviews",
    "Leads gone quiet": "Leads nobody has called in three months, for a win-back call",
    "Newsletter readers": "On the newsletter list",
    "Prospects and leads": "Not buying yet: the audience of launches and webinars",
}
LINKS = ["https://demo.rapport.example/pricing", "https://demo.rapport.example/webinar"]


def _consent(workspace: Workspace, actor: AbstractUser, ids: list[int], rng: random.Random) -> None:
    """Statements from one to two years ago; who said nothing stays unknown (no sends). A
    contact marked "do not email" said no to every email purpose, as such a contact would."""
    now = timezone.now()
    for purpose, (share, opted_in) in CONSENT.items():
        chosen = Contact.objects.in_bulk(rng.sample(ids, int(len(ids) * share)))
        for contact in chosen.values():
            yes = rng.random() < opted_in and not contact.do_not_email
            consent_record(
                workspace=workspace,
                actor=actor,
                contact=contact,
                purpose=purpose,
                status=ConsentStatus.OPTED_IN if yes else ConsentStatus.OPTED_OUT,
                source=rng.choice(SOURCES),
                at=now - dt.timedelta(days=365 + rng.randrange(365)),
            )


def _add(
    workspace: Workspace, actor: AbstractUser, static_list: StaticList, ids: list[int]
) -> None:
    for start in range(0, len(ids), LIST_CHANGE_LIMIT):
        static_list_add(
            workspace=workspace,
            actor=actor,
            static_list=static_list,
            contact_ids=ids[start : start + LIST_CHANGE_LIMIT],
        )


def _lists(
    workspace: Workspace, actor: AbstractUser, ids: list[int], rng: random.Random
) -> StaticList:
    """The newsletter list holds who opted in to the newsletter; the webinar list a sample."""
    newsletter = list_create(
        workspace=workspace,
        actor=actor,
        data={"name": "Newsletter", "description": "Signed up for the monthly newsletter"},
    )
    signed_up = ConsentEvent.objects.filter(
        purpose=ConsentPurpose.NEWSLETTER, status=ConsentStatus.OPTED_IN
    ).values_list("contact_id", flat=True)
    _add(workspace, actor, newsletter, sorted(signed_up))
    webinar = list_create(
        workspace=workspace,
        actor=actor,
        data={"name": "Spring webinar attendees", "description": "Joined the live session"},
    )
    _add(workspace, actor, webinar, rng.sample(ids, max(len(ids) // 20, 1)))
    return newsletter


def _segments(
    workspace: Workspace, actor: AbstractUser, newsletter: StaticList
) -> dict[str, Segment]:
    definitions = {
        "Customers": [{"type": "lifecycle_stage", "op": "is", "stage": "customer"}],
        "Big spenders": [{"type": "lifetime_revenue", "op": "gte", "amount": "5000"}],
        "Leads gone quiet": [
            {"type": "lifecycle_stage", "op": "is", "stage": "lead"},
            {
                "type": "activity",
                "op": "has_not",
                "kind": "call",
                "when": "within_days",
                "days": 90,
            },
        ],
        "Newsletter readers": [{"type": "static_list", "op": "on", "list_id": newsletter.pk}],
        "Prospects and leads": [
            {
                "op": "or",
                "rules": [
                    {"type": "lifecycle_stage", "op": "is", "stage": stage}
                    for stage in ("lead", "marketing_qualified", "sales_qualified", "opportunity")
                ],
            }
        ],
    }
    return {
        name: segment_create(
            workspace=workspace,
            actor=actor,
            data={
                "name": name,
                "description": SEGMENT_PURPOSES[name],
                "definition": {"op": "and", "rules": rules},
            },
        )
        for name, rules in definitions.items()
    }


def _templates(workspace: Workspace, actor: AbstractUser) -> list[EmailTemplate]:
    return [
        template_create(
            workspace=workspace,
            actor=actor,
            data={
                "name": name,
                "subject": subject,
                "body_text": BODY.format(name=name, link=LINKS[0]),
            },
        )
        for name, subject in TEMPLATES
    ]


def _sent(
    campaign: Campaign, days_ago: int, rates: tuple[float, float, float, float], rng: random.Random
) -> dt.datetime:
    """The campaign as its send and its recipients left it, `days_ago` days back."""
    workspace = campaign.workspace
    started = timezone.now() - dt.timedelta(days=days_ago, hours=rng.randrange(8, 12))
    campaign_queue(
        workspace=workspace,
        campaign=campaign,
        contacts=campaign_audience(workspace=workspace, campaign=campaign),
    )
    recipients = list(campaign.recipients.filter(status=RecipientStatus.PENDING))
    for r in recipients:
        r.status = RecipientStatus.SENT
        r.sent_at = started + dt.timedelta(seconds=rng.randrange(1800))
        r.message_id = f"<{r.token}@demo.rapport.example>"
    Recipient.objects.bulk_update(recipients, ["status", "sent_at", "message_id"])
    opened, clicked, unsubscribed, bounced = rates
    events: list[TrackingEvent] = []
    for r in recipients:
        assert r.sent_at is not None
        fate = rng.random()
        if fate < bounced:
            recipient_bounced(recipient=r, detail="550 5.1.1 mailbox unavailable")
            continue
        if rng.random() < opened:
            at = r.sent_at + dt.timedelta(hours=rng.expovariate(1 / 20))
            events.append(tracking_event(r, EventKind.OPEN, at))
            if rng.random() < clicked / opened:
                events.append(
                    tracking_event(r, EventKind.CLICK, at + dt.timedelta(minutes=2), LINKS)
                )
            if rng.random() < unsubscribed / opened:
                recipient_unsubscribed(recipient=r)
    TrackingEvent.objects.bulk_create(events)
    # Suppressions' and opt-outs' events were written now: they happened after the send.
    late = TrackingEvent.objects.filter(campaign=campaign, at__gt=started + dt.timedelta(days=1))
    late.filter(kind__in=[EventKind.BOUNCE, EventKind.UNSUBSCRIBE]).update(
        at=started + dt.timedelta(hours=6)
    )
    ConsentEvent.objects.filter(
        source="unsubscribe link", note__contains=campaign.name, at__gt=started
    ).update(at=started + dt.timedelta(hours=6))
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.SENT,
        scheduled_at=started,
        started_at=started,
        finished_at=started + dt.timedelta(minutes=35),
        created_at=started - dt.timedelta(days=3),
        updated_at=started + dt.timedelta(minutes=35),
    )
    return started


def tracking_event(
    r: Recipient, kind: str, at: dt.datetime, links: list[str] | None = None
) -> TrackingEvent:
    return TrackingEvent(
        workspace_id=r.workspace_id,
        recipient=r,
        campaign_id=r.campaign_id,
        contact_id=r.contact_id,
        kind=kind,
        url=links[0] if links else "",
        at=at,
    )


def marketing_demo_fill(
    *, workspace: Workspace, users: list[AbstractUser], contacts: list[int], rng: random.Random
) -> list[tuple[Campaign, dt.datetime]]:
    """Returns the sent campaigns with their send times, for the leads they brought in."""
    actor = users[0]
    sent = []
    _consent(workspace, actor, contacts, rng)
    newsletter = _lists(workspace, actor, contacts, rng)
    segments = _segments(workspace, actor, newsletter)
    templates = _templates(workspace, actor)
    for name, template, days_ago, budget, cost, rates in CAMPAIGNS:
        campaign = campaign_create(
            workspace=workspace,
            actor=actor,
            data={
                "name": name,
                "template_id": templates[template].pk,
                "segment_id": segments["Prospects and leads"].pk,
                "budget": budget,
                "cost": cost,
            },
        )
        sent.append((campaign, _sent(campaign, days_ago, rates, rng)))
    campaign_create(
        workspace=workspace,
        actor=actor,
        data={
            "name": "November newsletter",
            "template_id": templates[0].pk,
            "static_list_id": newsletter.pk,
            "budget": "500.00",
        },
    )
    return sent
