import datetime as dt
from decimal import Decimal

import time_machine

from rapport.activities.services import activity_create
from rapport.contacts.tests.factories import make_contact
from rapport.sales.kpis import deals_at_risk, sales_kpis
from rapport.sales.services import deal_create, deal_move, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids


def at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(day + "T00:00:00+00:00"), tick=False)


def test_kpis_from_a_hand_computed_fixture(scoped, owner):
    ids = stage_ids(make_pipeline(scoped, owner))
    exchange_rate_set(
        workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 1, 1), rate="1.50"
    )
    with at("2026-03-01"):
        a = deal_create(workspace=scoped, actor=owner, data={"name": "a", "amount": "1000"})
        b = deal_create(
            workspace=scoped, actor=owner, data={"name": "b", "amount": "1000", "currency": "EUR"}
        )
        c = deal_create(workspace=scoped, actor=owner, data={"name": "c", "amount": "50"})
        for i in range(3):
            deal_create(workspace=scoped, actor=owner, data={"name": f"open{i}", "amount": "1"})
    with at("2026-03-11"):  # a: 10 days
        deal_move(workspace=scoped, actor=owner, deal=a, stage_id=ids["Won"])
    with at("2026-03-31"):  # b: 30 days, 1000 EUR = 1500 USD
        deal_move(workspace=scoped, actor=owner, deal=b, stage_id=ids["Won"])
        deal_move(workspace=scoped, actor=owner, deal=c, stage_id=ids["Lost"], lost_reason="x")
    kpis = sales_kpis(workspace=scoped, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    assert (kpis.deals_won, kpis.deals_lost) == (2, 1)
    assert kpis.win_rate == Decimal(2) / Decimal(3)
    assert kpis.revenue_won == Decimal("2500.00")
    assert kpis.average_deal_size == Decimal("1250.00")
    assert kpis.sales_cycle_days == Decimal("20.0")
    assert kpis.open_deals == 3
    # 3 open × 1250 × 2/3 / 20 days = 125.00 a day
    assert kpis.pipeline_velocity_per_day == Decimal("125.00")


def test_an_empty_period_has_no_rates(scoped, owner):
    kpis = sales_kpis(workspace=scoped, start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1))
    assert kpis.win_rate is None and kpis.average_deal_size is None
    assert kpis.pipeline_velocity_per_day is None


def test_deals_at_risk_are_overdue_or_quiet(scoped, owner, django_capture_on_commit_callbacks):
    make_pipeline(scoped, owner)
    ann = make_contact(scoped, owner)
    with at("2026-05-01"):
        quiet = deal_create(workspace=scoped, actor=owner, data={"name": "quiet"})
        busy = deal_create(workspace=scoped, actor=owner, data={"name": "busy"})
        overdue = deal_create(
            workspace=scoped,
            actor=owner,
            data={"name": "late", "expected_close_date": "2026-05-20"},
        )
    with at("2026-05-25"), django_capture_on_commit_callbacks(execute=True):
        activity_create(
            workspace=scoped,
            actor=owner,
            data={
                "kind": "call",
                "outcome": "connected",
                "contact_ids": [ann.pk],
                "deal_ids": [busy.pk],
            },
        )
    with at("2026-05-28"):
        risky = list(deals_at_risk(stale_days=14))
    assert [d.name for d in risky] == ["quiet", "late"]
    assert risky[0].last_activity_at == quiet.created_at
    assert overdue in risky and busy not in risky
    busy.refresh_from_db()
    assert busy.last_activity_at == dt.datetime(2026, 5, 25, tzinfo=dt.UTC)
