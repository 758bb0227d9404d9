"""What the forecast page shows: the window of periods around today, the team's or one
owner's rows for each of them, per-owner totals and the chart's series."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rapport.sales import forecast as forecasting
from rapport.tenancy.models import Workspace

FIGURES = ("closed_won", "pipeline", "weighted", "commit", "best_case", "calibrated")


@dataclass
class ForecastTable:
    granularity: str
    current_period: str
    rows: list[forecasting.ForecastRow]
    by_owner: dict[int | None, forecasting.ForecastRow]
    chart: dict[str, list[Any]] = field(default_factory=dict)


def forecast_window(today: dt.date, granularity: str) -> tuple[dt.date, dt.date]:
    """Two months back and four ahead, or one quarter back and three ahead."""
    this = forecasting.month_start(today, 0)
    if granularity == "quarter":
        this = this.replace(month=(today.month - 1) // 3 * 3 + 1)
        return forecasting.month_start(this, -3), forecasting.month_start(this, 9)
    return forecasting.month_start(this, -2), forecasting.month_start(this, 4)


def past_months(today: dt.date, count: int = 6) -> list[str]:
    """The `count` whole months before this one, oldest first."""
    this = forecasting.month_start(today, 0)
    return [
        forecasting.period_of(forecasting.month_start(this, -m), "month")
        for m in range(count, 0, -1)
    ]


def forecast_table(
    *, workspace: Workspace, today: dt.date, granularity: str, owner_id: int | None
) -> ForecastTable:
    """Rows for every period of the window (the forecast itself only has periods with deals).

    Raises ServiceValidationError when a deal's currency has no exchange rate."""
    start, end = forecast_window(today, granularity)
    result = forecasting.forecast(
        workspace=workspace, start=start, end=end, granularity=granularity
    )
    months = (end.year - start.year) * 12 + end.month - start.month
    periods = sorted(
        {
            forecasting.period_of(forecasting.month_start(start, m), granularity)
            for m in range(months)
        }
    )
    if owner_id is None:
        found = result.totals_by_period()
    else:
        found = [r for r in result.rows if r.owner_id == owner_id]
    by_period = {r.period: r for r in found}
    rows = [by_period.get(p) or forecasting.ForecastRow(p, owner_id) for p in periods]
    by_owner: dict[int | None, forecasting.ForecastRow] = {}
    for r in result.rows:
        total = by_owner.setdefault(r.owner_id, forecasting.ForecastRow("", r.owner_id))
        for name in FIGURES:
            setattr(total, name, getattr(total, name) + getattr(r, name))
    chart: dict[str, list[Any]] = {"labels": [r.period for r in rows]}
    for name in ("closed_won", "weighted", "calibrated", "best_case"):
        chart[name] = [float(getattr(r, name)) for r in rows]
    return ForecastTable(
        granularity=granularity,
        current_period=forecasting.period_of(today, granularity),
        rows=rows,
        by_owner=by_owner,
        chart=chart,
    )
