"""Sales forecasts per period and owner, in the workspace's base currency.

- closed won: deals won in the period, converted at the rate of their close date;
- pipeline: open deals expected to close in the period (not omitted), unweighted;
- weighted: open amount × the stage's configured probability;
- commit: closed won + open deals in the commit category; best case adds best-case deals;
- calibrated: closed won + open amount × the stage's *observed* win rate, i.e. the share of the
  workspace's closed deals that passed through that stage and were won. The observed rate is
  shrunk toward the configured probability with the weight of `PRIOR_DEALS` deals, so a stage
  with little history is not trusted blindly.

Open deals have not closed, so they are valued at the latest known rate; won deals at the rate
of the day they were won (`RateBook.deal_to_base`, the rule the deal list's total follows too).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from rapport.sales import forecast_sql
from rapport.sales.currency import CENT, RateBook
from rapport.sales.models import (
    Deal,
    DealOpenMonthTotal,
    DealStageChange,
    DealWonDayTotal,
    ForecastCategory,
    ForecastSnapshot,
    Stage,
    StageOutcome,
)
from rapport.tenancy.models import Workspace

PRIOR_DEALS = Decimal(10)
ZERO = Decimal(0)
# The time zones whose days are UTC's (the kept won sums' days).
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Zulu"})


def period_of(day: dt.date, granularity: str) -> str:
    if granularity == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


@dataclass
class ForecastRow:
    period: str
    owner_id: int | None
    closed_won: Decimal = ZERO
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    calibrated: Decimal = ZERO
    deals_won: int = 0
    deals_open: int = 0


@dataclass
class Forecast:
    granularity: str
    base_currency: str
    rows: list[ForecastRow]
    observed_rates: dict[int, Decimal] = field(default_factory=dict)

    def totals_by_period(self) -> list[ForecastRow]:
        out: dict[str, ForecastRow] = {}
        for r in self.rows:
            t = out.setdefault(r.period, ForecastRow(r.period, None))
            for name in (
                "closed_won",
                "pipeline",
                "weighted",
                "commit",
                "best_case",
                "calibrated",
                "deals_won",
                "deals_open",
            ):
                setattr(t, name, getattr(t, name) + getattr(r, name))
        return [out[k] for k in sorted(out)]


OBSERVED_CACHE_SECONDS = 600


def observed_win_rates(*, workspace: Workspace) -> dict[int, Decimal]:
    """Per stage: P(won | a closed deal passed through the stage), shrunk toward the config.

    Counting every stage change costs a scan of the history, so the result is cached per
    workspace under the newest stage change's id: any move makes a new key at once. Deleting
    deals does not, and ages out with the cache (ten minutes); the figure is an estimate.
    """
    newest = DealStageChange.objects.aggregate(m=Max("id"))["m"]
    key = f"sales:observed-win-rates:{workspace.pk}:{newest}"
    cached: dict[int, Decimal] | None = cache.get(key)
    if cached is None:
        cached = _observed_win_rates()
        cache.set(key, cached, OBSERVED_CACHE_SECONDS)
    return cached


def _observed_win_rates() -> dict[int, Decimal]:
    counts = (
        DealStageChange.objects.filter(deal__outcome__in=[StageOutcome.WON, StageOutcome.LOST])
        .values("to_stage_id")
        .annotate(
            n=Count("deal_id", distinct=True),
            won=Count("deal_id", distinct=True, filter=Q(deal__outcome=StageOutcome.WON)),
        )
    )
    seen = {row["to_stage_id"]: (row["n"], row["won"]) for row in counts}
    rates: dict[int, Decimal] = {}
    for stage_id, probability, outcome in Stage.objects.values_list("id", "probability", "outcome"):
        if outcome != StageOutcome.OPEN:
            rates[stage_id] = Decimal(1) if outcome == StageOutcome.WON else ZERO
            continue
        n, won = seen.get(stage_id, (0, 0))
        prior = probability / 100
        rates[stage_id] = (Decimal(won) + PRIOR_DEALS * prior) / (Decimal(n) + PRIOR_DEALS)
    return rates


def forecast(
    *,
    workspace: Workspace,
    start: dt.date,
    end: dt.date,
    granularity: str = "month",
    by_owner: bool = True,
    pipeline_id: int | None = None,
) -> Forecast:
    """Figures for periods overlapping [start, end), one row per (period, owner).

    The groups' amounts are converted in two batches (`RateBook.deals_to_base`), one for the
    won groups, one for the open ones; a 13-month window over the bench has about 2,800."""
    if granularity not in ("month", "quarter"):
        raise ValueError("granularity must be month or quarter")
    book = RateBook(workspace)
    deals = Deal.objects.all()
    if pipeline_id is not None:
        deals = deals.filter(pipeline_id=pipeline_id)
    rows: dict[tuple[str, int | None], ForecastRow] = {}
    periods: dict[dt.date, str] = {}

    def row(day: dt.date, owner_id: int | None) -> ForecastRow:
        period = periods.get(day)
        if period is None:
            period = periods[day] = period_of(day, granularity)
        key = (period, (owner_id or None) if by_owner else None)
        found = rows.get(key)
        if found is None:
            found = rows[key] = ForecastRow(*key)
        return found

    won = won_groups(
        workspace=workspace, deals=deals, start=start, end=end, pipeline_id=pipeline_id
    )
    won_amounts = book.deals_to_base((total, currency, day) for _, currency, day, total, _ in won)
    for (owner_id, _, day, _, n), amount in zip(won, won_amounts, strict=True):
        target = row(day, owner_id)
        target.closed_won += amount
        target.deals_won += n
    # Every row so far holds won deals only: commit, best case and calibrated start there.
    for target in rows.values():
        target.commit = target.best_case = target.calibrated = target.closed_won

    probability = dict(Stage.objects.values_list("id", "probability"))
    observed = observed_win_rates(workspace=workspace)
    opened = open_groups(
        workspace=workspace, deals=deals, start=start, end=end, pipeline_id=pipeline_id
    )
    open_amounts = book.deals_to_base(
        (total, currency, None) for *_, currency, _, total, _ in opened
    )
    for (owner_id, stage_id, category, _, month, _, n), amount in zip(
        opened, open_amounts, strict=True
    ):
        target = row(month, owner_id)
        target.pipeline += amount
        target.deals_open += n
        target.weighted += (amount * probability[stage_id] / 100).quantize(CENT)
        target.calibrated += (amount * observed[stage_id]).quantize(CENT)
        if category == ForecastCategory.COMMIT:
            target.commit += amount
            target.best_case += amount
        elif category == ForecastCategory.BEST_CASE:
            target.best_case += amount
    ordered = sorted(rows.values(), key=lambda x: (x.period, x.owner_id or 0))
    return Forecast(granularity, workspace.base_currency, ordered, observed)


# A won group: (owner id, currency, day won, amount, deals); an open group: (owner id, stage
# id, forecast category, currency, month, amount, deals). An owner id of 0 or None: no owner.
Group = tuple[Any, ...]


def won_groups(
    *,
    workspace: Workspace,
    deals: QuerySet[Deal],
    start: dt.date,
    end: dt.date,
    pipeline_id: int | None,
) -> list[Group]:
    """Deals won in [start, end) (UTC midnights), summed per (owner, currency, day won in the
    current time zone): each day's sum is converted at that day's rate.

    In UTC, the default time zone, the days are the kept sums' (`DealWonDayTotal`, one row
    per day instead of every won deal; on PostgreSQL read by `forecast_sql`); another time
    zone's days differ, and its requests sum the deals. All give the same groups."""
    if timezone.get_current_timezone_name() not in UTC_NAMES:
        return list(won_groups_summed(deals=deals, start=start, end=end))
    if forecast_sql.applies():
        return forecast_sql.won_rows(
            workspace_id=workspace.pk, start=start, end=end, pipeline_id=pipeline_id
        )
    kept = DealWonDayTotal.objects.filter(day__gte=start, day__lt=end)
    if pipeline_id is not None:
        kept = kept.filter(pipeline_id=pipeline_id)
    return list(
        kept.values("owner_key", "currency", "day")
        .annotate(total=Sum("amount"), n=Sum("deals"))
        .values_list("owner_key", "currency", "day", "total", "n")
        .order_by()
    )


