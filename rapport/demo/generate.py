"""A realistic demo workspace, made with Faker through the same services users go through
(the bulk ones for the high-volume history).

Seeded, so two runs give the same names; every record lands in the audit trail like any other.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone
from faker import Faker

from rapport.activities.services import BULK_MAX, activity_bulk_create
from rapport.audit.context import audit_source
from rapport.contacts.models import LifecycleStage, SizeBand
from rapport.contacts.services import company_create, contact_create, custom_field_create
from rapport.core.hooks import records_gathered
from rapport.demo import activity_text as text
from rapport.demo.duplicates_data import duplicates_demo_fill
from rapport.demo.feedback_data import feedback_demo_fill
from rapport.demo.import_data import imports_demo_fill
from rapport.demo.knowledge_data import knowledge_demo_fill
from rapport.demo.lead_data import leads_demo_fill
from rapport.demo.marketing_data import marketing_demo_fill
from rapport.demo.names import company_domain, mailbox
from rapport.demo.sales_data import sales_demo_fill
from rapport.demo.sequence_data import sequence_demo_fill
from rapport.demo.service_data import service_demo_fill
from rapport.demo.timestamps import creations_audited_when_made, people_dated, working_time
from rapport.sales.models import Deal
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace
from rapport.tenancy.roles import Role
from rapport.tenancy.services import membership_add, user_create, workspace_create

DEMO_PASSWORD = "rapport-demo"
INDUSTRIES = [
    "Software",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Logistics",
    "Financial services",
    "Education",
    "Hospitality",
    "Construction",
    "Media",
    "Energy",
    "Legal",
]
SOURCES = ["website", "referral", "trade show", "cold outreach", "webinar", "partner", "import"]
STAGE_WEIGHTS = {
    LifecycleStage.SUBSCRIBER: 10,
    LifecycleStage.LEAD: 30,
    LifecycleStage.MARKETING_QUALIFIED: 12,
    LifecycleStage.SALES_QUALIFIED: 8,
    LifecycleStage.OPPORTUNITY: 8,
    LifecycleStage.CUSTOMER: 22,
    LifecycleStage.EVANGELIST: 4,
    LifecycleStage.CHURNED: 6,
}
TAGS = ["vip", "newsletter", "decision-maker", "champion", "at-risk", "partner", "event-2026"]
AREA_CODES = [212, 305, 312, 415, 503, 617, 702, 713, 206, 404, 512, 720]
CALL_OUTCOMES = ["connected", "connected", "connected", "left_voicemail", "no_answer", "busy"]


@dataclass
class DemoSize:
    users: int = 3
    companies: int = 300
    contacts: int = 3_000
    activities: int = 20_000
    deals: int = 2_000
    orders: int = 20_000
    leads: int = 400
    tickets: int = 1_500
    nps_contacts: int = 300


def demo_create(*, size: DemoSize | None = None, seed: int = 2026) -> Workspace:
    size = size or DemoSize()
    fake = Faker(["en_US"])
    Faker.seed(seed)
    rng = random.Random(seed)
    names = ["demo", "sam", "alex"][: size.users]
    users: list[AbstractUser] = [
        user_create(
            username=n,
            password=DEMO_PASSWORD,
            email=f"{n}@demo.rapport.example",
            first_name=n.title(),
        )
        for n in names
    ]
    with audit_source("cli"):
        workspace = workspace_create(name="Demo Company", owner=users[0], default_region="US")
        for user, role in zip(users[1:], [Role.MANAGER, Role.MEMBER], strict=False):
            membership_add(workspace=workspace, user=user, role=role)
        # One transaction, its changes announced once: the listeners (lead scoring) queue a
        # task per kind of record, not one per contact, which a worker beside `make run`
        # worked through for minutes, holding SQLite's write lock from logins.
        with workspace_scope(workspace), transaction.atomic(), records_gathered():
            _fill(workspace, users, size, fake, rng)
    return workspace


def _fill(
    workspace: Workspace, users: list[AbstractUser], size: DemoSize, fake: Faker, rng: random.Random
) -> None:
    actor = users[0]
    custom_field_create(
        workspace=workspace,
        actor=actor,
        data={
            "entity": "contact",
            "label": "Preferred language",
            "field_type": "choice",
            "choices": ["English", "French", "German", "Spanish"],
        },
    )
    custom_field_create(
        workspace=workspace,
        actor=actor,
        data={
            "entity": "company",
            "label": "Contract renewal",
            "field_type": "date",
        },
    )
    company_ids: list[int] = []
    domains: dict[int, str] = {}
    addresses: set[str] = set()
    for _ in range(size.companies):
        name = fake.unique.company()
        domain = company_domain(name, set(domains.values()))
        company = company_create(
            workspace=workspace,
            actor=rng.choice(users),
            data={
                "name": name,
                "domain": domain,
                "industry": rng.choice(INDUSTRIES),
                "size_band": rng.choice([v for v in SizeBand.values if v]),
                "annual_revenue": str(rng.randrange(100, 500_000) * 1000),
                "annual_revenue_currency": rng.choice(["USD", "USD", "EUR", "GBP"]),
                "city": fake.city(),
                "country": "US",
                "owner_id": rng.choice(users).pk,
                "tags": rng.sample(TAGS, rng.choice([0, 0, 1, 2])),
                "custom_fields": {"contract_renewal": fake.date_between("-1y", "+2y").isoformat()}
                if rng.random() < 0.3
                else {},
            },
        )
        company_ids.append(company.pk)
        domains[company.pk] = domain
    stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    contact_ids = []
    for _ in range(size.contacts):
        first, last = fake.first_name(), fake.last_name()
        company_id = rng.choice(company_ids) if rng.random() < 0.85 else None
        contact = contact_create(
            workspace=workspace,
            actor=rng.choice(users),
            data={
                "first_name": first,
                "last_name": last,
                # Most people at a company write from its domain; the rest from free mail.
                "emails": [
                    mailbox(first, last, domains[company_id], addresses)
                    if company_id and rng.random() < 0.8
                    else mailbox(first, last, fake.free_email_domain(), addresses)
                ],
                "phones": [f"+1 ({rng.choice(AREA_CODES)}) 555-01{rng.randrange(100):02d}"]
                if rng.random() < 0.7
                else [],
                "job_title": fake.job()[:150],
                "company_ids": [company_id] if company_id else [],
                "lifecycle_stage": rng.choices(stages, weights)[0],
                "owner_id": rng.choice(users).pk,
                "source": rng.choice(SOURCES),
                "city": fake.city(),
                "country": "US",
                "tags": rng.sample(TAGS, rng.choice([0, 0, 0, 1, 2])),
                "do_not_email": rng.random() < 0.05,
                "custom_fields": {"preferred_language": rng.choice(["English", "French", "German"])}
                if rng.random() < 0.4
                else {},
            },
        )
        contact_ids.append((contact.pk, company_id))
    now = timezone.now()
    by_author: dict[int, list[dict[str, object]]] = {u.pk: [] for u in users}
    for _ in range(size.activities):
        contact_id, company_id = rng.choice(contact_ids)
        by_author[rng.choice(users).pk].append(
            _activity_data(users, contact_id, company_id, now, fake, rng)
        )
    _activities_write(workspace, users, by_author)
    sales_demo_fill(
        workspace=workspace,
        users=users,
        contacts=contact_ids,
        rng=rng,
        deals=size.deals,
        orders=size.orders,
    )
    _deal_activities(workspace, users, now, fake, rng)
    campaigns = marketing_demo_fill(
        workspace=workspace, users=users, contacts=[pk for pk, _ in contact_ids], rng=rng
    )
    sequence_demo_fill(workspace=workspace, actor=users[0], rng=rng)
    leads_demo_fill(
        workspace=workspace,
        users=users,
        fake=fake,
        rng=rng,
        count=size.leads,
        campaigns=campaigns,
    )
    service_demo_fill(
        workspace=workspace, users=users, contacts=contact_ids, rng=rng, tickets=size.tickets
    )
    knowledge_demo_fill(workspace=workspace, users=users, contacts=contact_ids, rng=rng)
    feedback_demo_fill(
        workspace=workspace,
        users=users,
        contacts=contact_ids,
        rng=rng,
        nps_contacts=size.nps_contacts,
    )
    imports_demo_fill(workspace=workspace, user=users[1], fake=fake, rng=rng)
    people_dated(workspace=workspace, rng=rng, now=now)
    creations_audited_when_made(workspace=workspace)
    duplicates_demo_fill(workspace=workspace, users=users, rng=rng)


def _activities_write(
    workspace: Workspace, users: list[AbstractUser], by_author: dict[int, list[dict[str, object]]]
) -> None:
    """Each author's activities through the bulk service, as a busy team's would arrive."""
    for author in users:
        items = by_author[author.pk]
        for start in range(0, len(items), BULK_MAX):
            activity_bulk_create(
                workspace=workspace, actor=author, items=items[start : start + BULK_MAX]
            )


def _deal_activities(
    workspace: Workspace,
    users: list[AbstractUser],
    now: dt.datetime,
    fake: Faker,
    rng: random.Random,
) -> None:
    """A few calls, emails, meetings and tasks on most deals, between their creation and their
    close, with the deal's contact and company, so a deal's page has its history."""
    deals = Deal.objects.filter(workspace=workspace).values_list(
        "pk", "owner_id", "company_id", "created_at", "closed_at", "contact_links__contact_id"
    )
    by_author: dict[int, list[dict[str, object]]] = {u.pk: [] for u in users}
    for pk, owner_id, company_id, created, closed, contact_id in deals:
        if contact_id is None or rng.random() < 0.2:
            continue
        end = closed or now
        for _ in range(rng.randint(1, 4)):
            when = working_time(end, rng, days_back=max(1, (end - created).days))
            by_author[owner_id or users[0].pk].append(
                _activity_data(users, contact_id, company_id, now, fake, rng, when, pk)
            )
    _activities_write(workspace, users, by_author)


def _activity_data(
    users: list[AbstractUser],
    contact_id: int,
    company_id: int | None,
    now: dt.datetime,
    fake: Faker,
    rng: random.Random,
    when: dt.datetime | None = None,
    deal_id: int | None = None,
) -> dict[str, object]:
    kind = rng.choices(["note", "call", "email", "meeting", "task"], [25, 30, 25, 10, 10])[0]
    when = when or working_time(now, rng, days_back=730)
    data: dict[str, object] = {
        "kind": kind,
        "contact_ids": [contact_id],
        "company_ids": [company_id] if company_id else [],
        "occurred_at": when,
    }
    if deal_id:
        data["deal_ids"] = [deal_id]
    if kind == "note":
        data["body"] = text.note_body(rng)
    elif kind == "call":
        subject, body = text.call_text(rng)
        data.update(
            subject=subject,
            direction=rng.choice(["inbound", "outbound"]),
            duration_seconds=rng.randrange(30, 3600),
            outcome=rng.choice(CALL_OUTCOMES),
            body=body,
        )
    elif kind == "email":
        subject, body = text.email_text(rng)
        data.update(
            subject=subject,
            body=body,
            direction=rng.choice(["inbound", "outbound"]),
        )
    elif kind == "meeting":
        data.update(
            subject=text.meeting_subject(rng),
            starts_at=when,
            ends_at=when + dt.timedelta(minutes=rng.choice([30, 45, 60, 90])),
            attendees=[fake.name() for _ in range(rng.randrange(1, 4))],
        )
    else:
        due = when + dt.timedelta(days=rng.randrange(1, 30))
        data.update(
            subject=text.task_subject(rng),
            due_at=due,
            assignee_id=rng.choice(users).pk,
            # A team closes its old tasks: only the last three weeks' may still be open late.
            done=due < now and (rng.random() < 0.8 or due < now - dt.timedelta(days=21)),
        )
    return data
