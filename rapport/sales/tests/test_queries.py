from decimal import Decimal

from rapport.sales.models import Order
from rapport.sales.queries import board
from rapport.sales.services import deal_create, deal_delete, deal_move
from rapport.sales.tests.factories import make_pipeline, stage_ids


def test_the_board_lists_each_stage_with_cards_counts_and_totals(
    scoped, owner, member, django_assert_max_num_queries
):
    pipeline = make_pipeline(scoped, owner)
    ids = stage_ids(pipeline)
    for i in range(3):
        deal_create(workspace=scoped, actor=owner, data={"name": f"q{i}", "amount": "100"})
    moved = deal_create(
        workspace=scoped, actor=owner, data={"name": "p", "amount": "250.50", "owner_id": member.pk}
    )
    deal_move(workspace=scoped, actor=owner, deal=moved, stage_id=ids["Proposal"], position=1.5)
    with django_assert_max_num_queries(7):  # stages, rates, totals, a card query per stage
        columns = board(workspace=scoped, pipeline=pipeline)
        names = [
            (stage.name, [d.name for d in cards], n, total) for stage, cards, n, total in columns
        ]
        owners = [d.owner_id for _, cards, _, _ in columns for d in cards]
    assert names == [
        ("Qualify", ["q0", "q1", "q2"], 3, Decimal("300.00")),
        ("Proposal", ["p"], 1, Decimal("250.50")),
        ("Won", [], 0, Decimal(0)),
        ("Lost", [], 0, Decimal(0)),
    ]
    assert owners.count(member.pk) == 1
    mine = board(workspace=scoped, pipeline=pipeline, owner_id=member.pk)
    assert [n for _, _, n, _ in mine] == [0, 1, 0, 0]


def test_board_totals_are_in_the_base_currency_at_the_latest_rate(scoped, owner):
    import datetime as dt

    import pytest

    from rapport.core.errors import ServiceValidationError
    from rapport.sales.services import exchange_rate_set

    pipeline = make_pipeline(scoped, owner)
    deal_create(workspace=scoped, actor=owner, data={"name": "u", "amount": "100"})
    deal_create(
        workspace=scoped, actor=owner, data={"name": "e", "amount": "100", "currency": "EUR"}
    )
    with pytest.raises(ServiceValidationError, match="no EUR"):
        board(workspace=scoped, pipeline=pipeline)
    exchange_rate_set(
        workspace=scoped, actor=owner, currency="EUR", day=dt.date(2020, 1, 1), rate="1.10"
    )
    exchange_rate_set(
        workspace=scoped, actor=owner, currency="EUR", day=dt.date(2026, 1, 1), rate="1.20"
    )
    [(_, _, n, total), *_] = board(workspace=scoped, pipeline=pipeline)
    assert (n, total) == (2, Decimal("220.00"))


def test_deleting_a_won_deal_keeps_its_order(scoped, owner):
    pipeline = make_pipeline(scoped, owner)
    deal = deal_create(workspace=scoped, actor=owner, data={"name": "d", "amount": "10"})
    deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=stage_ids(pipeline)["Won"])
    deal_delete(workspace=scoped, actor=owner, deal=deal)
    order = Order.objects.get()
    assert order.deal is None and order.total == Decimal("10.00")
