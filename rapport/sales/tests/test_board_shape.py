"""The shape of the board's and the forecast's queries (docs/performance.md, "Sales, fourth
round"): a column's first cards only, its count and total over all its deals; cards that
carry what they show without further queries; aggregates that read indexed columns only."""

import datetime as dt
import re
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.contacts.tests.factories import make_company
from rapport.sales import queries
from rapport.sales.forecast import forecast
from rapport.sales.kpis import deals_at_risk, sales_kpis
from rapport.sales.models import Deal
from rapport.sales.services import deal_create, deal_move
from rapport.sales.tests.factories import make_pipeline, stage_ids


def _deal(workspace, owner, name, amount, **data):
    return deal_create(
        workspace=workspace, actor=owner, data={"name": name, "amount": amount, **data}
    )


def _columns(board):
    return [(s.name, [d.name for d in cards], n, total) for s, cards, n, total in board]


def test_a_column_shows_its_first_cards_and_counts_and_sums_all_its_deals(
    scoped, owner, member, monkeypatch
):
    monkeypatch.setattr(queries, "BOARD_CARDS_PER_STAGE", 2)
    pipeline = make_pipeline(scoped, owner)
    ids = stage_ids(pipeline)
    qualify = [_deal(scoped, owner, f"q{i}", str(i + 1)) for i in range(5)]
    # Dragged to the top: position before the others, which tie at 0 and go by id.
    Deal.objects.filter(pk=qualify[4].pk).update(position=-1)
    for i in range(4):
        deal = _deal(scoped, owner, f"p{i}", "10", owner_id=(member if i else owner).pk)
        deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=ids["Proposal"], position=-i)

    assert _columns(queries.board(workspace=scoped, pipeline=pipeline)) == [
        ("Qualify", ["q4", "q0"], 5, Decimal("15.00")),
        ("Proposal", ["p3", "p2"], 4, Decimal("40.00")),
        ("Won", [], 0, Decimal(0)),
        ("Lost", [], 0, Decimal(0)),
    ]
    mine = queries.board(workspace=scoped, pipeline=pipeline, owner_id=member.pk)
    assert _columns(mine)[:2] == [
        ("Qualify", [], 0, Decimal(0)),
        ("Proposal", ["p3", "p2"], 3, Decimal("30.00")),
    ]


def test_cards_carry_what_they_show_without_more_queries(
    scoped, owner, member, django_assert_num_queries
):
    pipeline = make_pipeline(scoped, owner)
    company = make_company(scoped, owner, name="Globex")
    _deal(scoped, owner, "d", "5", owner_id=member.pk, company_id=company.pk, next_step="call")

    owner.first_name, owner.last_name = "Olivia", "Stone"
    owner.save()
    _deal(scoped, owner, "e", "6", owner_id=owner.pk)
    _deal(scoped, owner, "f", "7")

    [(stage, cards, _, _), *_] = queries.board(workspace=scoped, pipeline=pipeline)
    with django_assert_num_queries(0):
        shown = [
            (c.name, c.stage.name, c.company_name, c.owner_id, c.owner_name, c.amount)
            for c in cards
        ]
    assert shown == [  # the full name, else the username, as User.get_full_name
        ("d", stage.name, "Globex", member.pk, member.get_username(), Decimal("5.00")),
        ("e", stage.name, None, owner.pk, "Olivia Stone", Decimal("6.00")),
        ("f", stage.name, None, None, "", Decimal("7.00")),
    ]

    columns = ("id", "stage_id", "position", "next_step", "owner_id", "company_id")
    [(_, [row, *_], _, _), *_] = queries.board(workspace=scoped, pipeline=pipeline, columns=columns)
    # the named columns of the deal, in that order (SQLite's rows end with the board rank)
    assert row[1:6] == (stage.pk, 0.0, "call", member.pk, company.pk)


def test_deals_at_risk_that_went_quiet_together_come_by_id(scoped, owner):
    make_pipeline(scoped, owner)
    with time_machine.travel(dt.datetime(2026, 5, 1, tzinfo=dt.UTC), tick=False):
        made = [_deal(scoped, owner, f"d{i}", "1") for i in range(3)]
    with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC), tick=False):
        assert [d.pk for d in deals_at_risk()] == sorted(d.pk for d in made)


_COLUMN = re.compile(r'"sales_deal"\."(\w+)"')


def _index_columns() -> dict[str, set[str]]:
    """Each index of Deal: the columns it holds, key and INCLUDE."""
    by_name = {f.name: f.column for f in Deal._meta.fields}
    return {
        index.name: {by_name[f.lstrip("-")] for f in (*index.fields, *index.include)}
        for index in Deal._meta.indexes
    }


def test_the_board_forecast_and_kpi_aggregates_read_only_columns_of_one_index(
    scoped, owner, member
):
    """On PostgreSQL the INCLUDE columns make these index-only scans; a column read that no
    index holds sends PostgreSQL back to the table for every deal."""
    pipeline = make_pipeline(scoped, owner)
    _deal(scoped, owner, "d", "5", owner_id=member.pk, expected_close_date="2026-05-10")
    with CaptureQueriesContext(connection) as captured:
        queries.board(workspace=scoped, pipeline=pipeline, owner_id=member.pk)
        forecast(workspace=scoped, start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1))
        # Not whole months: the open deals are summed from the deals, not the kept sums.
        forecast(workspace=scoped, start=dt.date(2026, 1, 15), end=dt.date(2027, 1, 1))
        # Not UTC's days: the won deals are summed from the deals.
        with timezone.override("America/New_York"):
            forecast(workspace=scoped, start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1))
        sales_kpis(
            workspace=scoped,
            start=dt.date(2026, 1, 1),
            end=dt.date(2027, 1, 1),
            owner_id=member.pk,
        )
        deals_at_risk().filter(owner_id=member.pk).count()
    aggregates = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "sales_deal"' in q["sql"] and ("SUM(" in q["sql"] or "COUNT(" in q["sql"])
    ]
    # The board's totals, the whole-month forecast's open deals and the UTC forecast's won
    # deals read the kept sums: forecasts 1 (open) + 1 (won), KPIs 3, at risk 1.
    assert len(aggregates) == 6
    indexes = _index_columns()
    for sql in aggregates:
        read = set(_COLUMN.findall(sql))
        assert any(read <= held for held in indexes.values()), (sorted(read), sql)