def won_groups_summed(
    *, deals: QuerySet[Deal], start: dt.date, end: dt.date
) -> QuerySet[Deal, Group]:
    """`won_groups` summed from the deals themselves (any time zone)."""
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    end_at = dt.datetime.combine(end, dt.time.min, tzinfo=dt.UTC)
    # Count("*"), not the id: every column read is then in `deal_closed_idx` (its INCLUDE),
    # so PostgreSQL answers from the index alone.
    return (
        deals.filter(outcome=StageOutcome.WON, closed_at__gte=start_at, closed_at__lt=end_at)
        .annotate(day=TruncDate("closed_at"))
        .values("owner_id", "currency", "day")
        .annotate(total=Sum("amount"), n=Count("*"))
        .values_list("owner_id", "currency", "day", "total", "n")
        .order_by()
    )


def open_groups(
    *,
    workspace: Workspace,
    deals: QuerySet[Deal],
    start: dt.date,
    end: dt.date,
    pipeline_id: int | None,
) -> list[Group]:
    """Open, not omitted deals expected to close in [start, end), summed per (owner, stage,
    forecast category, currency, month of the expected close date).

    Windows of whole months read the kept monthly sums (`DealOpenMonthTotal`, a few hundred
    rows; on PostgreSQL by `forecast_sql`); another window sums its deals (22,000-48,000 of
    them for the forecast page and a 13-month API call over the bench's 100,000 deals). All
    give the same groups."""
    if start.day != 1 or end.day != 1:
        return list(open_groups_summed(deals=deals, start=start, end=end))
    if forecast_sql.applies():
        return forecast_sql.open_rows(
            workspace_id=workspace.pk, start=start, end=end, pipeline_id=pipeline_id
        )
    kept = DealOpenMonthTotal.objects.filter(month__gte=start, month__lt=end).exclude(
        forecast_category=ForecastCategory.OMITTED
    )
    if pipeline_id is not None:
        kept = kept.filter(pipeline_id=pipeline_id)
    names = ("owner_key", "stage_id", "forecast_category", "currency", "month")
    return list(
        kept.values(*names)
        .annotate(total=Sum("amount"), n=Sum("deals"))
        .values_list(*names, "total", "n")
        .order_by()
    )


