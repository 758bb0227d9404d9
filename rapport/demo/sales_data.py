"""The demo's sales history: pipelines, products, rates, 2,000 deals with a realistic stage
history over two years, and 20,000 orders. Written in bulk (with their audit entries), since
going through the services one record at a time would take minutes."""

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db.models import Min
from django.utils import timezone

from rapport.audit.models import AuditAction, AuditEntry
from rapport.audit.services import audit_bulk_created, snapshot
from rapport.contacts.models import Company, Contact, LifecycleStage
from rapport.demo.forecast_history import forecast_history_fill
from rapport.demo.timestamps import keep_given_timestamps
from rapport.sales.models import (
    Deal,
    DealContact,
    DealStageChange,
    ForecastCategory,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Stage,
    StageOutcome,
)
from rapport.sales.services import (
    DEAL_AUDITED,
    ORDER_AUDITED,
    exchange_rate_set,
    pipeline_create,
    product_create,
)
from rapport.tenancy.models import Workspace

CENT = Decimal("0.01")
PRODUCTS = [
    ("CRM-SEAT", "CRM seat (annual)", 600),
    ("CRM-PRO", "CRM Pro seat (annual)", 1200),
    ("ONBOARD", "Onboarding package", 2500),
    ("TRAIN-DAY", "Training day", 1400),
    ("INTEG", "Integration setup", 4000),
    ("SUPPORT-P", "Premium support (annual)", 3000),
    ("DATA-MIG", "Data migration", 1800),
    ("API-PACK", "API call pack", 300),
    ("SMS-1K", "SMS credits (1,000)", 45),
    ("EMAIL-10K", "Email credits (10,000)", 90),
    ("HW-SCAN", "Badge scanner", 240),
    ("CONSULT-H", "Consulting hour", 180),
]
RATES_START = {"EUR": 1.08, "GBP": 1.27}
# What a sales team names its deals: the customer and what is being sold.
NEW_BUSINESS_SUBJECTS = [
    "{seats} CRM seats",
    "{seats} Pro seats",
    "Pro upgrade",
    "onboarding and data migration",
    "integration project",
    "premium support",
    "training programme",
    "pilot for {seats} users",
]
SEATS = [5, 10, 15, 20, 25, 40, 50, 80, 120]
LOST_REASONS = [
    "Price",
    "Went with a competitor",
    "No budget",
    "No decision",
    "Timing",
    "Missing feature",
]


