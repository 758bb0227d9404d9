"""One rule values deals in the base currency (`RateBook.deals_to_base`): a closed deal at the
rate of the day it closed, an open one at the latest known rate. The forecast, the deal
list's total and the KPIs' won revenue follow it, so the same deals come to the same figures
in each."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from rapport.sales.currency import RateBook
from rapport.sales.forecast import forecast
from rapport.sales.kpis import sales_kpis
from rapport.sales.queries import DealFilter, deal_total_in_base
from rapport.sales.services import deal_create, deal_move, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids

MARCH_15 = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)


@pytest.fixture
def deals(scoped, owner):
    """EUR at 1.10 from January, 1.20 from March, 1.50 from May (entered ahead); 100 EUR
    won on 10 February, 200 EUR lost on 12 March, 400 EUR open, expected in April."""
    pipeline = make_pipeline(scoped, owner)
    ids = stage_ids(pipeline)
    for day, rate in [(dt.date(2026, 1, 1), "1.10"), (dt.date(2026, 3, 1), "1.20")]:
        exchange_rate_set(workspace=scoped, actor=owner, currency="EUR", day=day, rate=rate)
    exchange_rate_set(
        workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 5, 1), rate="1.50"
    )

    def deal(name, amount, **data):
        return deal_create(
            workspace=scoped,
            actor=owner,
            data={"name": name, "amount": amount, "currency": "EUR", "owner_id": owner.pk} | data,
        )

    with time_machine.travel(dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC), tick=False):
        won = deal("Won", "100")
        deal_move(workspace=scoped, actor=owner, deal=won, stage_id=ids["Won"])
    with time_machine.travel(dt.datetime(2026, 3, 12, 12, tzinfo=dt.UTC), tick=False):
        lost = deal("Lost", "200")
        deal_move(workspace=scoped, actor=owner, deal=lost, stage_id=ids["Lost"], lost_reason="-")
    deal("Open", "400", expected_close_date="2026-04-20")
    return pipeline


@time_machine.travel(MARCH_15, tick=False)
def test_a_closed_deal_takes_its_closing_days_rate_and_an_open_one_the_latest(scoped, deals):
    book = RateBook(scoped)

    assert book.deal_to_base(Decimal("100"), "EUR", dt.date(2026, 2, 10)) == Decimal("110.00")
    assert book.deal_to_base(Decimal("100"), "EUR", dt.date(2026, 3, 12)) == Decimal("120.00")
    # Open: today's rate (March's), not one entered for a day still to come.
    assert book.deal_to_base(Decimal("100"), "EUR", None) == Decimal("120.00")
    assert book.deal_to_base(Decimal("100"), "USD", None) == Decimal("100.00")


@time_machine.travel(MARCH_15, tick=False)
def test_the_forecast_and_the_list_total_value_the_same_deals_alike(scoped, deals):
    book = RateBook(scoped)
    result = forecast(
        workspace=scoped, start=dt.date(2026, 2, 1), end=dt.date(2026, 5, 1), by_owner=False
    )
    rows = {r.period: r for r in result.rows}

    won = deal_total_in_base(f=DealFilter(outcome="won"), book=book)
    open_ = deal_total_in_base(f=DealFilter(outcome="open"), book=book)

    assert rows["2026-02"].closed_won == won == Decimal("110.00")  # 100 × 1.10
    assert rows["2026-04"].pipeline == open_ == Decimal("480.00")  # 400 × 1.20
    # 110 + 200 × 1.20 (lost on 12 March) + 480
    assert deal_total_in_base(f=DealFilter(), book=book) == Decimal("830.00")


def _day_then_open(asked: tuple[str, dt.date | None]) -> dt.date:
    return asked[1] or dt.date.max


@time_machine.travel(MARCH_15, tick=False)
def test_both_ask_the_one_rule(scoped, deals, monkeypatch):
    """A change to the rule changes both figures: neither has a copy of its own."""
    asked: list[tuple[str, dt.date | None]] = []

    def spy(self, groups):
        groups = list(groups)
        asked.extend((currency, closed_on) for _, currency, closed_on in groups)
        return [amount for amount, _, _ in groups]

    monkeypatch.setattr(RateBook, "deals_to_base", spy)
    result = forecast(
        workspace=scoped, start=dt.date(2026, 2, 1), end=dt.date(2026, 5, 1), by_owner=False
    )
    from_forecast = sorted(asked, key=_day_then_open)
    asked.clear()
    total = deal_total_in_base(f=DealFilter(), book=RateBook(scoped))

    assert from_forecast == [("EUR", dt.date(2026, 2, 10)), ("EUR", None)]
    assert sorted(asked, key=_day_then_open) == [
        ("EUR", dt.date(2026, 2, 10)),
        ("EUR", dt.date(2026, 3, 12)),
        ("EUR", None),
    ]
    assert {r.period: r.closed_won for r in result.rows}["2026-02"] == Decimal("100.00")
    assert total == Decimal("700.00")  # the amounts as the spy gave them back
    asked.clear()
    kpis = sales_kpis(workspace=scoped, start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 16))
    assert asked == [("EUR", dt.date(2026, 2, 10))] and kpis.revenue_won == Decimal("100.00")
