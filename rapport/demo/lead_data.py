"""The demo's leads: a year of prospects from several sources, some still being worked, some
disqualified, and some converted into the demo's contacts, so that conversion by source shows
real differences between channels."""

import datetime as dt
import random

from django.contrib.auth.models import AbstractUser
from django.utils import timezone
from faker import Faker

from rapport.campaigns.models import Campaign
from rapport.contacts.models import ContactEmail
from rapport.sales.leads import lead_convert, lead_create, lead_disqualify
from rapport.sales.models import Lead
from rapport.tenancy.models import Workspace

# source -> (share of leads, share of them converted)
SOURCES = {
    "web form": (30, 0.20),
    "webinar": (20, 0.15),
    "trade show": (15, 0.12),
    "referral": (12, 0.40),
    "cold outreach": (15, 0.06),
    "partner": (8, 0.30),
}
OPEN_STATUSES = ["new", "new", "working", "working", "nurturing", "qualified"]
DISQUALIFY_REASONS = ["No budget", "Student", "Competitor", "Wrong region", "Spam", "No reply"]
CAMPAIGN_PULL = dt.timedelta(days=21)
TITLES = ["CEO", "Head of Sales", "VP Marketing", "Operations Manager", "IT Director", "Founder"]


def _campaign_of(
    created: dt.datetime, campaigns: list[tuple[Campaign, dt.datetime]], rng: random.Random
) -> Campaign | None:
    """Most leads that arrive in the three weeks after a campaign's send came from it."""
    for campaign, sent in campaigns:
        if sent <= created < sent + CAMPAIGN_PULL and rng.random() < 0.7:
            return campaign
    return None


def leads_demo_fill(
    *,
    workspace: Workspace,
    users: list[AbstractUser],
    fake: Faker,
    rng: random.Random,
    count: int,
    campaigns: list[tuple[Campaign, dt.datetime]],
) -> None:
    """Converted leads take the email of an existing demo contact, so conversion links them to
    it (as it does for a known person) and "became a customer" follows that contact's stage.
    Leads created soon after a campaign's send are mostly its own (attribution and ROI)."""
    known = list(
        ContactEmail.objects.filter(is_primary=True)
        .values_list("email", "contact__primary_company__name", "contact__primary_company__domain")
        .order_by("id")
    )
    rng.shuffle(known)
    now = timezone.now()
    sources = list(SOURCES)
    weights = [SOURCES[s][0] for s in sources]
    for _ in range(count):
        source = rng.choices(sources, weights)[0]
        created = now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        converts = known and rng.random() < SOURCES[source][1]
        email, company, domain = (
            known.pop() if converts else (fake.unique.email(), fake.company(), "")
        )
        owner = rng.choice(users)
        campaign = _campaign_of(created, campaigns, rng)
        lead = lead_create(
            workspace=workspace,
            actor=owner,
            data={
                "first_name": fake.first_name(),
                "last_name": fake.last_name(),
                "email": email,
                "job_title": rng.choice(TITLES),
                "company_name": company or "",
                "domain": domain or "",
                "source": source,
                "campaign_id": campaign.pk if campaign else None,
                "owner_id": owner.pk,
                "status": "new" if converts else rng.choice(OPEN_STATUSES),
            },
        )
        if converts:
            lead_convert(workspace=workspace, actor=owner, lead=lead)
        elif rng.random() < 0.2:
            lead_disqualify(
                workspace=workspace, actor=owner, lead=lead, reason=rng.choice(DISQUALIFY_REASONS)
            )
        converted_at = created + dt.timedelta(days=rng.randrange(1, 30)) if converts else None
        Lead.objects.filter(pk=lead.pk).update(
            created_at=created, updated_at=converted_at or created, converted_at=converted_at
        )