def _rates(workspace: Workspace, actor: AbstractUser, rng: random.Random, today: dt.date) -> None:
    """Monthly rates for 30 months, a small random walk from a plausible start."""
    for currency, rate in RATES_START.items():
        value = rate
        for back in range(30, -1, -1):
            month = (today.year * 12 + today.month - 1) - back
            day = dt.date(month // 12, month % 12 + 1, 1)
            value *= math.exp(rng.gauss(0, 0.015))
            exchange_rate_set(
                workspace=workspace,
                actor=actor,
                currency=currency,
                day=day,
                rate=Decimal(str(round(value, 4))),
            )


def sales_demo_fill(
    *,
    workspace: Workspace,
    users: list[AbstractUser],
    contacts: list[tuple[int, int | None]],
    rng: random.Random,
    deals: int = 2_000,
    orders: int = 20_000,
) -> None:
    actor = users[0]
    now = timezone.now()
    _rates(workspace, actor, rng, now.date())
    new_business = pipeline_create(
        workspace=workspace,
        actor=actor,
        name="New business",
        stages=[
            {"name": "Qualification", "probability": 10},
            {"name": "Discovery", "probability": 25},
            {"name": "Proposal", "probability": 50},
            {"name": "Negotiation", "probability": 75},
            {"name": "Closed won", "outcome": "won"},
            {"name": "Closed lost", "outcome": "lost"},
        ],
    )
    renewals = pipeline_create(
        workspace=workspace,
        actor=actor,
        name="Renewals",
        stages=[
            {"name": "Upcoming", "probability": 60},
            {"name": "In talks", "probability": 80},
            {"name": "Renewed", "outcome": "won"},
            {"name": "Churned", "outcome": "lost"},
        ],
    )
    products = [
        product_create(
            workspace=workspace,
            actor=actor,
            data={
                "sku": sku,
                "name": name,
                "prices": {"USD": str(p), "EUR": str(round(p * 0.93)), "GBP": str(round(p * 0.8))},
            },
        )
        for sku, name, p in PRODUCTS
    ]
    won = _deals(workspace, users, contacts, rng, now, deals, [new_business, renewals])
    _orders(workspace, actor, contacts, products, rng, now, won, orders)
    _buyers_are_customers(workspace)
    forecast_history_fill(workspace=workspace, today=now.date())


def _deals(
    workspace: Workspace,
    users: list[AbstractUser],
    contacts: list[tuple[int, int | None]],
    rng: random.Random,
    now: dt.datetime,
    count: int,
    pipelines: list[Any],
) -> list[Deal]:
    stages = {p.pk: list(p.stages.order_by("position")) for p in pipelines}
    customers = _customer_names(contacts)
    built: list[tuple[Deal, list[DealStageChange], int]] = []
    for i in range(count):
        pipeline = pipelines[0] if rng.random() < 0.8 else pipelines[1]
        open_stages = [s for s in stages[pipeline.pk] if s.outcome == StageOutcome.OPEN]
        won_stage = next(s for s in stages[pipeline.pk] if s.outcome == StageOutcome.WON)
        lost_stage = next(s for s in stages[pipeline.pk] if s.outcome == StageOutcome.LOST)
        created = now - dt.timedelta(days=rng.uniform(2, 730))
        contact_id, company_id = rng.choice(contacts)
        currency = rng.choices(["USD", "EUR", "GBP"], [70, 20, 10])[0]
        amount = Decimal(str(round(rng.lognormvariate(math.log(8000), 0.8), -1))).quantize(CENT)
        deal = Deal(
            workspace=workspace,
            name=_deal_name(rng, customers[(contact_id, company_id)], pipeline != pipelines[0]),
            amount=amount,
            currency=currency,
            pipeline=pipeline,
            owner_id=rng.choice(users).pk,
            company_id=company_id,
            expected_close_date=(created + dt.timedelta(days=rng.randint(30, 120))).date(),
            created_at=created,
            updated_at=created,
            position=float(i),
        )
        changes, at, stage = [], created, open_stages[0]
        changes.append(DealStageChange(workspace=workspace, to_stage=stage, changed_at=at))
        for step, nxt in enumerate([*open_stages[1:], None]):
            at = at + dt.timedelta(days=rng.expovariate(1 / 12))
            if at > now:
                break
            advance = 0.8 - 0.1 * step if nxt else 0.55
            target: Stage = (nxt or won_stage) if rng.random() < advance else lost_stage
            changes.append(
                DealStageChange(
                    workspace=workspace, from_stage=stage, to_stage=target, changed_at=at
                )
            )
            stage = target
            if target.outcome != StageOutcome.OPEN:
                break
        deal.stage, deal.outcome = stage, stage.outcome
        deal.stage_entered_at = deal.last_activity_at = changes[-1].changed_at
        deal.updated_at = deal.stage_entered_at
        if stage.outcome != StageOutcome.OPEN:
            deal.closed_at = deal.stage_entered_at
        if stage.outcome == StageOutcome.LOST:
            deal.lost_reason = rng.choice(LOST_REASONS)
        if stage.outcome == StageOutcome.OPEN:
            # Most overdue open deals were re-dated by their owner; a few stay (at risk).
            overdue = deal.expected_close_date and deal.expected_close_date < now.date()
            if overdue and rng.random() < 0.85:
                deal.expected_close_date = now.date() + dt.timedelta(days=rng.randint(5, 150))
            deal.forecast_category = (
                ForecastCategory.COMMIT
                if stage.probability >= 75
                else ForecastCategory.BEST_CASE
                if stage.probability >= 50
                else ForecastCategory.PIPELINE
            )
        built.append((deal, changes, contact_id))
    with keep_given_timestamps(Deal):
        Deal.objects.bulk_create([d for d, _, _ in built], batch_size=500)
    history, links = [], []
    for deal, changes, contact_id in built:
        for change in changes:
            change.deal = deal
            change.actor_id = deal.owner_id
            history.append(change)
        links.append(
            DealContact(
                workspace=workspace, deal=deal, contact_id=contact_id, role="decision_maker"
            )
        )
    DealStageChange.objects.bulk_create(history, batch_size=1000)
    DealContact.objects.bulk_create(links, batch_size=1000)
    audit_bulk_created(
        workspace_id=workspace.pk,
        actor=None,
        created=[(d, snapshot(d, DEAL_AUDITED)) for d, _, _ in built],
    )
    return [d for d, _, _ in built if d.outcome == StageOutcome.WON]


BEFORE_CUSTOMER = [
    LifecycleStage.SUBSCRIBER,
    LifecycleStage.LEAD,
    LifecycleStage.MARKETING_QUALIFIED,
    LifecycleStage.SALES_QUALIFIED,
    LifecycleStage.OPPORTUNITY,
]


def _buyers_are_customers(workspace: Workspace) -> None:
    """A contact who paid for an order is a customer from that day: moved there in bulk, each
    move audited at the first paid order's time, as the stage change would have been."""
    first_paid = dict(
        Order.objects.filter(
            workspace=workspace,
            status__in=[OrderStatus.PAID, OrderStatus.FULFILLED],
            contact__lifecycle_stage__in=BEFORE_CUSTOMER,
        )
        .values("contact_id")
        .annotate(first=Min("ordered_at"))
        .values_list("contact_id", "first")
    )
    buyers = Contact.objects.filter(pk__in=first_paid)
    entries = [
        AuditEntry(
            workspace=workspace,
            at=first_paid[c.pk],
            source="cli",
            action=AuditAction.UPDATE,
            entity="contacts.contact",
            object_id=c.pk,
            object_repr=str(c)[:200],
            changes={"lifecycle_stage": [c.lifecycle_stage, LifecycleStage.CUSTOMER]},
        )
        for c in buyers.only("pk", "first_name", "last_name", "email", "lifecycle_stage")
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    buyers.update(lifecycle_stage=LifecycleStage.CUSTOMER)


def _customer_names(contacts: list[tuple[int, int | None]]) -> dict[tuple[int, int | None], str]:
    """Each (contact, company) pair's customer name: the company's, else the contact's."""
    companies = dict(
        Company.objects.filter(pk__in={co for _, co in contacts if co}).values_list("pk", "name")
    )
    people = {
        pk: f"{first} {last}".strip()
        for pk, first, last in Contact.objects.filter(pk__in={c for c, _ in contacts}).values_list(
            "pk", "first_name", "last_name"
        )
    }
    return {(c, co): companies.get(co) or people.get(c) or "" for c, co in contacts}


def _deal_name(rng: random.Random, customer: str, renewal: bool) -> str:
    subject = "renewal" if renewal else rng.choice(NEW_BUSINESS_SUBJECTS)
    return f"{customer} — {subject.format(seats=rng.choice(SEATS))}"[:200]


def _orders(
    workspace: Workspace,
    actor: AbstractUser,
    contacts: list[tuple[int, int | None]],
    products: list[Any],
    rng: random.Random,
    now: dt.datetime,
    won: list[Deal],
    count: int,
) -> None:
    prices = {(p.pk, pp.currency): pp.unit_price for p in products for pp in p.prices.all()}
    orders: list[Order] = []
    lines: list[list[OrderLine]] = []
    for deal in won:
        deal_contact = deal.contact_links.values_list("contact_id", flat=True).first()
        orders.append(
            Order(
                workspace=workspace,
                ordered_at=deal.closed_at or now,
                status=OrderStatus.PAID,
                channel=OrderChannel.SALES,
                currency=deal.currency,
                contact_id=deal_contact,
                company_id=deal.company_id,
                deal=deal,
                total=deal.amount,
            )
        )
        lines.append(
            [
                OrderLine(
                    workspace=workspace,
                    description=deal.name,
                    quantity=1,
                    unit_price=deal.amount,
                    line_total=deal.amount,
                )
            ]
        )
    # Repeat buyers: a fifth of the contacts place most e-commerce orders.
    buyers = rng.sample(contacts, max(1, len(contacts) // 5))
    for n in range(max(0, count - len(orders))):
        contact_id, company_id = rng.choice(buyers) if rng.random() < 0.8 else rng.choice(contacts)
        days_back = 730 * (1 - math.sqrt(rng.random()))  # more orders recently: a growing shop
        when = now - dt.timedelta(days=days_back, minutes=rng.randint(0, 1440))
        currency = rng.choices(["USD", "EUR", "GBP"], [75, 17, 8])[0]
        order_lines = []
        for product in rng.sample(products, rng.choice([1, 1, 1, 2, 2, 3])):
            quantity = Decimal(rng.choice([1, 1, 1, 2, 3, 5, 10]))
            price = prices[(product.pk, currency)]
            order_lines.append(
                OrderLine(
                    workspace=workspace,
                    product=product,
                    sku=product.sku,
                    description=product.name,
                    quantity=quantity,
                    unit_price=price,
                    line_total=(quantity * price).quantize(CENT),
                )
            )
        status = rng.choices(
            [OrderStatus.FULFILLED, OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.CANCELLED],
            [80, 12, 5, 3],
        )[0]
        orders.append(
            Order(
                workspace=workspace,
                external_id=f"SHOP-{100001 + n}",
                ordered_at=when,
                status=status,
                channel=OrderChannel.ECOMMERCE,
                currency=currency,
                contact_id=contact_id,
                company_id=company_id,
                total=sum((ln.line_total for ln in order_lines), Decimal(0)),
            )
        )
        lines.append(order_lines)
    for order in orders:
        order.created_at = order.updated_at = order.ordered_at
    with keep_given_timestamps(Order):
        Order.objects.bulk_create(orders, batch_size=1000)
    for order, order_lines in zip(orders, lines, strict=True):
        for line in order_lines:
            line.order = order
    OrderLine.objects.bulk_create([ln for group in lines for ln in group], batch_size=1000)
    audit_bulk_created(
        workspace_id=workspace.pk,
        actor=actor,
        created=[(o, snapshot(o, ORDER_AUDITED)) for o in orders],
    )
