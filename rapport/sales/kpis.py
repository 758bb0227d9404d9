"""Sales KPIs over a period, in the workspace's base currency.

- win rate: won / (won + lost) among deals closed in the period;
- average deal size: mean won amount;
- sales cycle: mean days from a won deal's creation to its win;
- pipeline velocity: open deals × average deal size × win rate / sales cycle, i.e. the
  revenue the current pipeline is expected to bring per day;
- deals at risk: open deals past their expected close date, or with no activity in N days.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from rapport.sales.currency import CENT, RateBook
from rapport.sales.models import Deal, StageOutcome
from rapport.tenancy.models import Workspace

ZERO = Decimal(0)
STALE_DAYS = 14


@dataclass
class SalesKpis:
    currency: str
    deals_won: int
    deals_lost: int
    win_rate: Decimal | None
    revenue_won: Decimal
    average_deal_size: Decimal | None
    sales_cycle_days: Decimal | None
    open_deals: int
    pipeline_velocity_per_day: Decimal | None


def sales_kpis(
    *, workspace: Workspace, start: dt.date, end: dt.date, owner_id: int | None = None
) -> SalesKpis:
    book = RateBook(workspace)
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    end_at = dt.datetime.combine(end, dt.time.min, tzinfo=dt.UTC)
    deals = Deal.objects.all() if owner_id is None else Deal.objects.filter(owner_id=owner_id)
    # Only won and lost deals count below; naming both lets `deal_closed_idx` (outcome, then
    # the close time) serve the range instead of a scan of every deal.
    closed = deals.filter(
        outcome__in=[StageOutcome.WON, StageOutcome.LOST],
        closed_at__gte=start_at,
        closed_at__lt=end_at,
    )
    won_q = Q(outcome=StageOutcome.WON)
    counts = closed.aggregate(
        # closed_at, not the id (never null here, and in `deal_closed_idx`: no table reads).
        won=Count("closed_at", filter=won_q),
        lost=Count("closed_at", filter=Q(outcome=StageOutcome.LOST)),
        cycle=Avg(
            ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()),
            filter=won_q,
        ),
    )
    won_rows = (
        closed.filter(outcome=StageOutcome.WON)
        .annotate(day=TruncDate("closed_at"))
        .values("currency", "day")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    # Valued as the forecast values won deals: at the rate of the day each was won.
    revenue = sum(book.deals_to_base((r["total"], r["currency"], r["day"]) for r in won_rows), ZERO)
    won, lost = counts["won"], counts["lost"]
    win_rate = Decimal(won) / Decimal(won + lost) if won + lost else None
    average = (revenue / won).quantize(CENT) if won else None
    cycle = (
        (Decimal(counts["cycle"].total_seconds()) / 86400).quantize(Decimal("0.1"))
        if counts["cycle"] is not None
        else None
    )
    open_count = deals.filter(outcome=StageOutcome.OPEN).count()
    velocity = None
    if average is not None and win_rate is not None and cycle:
        velocity = (open_count * average * win_rate / cycle).quantize(CENT)
    return SalesKpis(
        workspace.base_currency, won, lost, win_rate, revenue, average, cycle, open_count, velocity
    )


def deals_at_risk(*, stale_days: int = STALE_DAYS, today: dt.date | None = None) -> QuerySet[Deal]:
    """Open deals past their expected close date or without an activity in `stale_days`,
    quietest first (`last_activity_at` is their creation when they never had one)."""
    now = (
        timezone.now() if today is None else dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)
    )
    return (
        Deal.objects.filter(outcome=StageOutcome.OPEN)
        .filter(
            Q(expected_close_date__lt=now.date())
            | Q(last_activity_at__lt=now - dt.timedelta(days=stale_days))
        )
        .select_related("owner", "stage")
        .order_by("last_activity_at", "id")
    )
