"""The board's first cards from the SQL written once per process (`sales.board_sql`) are the
rows the ORM's UNION reads, in the same order, for the page's and the API's columns."""

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler

from rapport.contacts.tests.factories import make_company
from rapport.sales import board_sql, queries
from rapport.sales.api import _CARD_COLUMNS
from rapport.sales.models import Deal
from rapport.sales.services import deal_create, deal_move, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL is PostgreSQL's; SQLite reads the ORM's"
)


@pytest.fixture
def pipeline(scoped, owner, member):
    """Three currencies, two owners (one with a full name) and none, with and without a
    company, tied and dragged positions, a won and a lost deal, more cards than a column
    shows when it shows two."""
    owner.first_name, owner.last_name = "Olivia", "Stone"
    owner.save()
    pipeline = make_pipeline(scoped, owner)
    ids = stage_ids(pipeline)
    firm = make_company(scoped, owner, name="Globex")
    for currency, rate in [("EUR", "1.0850"), ("GBP", "1.2700")]:
        exchange_rate_set(
            workspace=scoped, actor=owner, currency=currency, day=dt.date(2026, 1, 1), rate=rate
        )
    made = []
    for i in range(9):
        data = {
            "name": f"Deal {i}",
            "amount": f"{i}1.25",
            "currency": ("USD", "EUR", "GBP")[i % 3],
            "owner_id": (None, owner.pk, member.pk)[i % 3],
            "company_id": firm.pk if i % 2 else None,
            "expected_close_date": f"2026-0{i % 9 + 1}-1{i}" if i % 4 else None,
        }
        made.append(deal_create(workspace=scoped, actor=owner, data=data))
    for deal, stage, position in [
        (made[1], "Proposal", 0.5),
        (made[2], "Proposal", -2.0),
        (made[4], "Proposal", 0.5),
        (made[5], "Won", 0.0),
        (made[6], "Lost", 1.0),
    ]:
        deal_move(
            workspace=scoped,
            actor=owner,
            deal=deal,
            stage_id=ids[stage],
            position=position,
            lost_reason="Price" if stage == "Lost" else "",
        )
    Deal.objects.filter(pk=made[7].pk).update(position=-1.5)
    return pipeline


def _orm_rows(pipeline, owner_id, columns, per_stage):
    deals = Deal.objects.filter(pipeline=pipeline)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    stages = [s.pk for s in sorted(pipeline.stages.all(), key=lambda s: (s.position, s.pk))]
    return queries._first_cards(deals.values_list(*columns), stages, per_stage)


def _sql_rows(scoped, pipeline, owner_id, columns, per_stage, stages=None):
    return board_sql.first_cards_rows(
        workspace_id=scoped.pk,
        pipeline_id=pipeline.pk,
        stage_ids=stages
        or [s.pk for s in sorted(pipeline.stages.all(), key=lambda s: (s.position, s.pk))],
        owner_id=owner_id,
        columns=columns,
        per_stage=per_stage,
    )


@pytest.mark.parametrize("columns", [queries.CARD_COLUMNS, _CARD_COLUMNS], ids=["page", "api"])
@pytest.mark.parametrize("who", [None, "owner", "member", "nobody"])
@pytest.mark.parametrize("per_stage", [2, 25])
def test_the_cards_rows_are_the_orms(scoped, owner, member, pipeline, columns, who, per_stage):
    owner_id = {None: None, "owner": owner.pk, "member": member.pk, "nobody": -1}[who]

    rows = _sql_rows(scoped, pipeline, owner_id, columns, per_stage)

    orm = _orm_rows(pipeline, owner_id, columns, per_stage)
    assert rows == orm
    # the same Python types, value by value (Decimal and float compare equal)
    assert [tuple(map(type, row)) for row in rows] == [tuple(map(type, row)) for row in orm]
    if who is None:
        assert len(rows) == (6 if per_stage == 2 else 9)