def open_groups_summed(
    *, deals: QuerySet[Deal], start: dt.date, end: dt.date
) -> QuerySet[Deal, Group]:
    """`open_groups` summed from the deals themselves (any window)."""
    names = ("owner_id", "stage_id", "forecast_category", "currency", "month")
    return (
        deals.filter(
            outcome=StageOutcome.OPEN, expected_close_date__gte=start, expected_close_date__lt=end
        )
        .exclude(forecast_category=ForecastCategory.OMITTED)
        .annotate(month=TruncMonth("expected_close_date"))
        .values(*names)
        .annotate(total=Sum("amount"), n=Count("*"))
        .values_list(*names, "total", "n")
        .order_by()
    )


def stage_durations() -> dict[int, dt.timedelta]:
    """Average time deals spent in each stage they left (from the stage history)."""
    spent: dict[int, list[dt.timedelta]] = defaultdict(list)
    last: dict[int, tuple[int, dt.datetime]] = {}
    for deal_id, stage_id, at in DealStageChange.objects.order_by(
        "deal_id", "changed_at", "id"
    ).values_list("deal_id", "to_stage_id", "changed_at"):
        if deal_id in last:
            prev_stage, prev_at = last[deal_id]
            spent[prev_stage].append(at - prev_at)
        last[deal_id] = (stage_id, at)
    return {s: sum(v, dt.timedelta()) / len(v) for s, v in spent.items()}


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """[first day, first day after) of "2026-11" or "2026-Q4"."""
    year, _, rest = period.partition("-")
    if rest.startswith("Q"):
        first_month = (int(rest[1]) - 1) * 3 + 1
        months = 3
    else:
        first_month, months = int(rest), 1
    start = dt.date(int(year), first_month, 1)
    end_month = first_month + months
    end = dt.date(int(year) + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end


def month_start(day: dt.date, months: int = 0) -> dt.date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


SNAPSHOT_MONTHS = 3


def forecast_snapshot_take(*, workspace: Workspace, day: dt.date | None = None) -> int:
    """Record the day's forecast per owner for this month and the next two; returns the rows.

    Totals are sums of the owner rows (deals without an owner have their own row), so they are
    computed when read rather than stored twice.
    """
    day = day or timezone.now().date()
    start = day.replace(day=1)
    result = forecast(
        workspace=workspace,
        start=start,
        end=month_start(start, SNAPSHOT_MONTHS),
        granularity="month",
    )
    for r in result.rows:
        ForecastSnapshot.objects.update_or_create(
            workspace=workspace,
            period=r.period,
            taken_on=day,
            owner_id=r.owner_id,
            defaults={
                "currency": result.base_currency,
                "closed_won": r.closed_won,
                "pipeline": r.pipeline,
                "weighted": r.weighted,
                "commit": r.commit,
                "best_case": r.best_case,
                "calibrated": r.calibrated,
            },
        )
    return len(result.rows)


@dataclass
class ForecastVsActual:
    period: str
    forecast_on: dt.date | None
    weighted: Decimal
    commit: Decimal
    best_case: Decimal
    calibrated: Decimal
    actual: Decimal

    def error(self, method: str) -> Decimal | None:
        """Forecast minus actual, as a share of the actual (None when nothing was won)."""
        if not self.actual:
            return None
        return (getattr(self, method) - self.actual) / self.actual


def forecast_vs_actual(*, workspace: Workspace, periods: list[str]) -> list[ForecastVsActual]:
    """For each past month, the forecast as it stood on its first day against what was won.

    The snapshot used is the last one taken on or before the period's first day.
    """
    actual = forecast(
        workspace=workspace,
        start=period_bounds(periods[0])[0],
        end=period_bounds(periods[-1])[1],
        granularity="month",
        by_owner=False,
    )
    won = {r.period: r.closed_won for r in actual.rows}
    # Every snapshot day's sums of the periods, in one query; each period then takes its last
    # day on or before its first day.
    days: dict[str, dict[dt.date, dict[str, Decimal]]] = defaultdict(dict)
    for r in (
        ForecastSnapshot.objects.filter(period__in=periods)
        .values("period", "taken_on")
        .annotate(
            weighted=Sum("weighted"),
            commit=Sum("commit"),
            best_case=Sum("best_case"),
            calibrated=Sum("calibrated"),
        )
        .order_by()
    ):
        days[r["period"]][r["taken_on"]] = r
    out = []
    for period in periods:
        first_day = period_bounds(period)[0]
        taken_on = max((d for d in days[period] if d <= first_day), default=None)
        sums = days[period].get(taken_on, {}) if taken_on else {}
        out.append(
            ForecastVsActual(
                period=period,
                forecast_on=taken_on,
                weighted=sums.get("weighted") or ZERO,
                commit=sums.get("commit") or ZERO,
                best_case=sums.get("best_case") or ZERO,
                calibrated=sums.get("calibrated") or ZERO,
                actual=won.get(period, ZERO),
            )
        )
    return out
