"""The forecast against a fixture whose figures are worked out by hand in the comments."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from rapport.sales.forecast import forecast, observed_win_rates
from rapport.sales.services import deal_create, deal_move, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids


def at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(day + "T12:00:00+00:00"), tick=False)


@pytest.fixture
def book(scoped, owner, member):
    pipeline = make_pipeline(scoped, owner)
    ids = stage_ids(pipeline)
    exchange_rate_set(
        workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 1, 1), rate="1.10"
    )
    exchange_rate_set(
        workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 3, 1), rate="1.20"
    )

    def deal(name, amount, currency="USD", close=None, category="pipeline", owner_=owner):
        return deal_create(
            workspace=scoped,
            actor=owner,
            data={
                "name": name,
                "amount": amount,
                "currency": currency,
                "owner_id": owner_.pk,
                "expected_close_date": close,
                "forecast_category": category,
            },
        )

    # History for calibration: four deals passed through Qualify and closed; one was won.
    with at("2026-01-05"):
        history = [deal(f"h{i}", "1") for i in range(4)]
    with at("2026-01-20"):
        deal_move(workspace=scoped, actor=owner, deal=history[0], stage_id=ids["Won"])
        for d in history[1:]:
            deal_move(
                workspace=scoped, actor=owner, deal=d, stage_id=ids["Lost"], lost_reason="price"
            )
    # Won in February: 1000 EUR at 1.10 = 1100.00 USD (owner), 500 USD (member).
    with at("2026-02-01"):
        feb_eur = deal("feb eur", "1000", "EUR")
        feb_usd = deal("feb usd", "500", owner_=member)
    with at("2026-02-15"):
        deal_move(workspace=scoped, actor=owner, deal=feb_eur, stage_id=ids["Won"])
        deal_move(workspace=scoped, actor=owner, deal=feb_usd, stage_id=ids["Won"])
    # Open, expected in April: 1000 USD in Proposal (commit); 500 EUR in Qualify (best case,
    # at the latest rate 1.20 = 600 USD); 300 USD omitted.
    with at("2026-03-10"):
        proposal = deal("apr commit", "1000", close="2026-04-20", category="commit")
        deal_move(workspace=scoped, actor=owner, deal=proposal, stage_id=ids["Proposal"])
        deal("apr best", "500", "EUR", close="2026-04-02", category="best_case")
        deal("apr omitted", "300", close="2026-04-10", category="omitted")
    return ids


def test_observed_rates_shrink_toward_the_configured_probability(book, scoped):
    rates = observed_win_rates(workspace=scoped)
    # Qualify: six closed deals passed through it (the four of history and the two won in
    # February), three were won; prior 20% with the weight of 10 deals: (3 + 2) / (6 + 10).
    assert rates[book["Qualify"]] == Decimal(5) / Decimal(16)
    # Proposal: no closed deal passed through it: the prior, 60%.
    assert rates[book["Proposal"]] == Decimal("0.6")
    assert rates[book["Won"]] == 1


def test_monthly_forecast_by_owner_matches_the_hand_computed_figures(book, scoped, owner, member):
    with at("2026-03-15"):
        result = forecast(workspace=scoped, start=dt.date(2026, 2, 1), end=dt.date(2026, 5, 1))
    rows = {(r.period, r.owner_id): r for r in result.rows}
    feb_owner, feb_member = rows[("2026-02", owner.pk)], rows[("2026-02", member.pk)]
    assert feb_owner.closed_won == Decimal("1100.00")
    assert feb_member.closed_won == Decimal("500.00")
    assert feb_owner.commit == feb_owner.best_case == Decimal("1100.00")
    apr = rows[("2026-04", owner.pk)]
    assert apr.pipeline == Decimal("1600.00")  # 1000 + 600; the omitted deal is left out
    assert apr.weighted == Decimal("720.00")  # 1000 × 60% + 600 × 20%
    assert apr.commit == Decimal("1000.00")
    assert apr.best_case == Decimal("1600.00")
    # 1000 × 0.6 + 600 × 5/16 = 600 + 187.50
    assert apr.calibrated == Decimal("787.50")
    assert apr.deals_open == 2
    assert ("2026-03", owner.pk) not in rows


def test_quarterly_totals_add_up_across_owners(book, scoped):
    with at("2026-03-15"):
        result = forecast(
            workspace=scoped,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 7, 1),
            granularity="quarter",
        )
    totals = {t.period: t for t in result.totals_by_period()}
    # Q1 won: the January history deal (1.00) + 1100 + 500.
    assert totals["2026-Q1"].closed_won == Decimal("1601.00")
    assert totals["2026-Q2"].weighted == Decimal("720.00")
    assert totals["2026-Q2"].closed_won == 0


def test_forecast_versus_actual_uses_the_snapshot_from_the_period_start(book, scoped, owner):
    from django.core.management import call_command

    from rapport.sales.forecast import forecast_snapshot_take, forecast_vs_actual
    from rapport.sales.models import ForecastSnapshot

    with at("2026-03-20"):  # too late for March's start: not used for March
        forecast_snapshot_take(workspace=scoped)
    with at("2026-04-01"):
        call_command("forecast_snapshot")
    assert ForecastSnapshot.objects.filter(taken_on="2026-04-01").exists()
    with at("2026-04-21"):
        deal_move(
            workspace=scoped, actor=owner, deal=scoped_deal("apr commit"), stage_id=book["Won"]
        )
    [march, april] = forecast_vs_actual(workspace=scoped, periods=["2026-03", "2026-04"])
    assert march.forecast_on is None and march.actual == 0
    assert april.forecast_on == dt.date(2026, 4, 1)
    assert (april.weighted, april.commit) == (Decimal("720.00"), Decimal("1000.00"))
    assert april.actual == Decimal("1000.00")
    assert april.error("weighted") == Decimal("-0.28")


def test_forecast_versus_actual_reads_the_snapshots_in_one_query(
    book, scoped, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.sales.forecast import forecast_snapshot_take, forecast_vs_actual

    with at("2026-01-01"):
        forecast_snapshot_take(workspace=scoped)
    two = ["2026-03", "2026-04"]
    six = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    forecast_vs_actual(workspace=scoped, periods=six)  # the observed rates are kept after this
    with CaptureQueriesContext(connection) as few:
        forecast_vs_actual(workspace=scoped, periods=two)
    with django_assert_num_queries(len(few.captured_queries)):
        rows = forecast_vs_actual(workspace=scoped, periods=six)
    assert rows[0].forecast_on == dt.date(2026, 1, 1)
    assert rows[5].forecast_on is None  # June was not forecast on January 1st


def scoped_deal(name):
    from rapport.sales.models import Deal

    return Deal.objects.get(name=name)


def test_observed_rates_are_cached_until_a_deal_moves(
    book, scoped, owner, django_assert_num_queries
):
    first = observed_win_rates(workspace=scoped)
    with django_assert_num_queries(1):  # only the newest stage change's id
        assert observed_win_rates(workspace=scoped) == first
    deal = scoped_deal("apr best")
    deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=book["Lost"], lost_reason="x")
    moved = observed_win_rates(workspace=scoped)
    # One more closed deal passed through Qualify, and was lost: (3 + 2) / (7 + 10).
    assert moved[book["Qualify"]] == Decimal(5) / Decimal(17)
