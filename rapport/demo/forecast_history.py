"""Forecast snapshots for the demo's past months, so "forecast versus actual" has a history.

A real workspace accumulates snapshots day by day (`rapport forecast_snapshot`); the demo's
deals are generated at once, so their forecast as it stood on each past month's first day is
reconstructed from the stage history: a deal counts if it was open that day, in the stage it
was in then, for the month it actually closed (or is still expected to).
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from rapport.sales.currency import CENT, RateBook
from rapport.sales.forecast import month_start, observed_win_rates, period_of
from rapport.sales.models import Deal, DealStageChange, ForecastSnapshot, Stage, StageOutcome
from rapport.tenancy.models import Workspace

COMMIT_FROM, BEST_CASE_FROM = Decimal(75), Decimal(50)


def forecast_history_fill(*, workspace: Workspace, today: dt.date, months: int = 6) -> int:
    book = RateBook(workspace)
    probability = dict(Stage.objects.values_list("id", "probability"))
    observed = observed_win_rates(workspace=workspace)
    history: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for deal_id, at, stage_id in DealStageChange.objects.order_by("changed_at").values_list(
        "deal_id", "changed_at", "to_stage_id"
    ):
        history[deal_id].append((at, stage_id))
    outcome = dict(Stage.objects.values_list("id", "outcome"))
    deals = list(
        Deal.objects.values(
            "id", "owner_id", "amount", "currency", "closed_at", "expected_close_date"
        )
    )
    rows = []
    for back in range(months, 0, -1):
        day = month_start(today.replace(day=1), -back)
        moment = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        horizon = month_start(day, 3)
        figures: dict[tuple[str, int | None], dict[str, Decimal]] = defaultdict(
            lambda: defaultdict(Decimal)
        )
        for deal in deals:
            stages_then = [s for at, s in history[deal["id"]] if at <= moment]
            if not stages_then or outcome[stages_then[-1]] != StageOutcome.OPEN:
                continue
            closes = deal["closed_at"].date() if deal["closed_at"] else deal["expected_close_date"]
            if closes is None or not day <= closes < horizon:
                continue
            stage = stages_then[-1]
            amount = book.to_base(deal["amount"], deal["currency"], day)
            f = figures[(period_of(closes, "month"), deal["owner_id"])]
            f["pipeline"] += amount
            f["weighted"] += (amount * probability[stage] / 100).quantize(CENT)
            f["calibrated"] += (amount * observed[stage]).quantize(CENT)
            if probability[stage] >= COMMIT_FROM:
                f["commit"] += amount
            if probability[stage] >= BEST_CASE_FROM:
                f["best_case"] += amount
        rows += [
            ForecastSnapshot(
                workspace=workspace,
                period=period,
                taken_on=day,
                owner_id=owner_id,
                currency=workspace.base_currency,
                closed_won=Decimal(0),
                **{k: f[k] for k in ("pipeline", "weighted", "commit", "best_case", "calibrated")},
            )
            for (period, owner_id), f in figures.items()
        ]
    ForecastSnapshot.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
