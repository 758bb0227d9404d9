"""What a segment is worth: its members' stages, reach, purchases and deals, in one report.

A segment is reused by reports as it is by campaigns and exports: every figure here is one
aggregate query over the segment's own SQL (no loop over members), and amounts are converted
to the workspace's base currency (orders at their order date, won deals at their close date,
open deals at today's rate), so a report over a million members reads like one over ten.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from rapport.contacts.models import Contact, LifecycleStage
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import ConsentPurpose, Segment
from rapport.marketing.queries import consent_allowed_q, segment_members
from rapport.sales.currency import RateBook
from rapport.sales.models import Deal, Order, OrderStatus, StageOutcome
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


def _stages(members: QuerySet[Contact], total: int) -> list[StageCount]:
    counts = dict(
        members.order_by()
        .values_list("lifecycle_stage")
        .annotate(n=Count("pk"))
        .values_list("lifecycle_stage", "n")
    )
    return [
        StageCount(value, str(label), counts.get(value, 0), 100 * counts.get(value, 0) / total)
        for value, label in LifecycleStage.choices
        if counts.get(value)
    ]


def _deals_in_base(book: RateBook, deals: QuerySet[Deal]) -> Decimal:
    """`deals`' amounts summed per currency and close day in SQL, then valued by the sales
    rule (`RateBook.deals_to_base`: a closed deal at its close day's rate, an open one at
    today's)."""
    rows = (
        deals.annotate(day=TruncDate("closed_at"))
        .values("currency", "day")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    groups = [(row["amount"], row["currency"], row["day"]) for row in rows]
    return sum(book.deals_to_base(groups), Decimal(0))


def _build(workspace: Workspace, segment: Segment) -> SegmentReport:
    members = segment_members(workspace=workspace, segment=segment)
    ids = members.order_by().values("pk")
    total = members.count()
    orders = Order.objects.filter(contact_id__in=ids)
    deals = Deal.objects.filter(pk__in=Deal.objects.filter(contact_links__contact_id__in=ids))
    open_deals = deals.filter(outcome=StageOutcome.OPEN)
    won = deals.filter(outcome=StageOutcome.WON, closed_at__gte=timezone.now() - WON_WINDOW)
    amounts = {"lifetime": Decimal(0), "open": Decimal(0), "won": Decimal(0)}
    problem = ""
    try:
        book = RateBook(workspace)
        amounts["lifetime"] = revenue_in_base(workspace=workspace, orders=orders, book=book)
        amounts["open"] = _deals_in_base(book, open_deals)
        amounts["won"] = _deals_in_base(book, won)
    except ServiceValidationError as error:
        problem = "; ".join(e.message for e in error.errors)
    paid = orders.filter(status__in=[OrderStatus.PAID, OrderStatus.FULFILLED])
    return SegmentReport(
        currency=workspace.base_currency,
        members=total,
        stages=_stages(members, total) if total else [],
        email_reachable=members.filter(consent_allowed_q(ConsentPurpose.EMAIL_MARKETING)).count(),
        buyers=paid.order_by().values("contact_id").distinct().count(),
        lifetime_revenue=amounts["lifetime"],
        revenue_per_member=(amounts["lifetime"] / total).quantize(Decimal("0.01"))
        if total
        else Decimal(0),
        open_deals=open_deals.count(),
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
