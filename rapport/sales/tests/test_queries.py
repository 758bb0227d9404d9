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
    with django_assert_max_num_queries(6):  # stages, totals, one card query per stage
        columns = board(pipeline=pipeline)
        names = [
            (stage.name, [d.name for d in cards], n, total) for stage, cards, n, total in columns
        ]
        owners = [d.owner for _, cards, _, _ in columns for d in cards]
    assert names == [
        ("Qualify", ["q0", "q1", "q2"], 3, Decimal("300.00")),
        ("Proposal", ["p"], 1, Decimal("250.50")),
        ("Won", [], 0, Decimal(0)),
        ("Lost", [], 0, Decimal(0)),
    ]
    assert owners.count(member) == 1
    mine = board(pipeline=pipeline, owner_id=member.pk)
    assert [n for _, _, n, _ in mine] == [0, 1, 0, 0]


def test_deleting_a_won_deal_keeps_its_order(scoped, owner):
    pipeline = make_pipeline(scoped, owner)
    deal = deal_create(workspace=scoped, actor=owner, data={"name": "d", "amount": "10"})
    deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=stage_ids(pipeline)["Won"])
    deal_delete(workspace=scoped, actor=owner, deal=deal)
    order = Order.objects.get()
    assert order.deal is None and order.total == Decimal("10.00")
