import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.sales.forecast import stage_durations
from rapport.sales.models import DealStageChange, Order
from rapport.sales.services import deal_create, deal_move, deal_update, product_create
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def pipeline(scoped, owner):
    return make_pipeline(scoped, owner)


def test_a_new_deal_starts_in_the_first_stage_with_its_history(scoped, owner, pipeline):
    deal = deal_create(workspace=scoped, actor=owner, data={"name": "Big one", "amount": "5000"})
    assert deal.stage.name == "Qualify"
    assert deal.currency == "USD"
    change = DealStageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage.name, change.actor) == (None, "Qualify", owner)


def test_every_move_is_kept_with_the_time_spent_in_each_stage(scoped, owner, pipeline):
    ids = stage_ids(pipeline)
    with time_machine.travel(T0, tick=False):
        deal = deal_create(workspace=scoped, actor=owner, data={"name": "D", "amount": "10"})
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=ids["Proposal"])
    with time_machine.travel(T0 + dt.timedelta(days=10), tick=False):
        deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=ids["Won"])
    history = [
        (c.from_stage and c.from_stage.name, c.to_stage.name)
        for c in DealStageChange.objects.filter(deal=deal)
    ]
    assert history == [(None, "Qualify"), ("Qualify", "Proposal"), ("Proposal", "Won")]
    assert deal.outcome == "won"
    assert deal.closed_at == T0 + dt.timedelta(days=10)
    durations = stage_durations()
    assert durations[ids["Qualify"]] == dt.timedelta(days=3)
    assert durations[ids["Proposal"]] == dt.timedelta(days=7)
    entry = AuditEntry.objects.filter(entity="sales.deal", action="update").first()  # newest
    assert entry is not None and entry.changes["stage"] == [ids["Proposal"], ids["Won"]]


def test_losing_a_deal_needs_a_reason_and_changes_nothing_without(scoped, owner, pipeline):
    ids = stage_ids(pipeline)
    deal = deal_create(workspace=scoped, actor=owner, data={"name": "D"})
    with pytest.raises(ServiceValidationError) as exc:
        deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=ids["Lost"])
    assert "lost_reason" in exc.value.as_dict()
    deal.refresh_from_db()
    assert deal.stage.name == "Qualify"
    assert DealStageChange.objects.filter(deal=deal).count() == 1
    deal_move(
        workspace=scoped,
        actor=owner,
        deal=deal,
        stage_id=ids["Lost"],
        lost_reason="Went with a competitor",
    )
    assert deal.outcome == "lost"


def test_a_stage_of_another_pipeline_is_refused(scoped, owner, pipeline):
    other = make_pipeline(scoped, owner, name="Renewals")
    deal = deal_create(workspace=scoped, actor=owner, data={"name": "D"})
    with pytest.raises(ServiceValidationError) as exc:
        deal_update(
            workspace=scoped,
            actor=owner,
            deal=deal,
            data={"stage_id": stage_ids(other)["Proposal"]},
        )
    assert "stage_id" in exc.value.as_dict()


def test_a_stage_of_another_workspace_is_not_found(
    scoped, owner, pipeline, other_workspace, outsider
):
    with workspace_scope(other_workspace):
        theirs = make_pipeline(other_workspace, outsider)
    deal = deal_create(workspace=scoped, actor=owner, data={"name": "D"})
    with pytest.raises(ServiceValidationError) as exc:
        deal_update(workspace=scoped, actor=owner, deal=deal, data={"pipeline_id": theirs.pk})
    assert "pipeline_id" in exc.value.as_dict()


def test_a_won_deal_becomes_one_order_with_its_lines(scoped, owner, pipeline):
    ids = stage_ids(pipeline)
    acme = make_company(scoped, owner, name="Acme")
    ann = make_contact(scoped, owner)
    seat = product_create(
        workspace=scoped,
        actor=owner,
        data={"sku": "SEAT", "name": "Seat licence", "prices": {"USD": "49.00"}},
    )
    deal = deal_create(
        workspace=scoped,
        actor=owner,
        data={
            "name": "Acme seats",
            "company_id": acme.pk,
            "contacts": [{"id": ann.pk, "role": "decision_maker"}],
            "lines": [{"product_id": seat.pk, "quantity": "10"}],
        },
    )
    assert deal.amount == Decimal("490.00")
    deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=ids["Won"])
    deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=ids["Proposal"])
    deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=ids["Won"])
    order = Order.objects.get()
    assert (order.deal, order.company, order.contact, order.channel) == (deal, acme, ann, "sales")
    assert order.total == Decimal("490.00")
    assert [(ln.sku, ln.quantity) for ln in order.lines.all()] == [("SEAT", Decimal("10.000"))]


def test_pipelines_need_won_and_lost_stages(scoped, owner):
    with pytest.raises(ServiceValidationError) as exc:
        make_pipeline(scoped, owner, stages=[{"name": "Only", "probability": 50}])
    assert "stages" in exc.value.as_dict()
    with pytest.raises(ServiceValidationError) as exc:
        make_pipeline(
            scoped,
            owner,
            stages=[
                {"name": "A", "probability": 150},
                {"name": "W", "outcome": "won"},
                {"name": "L", "outcome": "lost"},
            ],
        )
    assert "stages.0.probability" in exc.value.as_dict()


def test_an_activity_links_to_a_deal_and_joins_its_timeline(scoped, owner, pipeline):
    from rapport.activities.services import activity_create
    from rapport.core.timeline import timeline_for

    deal = deal_create(workspace=scoped, actor=owner, data={"name": "Timeline deal"})
    note = activity_create(
        workspace=scoped,
        actor=owner,
        data={"kind": "note", "body": "pricing call", "deal_ids": [deal.pk]},
    )
    kinds = [(i.kind, getattr(i.obj, "body", "")) for i in timeline_for(deal).items]
    assert ("activity", "pricing call") in kinds
    assert ("change", "") in kinds  # the deal's creation
    entry = AuditEntry.objects.get(entity="activities.activity", object_id=note.pk)
    assert entry.changes["deals"] == [None, [deal.pk]]
    with pytest.raises(ServiceValidationError) as exc:
        activity_create(
            workspace=scoped, actor=owner, data={"kind": "note", "body": "x", "deal_ids": [999_999]}
        )
    assert "deal_ids" in exc.value.as_dict()


def test_a_deals_timeline_names_its_stages(scoped, owner, pipeline):
    from rapport.core.timeline import timeline_for

    ids = stage_ids(pipeline)
    deal = deal_create(workspace=scoped, actor=owner, data={"name": "Named"})
    deal_move(workspace=scoped, actor=owner, deal=deal, stage_id=ids["Proposal"])
    [update] = [
        i.obj for i in timeline_for(deal).items if i.kind == "change" and i.obj.action == "update"
    ]
    assert update.changes_display["stage"] == ["Qualify", "Proposal"]
