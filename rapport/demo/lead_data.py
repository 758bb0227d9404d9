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
from rapport.demo.names import prospect
from rapport.sales.leads import lead_convert, lead_create, lead_disqualify
from rapport.sales.models import Lead
from rapport.sales.scoring import scoring_rule_create
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
FREE_MAIL = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"]
# What a sales team scores a prospect on: who they are, where they came from, how reachable.
LEAD_RULES = [
    {"field": "job_title", "operator": "in", "value": "CEO, Founder, Head of Sales", "points": 25},
    {"field": "job_title", "operator": "contains", "value": "Director", "points": 15},
    {"field": "source", "operator": "in", "value": "referral, partner", "points": 20},
    {"field": "source", "operator": "equals", "value": "webinar", "points": 10},
    {"field": "company_name", "operator": "present", "value": "", "points": 10},
    {"field": "phone", "operator": "present", "value": "", "points": 5},
    {"field": "email_domain", "operator": "in", "value": ", ".join(FREE_MAIL), "points": -15},
]


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
    for rule in LEAD_RULES:
        scoring_rule_create(workspace=workspace, actor=users[0], data={"target": "lead", **rule})
    known = list(
        ContactEmail.objects.filter(is_primary=True)
        .values_list(
            "contact__first_name",
            "contact__last_name",
            "email",
            "contact__primary_company__name",
            "contact__primary_company__domain",
        )
        .order_by("id")
    )
    rng.shuffle(known)
    taken = {email for _, _, email, _, _ in known}
    now = timezone.now()
    sources = list(SOURCES)
    weights = [SOURCES[s][0] for s in sources]
    for _ in range(count):
        source = rng.choices(sources, weights)[0]
        created = now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        converts = known and rng.random() < SOURCES[source][1]
        first, last, email, company, domain = (
            known.pop() if converts else prospect(fake, rng, taken, FREE_MAIL)
        )
        owner = rng.choice(users)
        campaign = _campaign_of(created, campaigns, rng)
        lead = lead_create(
            workspace=workspace,
            actor=owner,
            data={
                "first_name": first,
                "last_name": last,
                "phone": fake.numerify("+1 202 555 01##") if rng.random() < 0.4 else "",
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
