"""What a segment is worth: its members' stages, reach, purchases and deals, in one report.

A segment is reused by reports as it is by campaigns and exports: every figure here is one
aggregate query over the segment's own SQL (no loop over members), and amounts are converted
to the workspace's base currency (orders at their order date, won deals at their close date,
open deals at today's rate), so a report over a million members reads like one over ten.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from rapport.contacts.models import Contact, LifecycleStage
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import ConsentPurpose, Segment
from rapport.marketing.queries import consent_allowed_q, segment_members
from rapport.sales.currency import RateBook
from rapport.sales.models import Deal, DealContact, Order, OrderStatus, StageOutcome
from rapport.sales.queries import revenue_in_base
from rapport.tenancy.data_version import kept
from rapport.tenancy.models import Workspace

WON_WINDOW = dt.timedelta(days=365)


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int
    share: float  # of the members, 0..100


@dataclass(frozen=True)
class SegmentReport:
    currency: str
    members: int
    stages: list[StageCount]
    email_reachable: int  # opted in to email marketing and not "do not email"
    buyers: int  # members with a paid or fulfilled order
    lifetime_revenue: Decimal
    revenue_per_member: Decimal
    open_deals: int
    open_pipeline: Decimal
    won_last_year: Decimal
    # Why the amounts could not be converted (a missing exchange rate), else "".
    problem: str = ""


@dataclass(frozen=True)
class _MemberCounts:
    total: int
    stages: list[StageCount]
    email_reachable: int
    buyers: int


def _member_counts(members: QuerySet[Contact]) -> _MemberCounts:
    """The members per lifecycle stage, and how many email may reach and how many bought (a
    paid or fulfilled order): one pass over the segment's SQL, each member's consent and
    orders looked up by its own indexes."""
    paid = Order.objects.filter(
        contact_id=OuterRef("pk"), status__in=[OrderStatus.PAID, OrderStatus.FULFILLED]
    )
    rows = (
        members.order_by()
        .values("lifecycle_stage")
        .annotate(
            n=Count("pk"),
            reachable=Count("pk", filter=consent_allowed_q(ConsentPurpose.EMAIL_MARKETING)),
            buyers=Count("pk", filter=Q(Exists(paid)), distinct=True),
        )
        .values_list("lifecycle_stage", "n", "reachable", "buyers")
    )
    counts = {stage: (n, reachable, buyers) for stage, n, reachable, buyers in rows}
    total = sum(c[0] for c in counts.values())
    return _MemberCounts(
        total=total,
        stages=[
            StageCount(value, str(label), counts[value][0], 100 * counts[value][0] / total)
            for value, label in LifecycleStage.choices
            if counts.get(value, (0,))[0]
        ],
        email_reachable=sum(c[1] for c in counts.values()),
        buyers=sum(c[2] for c in counts.values()),
    )


@dataclass(frozen=True)
class _DealGroups:
    """The members' open deals and their deals won in the window, summed per outcome,
    currency and close day."""

    open_count: int
    open: list[tuple[Decimal, str, dt.date | None]]
    won: list[tuple[Decimal, str, dt.date | None]]


def _deal_groups(ids: QuerySet[Contact, Any]) -> _DealGroups:
    """One query. The deals are found from the link table by contact (its contact index), each
    deal once: asking the deals for a link to any member made SQLite probe every deal of the
    workspace once per member (2,000 deals × 2,261 members, a second a query on the demo)."""
    deals = Deal.objects.filter(
        pk__in=DealContact.objects.filter(contact_id__in=ids).values("deal_id")
    )
    rows = (
        deals.filter(
            Q(outcome=StageOutcome.OPEN)
            | Q(outcome=StageOutcome.WON, closed_at__gte=timezone.now() - WON_WINDOW)
        )
        .annotate(day=TruncDate("closed_at"))
        .values("outcome", "currency", "day")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    groups: dict[str, list[tuple[Decimal, str, dt.date | None]]] = {"open": [], "won": []}
    open_count = 0
    for row in rows:
        groups[row["outcome"]].append((row["amount"], row["currency"], row["day"]))
        open_count += row["n"] if row["outcome"] == StageOutcome.OPEN else 0
    return _DealGroups(open_count, groups["open"], groups["won"])


def _build(workspace: Workspace, segment: Segment) -> SegmentReport:
    members = segment_members(workspace=workspace, segment=segment)
    ids = members.order_by().values("pk")
    counts = _member_counts(members)
    total = counts.total
    deals = _deal_groups(ids)
    amounts = {"lifetime": Decimal(0), "open": Decimal(0), "won": Decimal(0)}
    problem = ""
    try:
        book = RateBook(workspace)
        amounts["lifetime"] = revenue_in_base(
            workspace=workspace, orders=Order.objects.filter(contact_id__in=ids), book=book
        )
        amounts["open"] = sum(book.deals_to_base(deals.open), Decimal(0))
        amounts["won"] = sum(book.deals_to_base(deals.won), Decimal(0))
    except ServiceValidationError as error:
        problem = "; ".join(e.message for e in error.errors)
    return SegmentReport(
        currency=workspace.base_currency,
        members=total,
        stages=counts.stages,
        email_reachable=counts.email_reachable,
        buyers=counts.buyers,
        lifetime_revenue=amounts["lifetime"],
        revenue_per_member=(amounts["lifetime"] / total).quantize(Decimal("0.01"))
        if total
        else Decimal(0),
        open_deals=deals.open_count,
        open_pipeline=amounts["open"],
        won_last_year=amounts["won"],
        problem=problem,
    )


def segment_report(*, workspace: Workspace, segment: Segment) -> SegmentReport:
    """The report, kept per data version and day (the year's window and today's rates move
    with the day; conditions relative to now, such as "no call in 90 days", with it)."""
    return kept(
        workspace=workspace,
        name="segment-report",
        inputs=(segment.pk, timezone.now().date().isoformat()),
        build=lambda: _build(workspace, segment),
    )