def test_the_boards_are_the_same_through_the_orm(scoped, owner, member, pipeline, monkeypatch):
    def read(owner_id, columns=None):
        return [
            (stage.pk, [c if columns else (c.pk, c.owner_name, c.company_name) for c in cards], n)
            for stage, cards, n, _ in queries.board(
                workspace=scoped, pipeline=pipeline, owner_id=owner_id, columns=columns
            )
        ]

    asked = [(None, None), (member.pk, None), (None, _CARD_COLUMNS), (owner.pk, _CARD_COLUMNS)]
    with_sql = [read(*a) for a in asked]
    monkeypatch.setattr(board_sql, "applies", lambda: False)
    assert with_sql == [read(*a) for a in asked]


def test_the_statement_is_built_once_and_not_compiled_by_the_orm(
    scoped, owner, pipeline, monkeypatch, django_assert_num_queries
):
    board_sql.cards_sql.cache_clear()
    stages = list(pipeline.stages.values_list("id", flat=True))
    first = _sql_rows(scoped, pipeline, owner.pk, queries.CARD_COLUMNS, 25, stages)

    def refuse(*args, **kwargs):
        raise AssertionError("the cards' statement was compiled by the ORM")

    monkeypatch.setattr(SQLCompiler, "as_sql", refuse)
    monkeypatch.setattr(
        board_sql, "_column", lambda *a: pytest.fail("the statement was written again")
    )
    with django_assert_num_queries(1):
        again = _sql_rows(scoped, pipeline, owner.pk, queries.CARD_COLUMNS, 25, stages)
    assert again == first and first


def test_another_workspaces_deals_never_show(scoped, owner, pipeline, other_workspace):
    """The workspace is in the statement itself, not only in the pipeline it names."""
    stray = Deal.objects.filter(pipeline=pipeline).order_by("id")[0]
    Deal.unscoped.filter(pk=stray.pk).update(workspace=other_workspace)

    rows = _sql_rows(scoped, pipeline, None, ("id", "stage_id", "position"), 25)

    assert stray.pk not in [row[0] for row in rows] and len(rows) == 8
    assert _sql_rows(other_workspace, pipeline, None, ("id", "stage_id", "position"), 25) == [
        (stray.pk, stray.stage_id, stray.position)
    ]


def test_a_column_through_two_relations_is_refused():
    with pytest.raises(ValueError, match="owner__groups__name"):
        board_sql.cards_sql(("id", "stage_id", "position", "owner__groups__name"), 2, False, 3)


@pytest.mark.parametrize(
    "closed_at",
    [
        dt.datetime(2026, 3, 1, 9, 5, 7, tzinfo=dt.UTC),  # whole seconds: no fraction
        dt.datetime(2026, 3, 1, 9, 5, 7, 456, tzinfo=dt.UTC),  # under a millisecond: ".000"
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),  # cut, not rounded
        dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))),  # not UTC
        None,
    ],
)
def test_times_as_json_are_the_encoders_text(scoped, pipeline, closed_at):
    Deal.objects.filter(pipeline=pipeline).update(closed_at=closed_at)
    columns = ("id", "stage_id", "position", "closed_at", "created_at", "expected_close_date")

    texts = _sql_rows_as_json(scoped, pipeline, columns)
    values = _orm_rows(pipeline, None, columns, 25)

    encode = DjangoJSONEncoder().default
    assert texts == [
        tuple(v if i < 3 or v is None else encode(v) for i, v in enumerate(row)) for row in values
    ]
    # in UTC, as the database gives every time back
    assert texts[0][3] == (None if closed_at is None else encode(closed_at.astimezone(dt.UTC)))


def _sql_rows_as_json(scoped, pipeline, columns):
    return board_sql.first_cards_rows(
        workspace_id=scoped.pk,
        pipeline_id=pipeline.pk,
        stage_ids=[s.pk for s in sorted(pipeline.stages.all(), key=lambda s: (s.position, s.pk))],
        owner_id=None,
        columns=columns,
        per_stage=25,
        times_as_json=True,
    )
