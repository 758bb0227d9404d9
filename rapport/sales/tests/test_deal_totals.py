"""The kept deal sums (board totals, monthly open sums, daily won sums) after every kind of
deal write.

Each test writes deals one way, then checks that the kept sums are what the deals say
(`totals_drift`) and that the board and the forecast give exactly what summing the deals
gives (the computation they replaced), on deals in three currencies with rates of several
dates.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from rapport.contacts.tests.factories import make_company
from rapport.merge.services import merge_companies
from rapport.sales import forecast as forecasting
from rapport.sales import queries
from rapport.sales.board import deal_place
from rapport.sales.deal_totals import totals_drift
from rapport.sales.models import Deal, DealOpenMonthTotal, DealStageTotal, DealWonDayTotal
from rapport.sales.services import (
    deal_create,
    deal_delete,
    deal_move,
    deal_update,
    exchange_rate_set,
)
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.sales.tests.test_importers import _import, _undo
from rapport.tenancy.access import workspace_scope

WINDOWS = [
    (dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
    (dt.date(2026, 3, 1), dt.date(2026, 5, 1)),
]


@pytest.fixture
def pipeline(scoped, owner):
    pipeline = make_pipeline(scoped, owner)
    for currency, day, rate in (
        ("EUR", "2025-01-01", "1.10"),
        ("EUR", "2026-03-01", "1.2345"),
        ("GBP", "2025-01-01", "1.30"),
        ("GBP", "2026-04-15", "1.2701"),
    ):
        exchange_rate_set(
            workspace=scoped,
            actor=owner,
            currency=currency,
            day=dt.date.fromisoformat(day),
            rate=rate,
        )
    return pipeline


@pytest.fixture
def deals(scoped, owner, member, pipeline):
    """Open deals of two owners and none, three currencies, every category, across months
    and without a date; one won."""
    made = []
    for i, (amount, currency, close, category, who) in enumerate(
        [
            ("100.10", "USD", "2026-03-05", "pipeline", owner),
            ("200.25", "EUR", "2026-03-31", "commit", owner),
            ("333.33", "GBP", "2026-04-01", "best_case", member),
            ("50.05", "EUR", "2026-04-20", "omitted", member),
            ("75.50", "USD", None, "pipeline", None),
            ("12.34", "GBP", "2026-07-09", "commit", None),
            ("999.99", "EUR", "2026-03-15", "pipeline", member),
        ]
    ):
        made.append(
            deal_create(
                workspace=scoped,
                actor=owner,
                data={
                    "name": f"d{i}",
                    "amount": amount,
                    "currency": currency,
                    "expected_close_date": close,
                    "forecast_category": category,
                    "owner_id": who.pk if who else None,
                },
            )
        )
    won = stage_ids(pipeline)["Won"]
    made[-1] = deal_move(workspace=scoped, actor=owner, deal=made[-1], stage_id=won)
    return made


def _summed_stage_totals(*, pipeline, owner_id=None):
    """What the board summed before the kept sums: every deal of the pipeline."""
    deals = Deal.objects.filter(pipeline=pipeline)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    return deals.values("stage_id", "currency").annotate(n=Count("id"), total=Sum("amount"))


def _summed_open_groups(*, deals, start, end, **_):
    return list(forecasting.open_groups_summed(deals=deals, start=start, end=end))


def _summed_won_groups(*, deals, start, end, **_):
    return list(forecasting.won_groups_summed(deals=deals, start=start, end=end))


def _board(workspace, pipeline, owner_id):
    return [
        (stage.pk, [d.pk for d in cards], n, total)
        for stage, cards, n, total in queries.board(
            workspace=workspace, pipeline=pipeline, owner_id=owner_id
        )
    ]


def _figures(workspace, pipeline, owners):
    boards = [_board(workspace, pipeline, o) for o in (None, *owners)]
    forecasts = [
        forecasting.forecast(
            workspace=workspace, start=start, end=end, granularity=g, pipeline_id=p
        ).rows
        for start, end in WINDOWS
        for g in ("month", "quarter")
        for p in (None, pipeline.pk)
    ]
    return boards, forecasts


def assert_kept(workspace, pipeline, owners, monkeypatch):
    """The kept sums match the deals, and the board and forecast match summing the deals."""
    assert totals_drift(connection) == []
    kept = _figures(workspace, pipeline, owners)
    with monkeypatch.context() as m:
        m.setattr(queries, "stage_totals", _summed_stage_totals)
        m.setattr(forecasting, "open_groups", _summed_open_groups)
        m.setattr(forecasting, "won_groups", _summed_won_groups)
        summed = _figures(workspace, pipeline, owners)
    assert kept == summed
    return kept


def _owner_ids(owner, member):
    return [owner.pk, member.pk]


def test_created_deals_are_summed_per_stage_and_month(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    boards, _ = assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)
    qualify = stage_ids(pipeline)["Qualify"]
    # Qualify holds six deals; each currency's sum is converted once, at the latest rate:
    # USD 100.10 + 75.50 = 175.60; EUR (200.25 + 50.05) × 1.2345 = 308.99535 → 309.00;
    # GBP (333.33 + 12.34) × 1.2701 = 439.035467 → 439.04.
    assert boards[0][0][0] == qualify
    assert boards[0][0][2:] == (6, Decimal("923.64"))
    stage_rows = {
        (r.stage_id, r.owner_key, r.currency): (r.deals, r.amount)
        for r in DealStageTotal.objects.all()
    }
    assert stage_rows[(qualify, member.pk, "EUR")] == (1, Decimal("50.05"))
    assert stage_rows[(qualify, 0, "USD")] == (1, Decimal("75.50"))
    months = {
        (r.month, r.owner_key, r.forecast_category): r.deals
        for r in DealOpenMonthTotal.objects.all()
    }
    # The won deal and the deal without a date are in no month; the omitted one is kept
    # (the forecast leaves it out when it reads).
    assert sum(months.values()) == 5
    assert months[(dt.date(2026, 3, 1), owner.pk, "commit")] == 1
    assert months[(dt.date(2026, 4, 1), member.pk, "omitted")] == 1


def test_an_edit_of_amount_currency_owner_date_and_category_moves_the_sums(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    deal_update(
        workspace=scoped,
        actor=owner,
        deal=deals[0],
        data={
            "amount": "150.00",
            "currency": "GBP",
            "owner_id": member.pk,
            "expected_close_date": "2026-04-02",
            "forecast_category": "commit",
        },
    )
    deal_update(
        workspace=scoped, actor=owner, deal=deals[4], data={"expected_close_date": "2026-05-01"}
    )
    deal_update(workspace=scoped, actor=owner, deal=deals[5], data={"expected_close_date": None})
    assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)


def test_stage_moves_drops_and_a_reopened_deal_move_the_sums(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    ids = stage_ids(pipeline)
    deal_move(workspace=scoped, actor=owner, deal=deals[1], stage_id=ids["Proposal"])
    deal_move(
        workspace=scoped, actor=owner, deal=deals[2], stage_id=ids["Lost"], lost_reason="price"
    )
    deal_place(
        workspace=scoped, actor=owner, deal=deals[0], stage_id=ids["Proposal"], above_id=deals[1].pk
    )
    deal_move(workspace=scoped, actor=owner, deal=deals[6], stage_id=ids["Qualify"])
    boards, _ = assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)
    assert [n for _, _, n, _ in boards[0]] == [4, 2, 0, 1]


def test_a_reorder_within_a_column_leaves_the_sums_alone(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    before = list(DealStageTotal.objects.values_list("id", "updated_at"))
    Deal.objects.filter(pk=deals[0].pk).update(position=5, name="renamed")
    assert list(DealStageTotal.objects.values_list("id", "updated_at")) == before
    assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)


def test_deleted_deals_leave_the_sums_and_an_empty_sum_goes(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    for deal in deals[3:]:
        deal_delete(workspace=scoped, actor=owner, deal=deal)
    assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)
    assert not DealStageTotal.objects.filter(deals=0).exists()
    assert not DealOpenMonthTotal.objects.filter(owner_key=0).exists()


def test_bulk_writes_outside_the_services_are_summed(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    ids = stage_ids(pipeline)
    Deal.objects.filter(currency="EUR").update(amount=F("amount") + 1, owner=owner)
    Deal.objects.filter(stage_id=ids["Qualify"], currency="GBP").update(
        stage_id=ids["Proposal"], forecast_category="commit"
    )
    Deal.objects.bulk_create(
        [
            Deal(
                workspace=scoped,
                name=f"bulk {i}",
                amount=Decimal("10.01"),
                currency="EUR",
                pipeline=pipeline,
                stage_id=ids["Qualify"],
                stage_entered_at=deals[0].stage_entered_at,
                expected_close_date=dt.date(2026, 6, i + 1),
            )
            for i in range(3)
        ]
    )
    assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)


def test_a_rolled_back_write_leaves_the_sums_as_they_were(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    before = sorted(
        DealStageTotal.objects.values_list("stage_id", "owner_key", "currency", "deals")
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        Deal.objects.all().delete()
        raise RuntimeError
    after = sorted(DealStageTotal.objects.values_list("stage_id", "owner_key", "currency", "deals"))
    assert after == before
    assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)


def test_a_deleted_owners_deals_move_to_the_unowned_sums(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    get_user_model().objects.filter(pk=member.pk).delete()
    assert not DealStageTotal.objects.filter(owner_key=member.pk).exists()
    assert_kept(scoped, pipeline, [owner.pk], monkeypatch)


def test_a_company_merge_keeps_the_sums(scoped, owner, member, pipeline, deals, monkeypatch):
    acme, other = make_company(scoped, name="Acme"), make_company(scoped, name="Acme Inc")
    Deal.objects.filter(pk__in=[d.pk for d in deals[:3]]).update(company=other)
    merge_companies(workspace=scoped, actor=owner, survivor=acme, other=other)
    assert Deal.objects.filter(company=acme).count() == 3
    assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)


def test_an_import_and_its_undo_are_summed(workspace, owner, member, pipeline, monkeypatch):
    with workspace_scope(workspace):
        deal_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": "Renewal",
                "external_id": "D-1",
                "amount": "100",
                "currency": "EUR",
                "expected_close_date": "2026-03-03",
            },
        )
    text = (
        "Deal ID,Deal Name,Amount,Currency,Deal Stage,Close Date\n"
        "D-1,Renewal 2026,250,GBP,Proposal,2026-04-01\n"
        "D-2,New deal,50.5,EUR,Qualify,2026-03-30\n"
        "D-3,Other deal,7,USD,Qualify,\n"
    )
    batch = _import(workspace, owner, "deals", text, mode="update")
    assert (batch.updated, batch.created) == (1, 2)
    with workspace_scope(workspace):
        assert_kept(workspace, pipeline, _owner_ids(owner, member), monkeypatch)
    _undo(batch, owner)
    with workspace_scope(workspace):
        assert Deal.objects.count() == 1
        assert_kept(workspace, pipeline, _owner_ids(owner, member), monkeypatch)


def test_another_workspaces_deals_are_not_in_the_board(
    scoped, owner, member, pipeline, deals, other_workspace, outsider, monkeypatch
):
    with workspace_scope(other_workspace):
        theirs = make_pipeline(other_workspace, outsider)
        deal_create(
            workspace=other_workspace,
            actor=outsider,
            data={
                "name": "x",
                "amount": "5",
                "currency": "USD",
                "expected_close_date": "2026-03-02",
            },
        )
        board = queries.board(workspace=other_workspace, pipeline=theirs)
        assert [n for _, _, n, _ in board] == [1, 0, 0, 0]
    boards, _ = assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)
    assert [n for _, _, n, _ in boards[0]] == [6, 0, 1, 0]


def test_the_check_command_names_drift_and_rebuild_repairs_it(
    scoped, owner, pipeline, deals, capsys
):
    call_command("deal_totals")
    assert "match" in capsys.readouterr().out
    DealStageTotal.objects.filter(owner_key=0).update(deals=F("deals") + 2)
    DealOpenMonthTotal.objects.filter(owner_key=owner.pk).delete()
    DealWonDayTotal.objects.update(amount=F("amount") + 1)
    with pytest.raises(CommandError, match="5 kept deal sums differ"):
        call_command("deal_totals")
    out = capsys.readouterr().out
    assert "sales_dealstagetotal" in out and "sales_dealopenmonthtotal" in out
    assert "sales_dealwondaytotal" in out
    call_command("deal_totals", "--rebuild")
    assert totals_drift(connection) == []


def test_a_pipeline_emptied_of_deals_has_no_sums_and_can_be_deleted(scoped, pipeline, deals):
    Deal.objects.filter(pipeline=pipeline).delete()
    assert not DealStageTotal.objects.exists()
    assert not DealOpenMonthTotal.objects.exists()
    assert not DealWonDayTotal.objects.exists()
    pipeline.delete()
    assert totals_drift(connection) == []


def _closed_won(workspace, pipeline_id=None):
    rows = forecasting.forecast(
        workspace=workspace,
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 5, 1),
        pipeline_id=pipeline_id,
    ).rows
    return {(r.period, r.owner_id): (r.deals_won, r.closed_won) for r in rows if r.deals_won}


def test_won_deals_are_summed_per_utc_day_and_another_time_zone_sums_the_deals(
    scoped, owner, member, pipeline, deals, monkeypatch
):
    won = stage_ids(pipeline)["Won"]
    for deal in (deals[0], deals[2]):
        deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=won)
    # Either side of a UTC midnight, and of a month's end.
    Deal.objects.filter(pk=deals[0].pk).update(
        closed_at=dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    )
    Deal.objects.filter(pk=deals[2].pk).update(
        closed_at=dt.datetime(2026, 4, 1, 0, 30, tzinfo=dt.UTC)
    )
    assert_kept(scoped, pipeline, _owner_ids(owner, member), monkeypatch)
    days = {
        (r.day, r.owner_key, r.currency): (r.deals, r.amount)
        for r in DealWonDayTotal.objects.filter(day__lt=dt.date(2026, 5, 1))
    }
    assert days == {
        (dt.date(2026, 3, 31), owner.pk, "USD"): (1, Decimal("100.10")),
        (dt.date(2026, 4, 1), member.pk, "GBP"): (1, Decimal("333.33")),
    }
    # GBP at 1.30 until 15 April: 333.33 × 1.30 = 433.329 → 433.33.
    assert _closed_won(scoped) == {
        ("2026-03", owner.pk): (1, Decimal("100.10")),
        ("2026-04", member.pk): (1, Decimal("433.33")),
    }
    # In New York both closed on 31 March (the window is still UTC's midnights): its days
    # are not the kept sums', so the forecast sums the deals there.
    with timezone.override("America/New_York"):
        assert _closed_won(scoped, pipeline.pk) == {
            ("2026-03", owner.pk): (1, Decimal("100.10")),
            ("2026-03", member.pk): (1, Decimal("433.33")),
        }
        kept = _figures(scoped, pipeline, _owner_ids(owner, member))
        with monkeypatch.context() as m:
            m.setattr(forecasting, "won_groups", _summed_won_groups)
            assert _figures(scoped, pipeline, _owner_ids(owner, member)) == kept
