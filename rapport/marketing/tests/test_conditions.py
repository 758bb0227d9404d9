"""Each condition type and their nesting, against hand-built contacts: the member sets must be
exactly the expected ones, and a whole definition is evaluated in one query."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.models import Contact, Tag
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.marketing.definition import definition_clean
from rapport.marketing.queries import definition_members
from rapport.marketing.tests.factories import group
from rapport.sales.services import deal_create, exchange_rate_set, order_upsert, product_create
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


@dataclass
class World:
    workspace: Any
    ids: dict[str, int]
    refs: dict[str, int]

    def members(self, *rules: dict[str, Any], op: str = "and") -> set[str]:
        with workspace_scope(self.workspace):
            tree = definition_clean(group(*rules, op=op), workspace=self.workspace)
            found = set(
                definition_members(workspace=self.workspace, definition=tree).values_list(
                    "pk", flat=True
                )
            )
        names = {pk: name for name, pk in self.ids.items()}
        return {names[pk] for pk in found}


@pytest.fixture
def world(workspace, owner, member, other_workspace, outsider) -> World:
    """Ann: VIP customer at Acme (tier gold), a call last week, a won deal, bought the widget
    for 600 + 300 EUR. Bob: lead at Globex, a meeting long ago, an open deal in Proposal, one
    100 USD order. Cy: subscriber without a company, owned by Mia, nothing else."""
    ws = workspace
    with time_machine.travel(NOW - dt.timedelta(days=400), tick=False):
        with workspace_scope(ws):
            custom_field_create(
                workspace=ws,
                actor=owner,
                data={
                    "entity": "contact",
                    "key": "tier",
                    "label": "Tier",
                    "field_type": "choice",
                    "choices": ["gold", "silver"],
                },
            )
            custom_field_create(
                workspace=ws,
                actor=owner,
                data={
                    "entity": "contact",
                    "key": "seats",
                    "label": "Seats",
                    "field_type": "decimal",
                },
            )
            custom_field_create(
                workspace=ws,
                actor=owner,
                data={
                    "entity": "company",
                    "key": "region",
                    "label": "Region",
                    "field_type": "text",
                },
            )
        acme = make_company(
            ws,
            owner,
            name="Acme",
            industry="Rockets",
            size_band="51-200",
            custom_fields={"region": "EMEA"},
        )
        globex = make_company(ws, owner, name="Globex", industry="Chemicals")
        ann = make_contact(
            ws,
            owner,
            first_name="Ann",
            last_name="Lee",
            emails=["ann@acme.io"],
            company_ids=[acme.pk],
            tags=["vip"],
            lifecycle_stage="customer",
            owner_id=owner.pk,
            custom_fields={"tier": "gold", "seats": "12.5"},
        )
        bob = make_contact(
            ws,
            owner,
            first_name="Bob",
            last_name="Ray",
            emails=["bob@globex.io"],
            company_ids=[globex.pk],
            lifecycle_stage="lead",
            owner_id=owner.pk,
            custom_fields={"tier": "silver", "seats": "3"},
        )
    cy = make_contact(
        ws,
        owner,
        first_name="Cy",
        last_name="",
        emails=["cy@gmail.com"],
        lifecycle_stage="subscriber",
        owner_id=member.pk,
    )
    # The outsider's look-alike of Ann never shows up in our segments.
    make_contact(
        other_workspace, outsider, first_name="Ann", tags=["vip"], lifecycle_stage="customer"
    )
    make_activity(
        ws,
        owner,
        kind="call",
        contact_ids=[ann.pk],
        occurred_at=(NOW - dt.timedelta(days=7)).isoformat(),
    )
    make_activity(
        ws,
        owner,
        kind="meeting",
        contact_ids=[bob.pk],
        occurred_at=(NOW - dt.timedelta(days=200)).isoformat(),
        starts_at=(NOW - dt.timedelta(days=200)).isoformat(),
    )
    with workspace_scope(ws):
        pipeline = make_pipeline(ws, owner)
        stages = stage_ids(pipeline)
        deal_create(
            workspace=ws,
            actor=owner,
            data={
                "name": "Ann renewal",
                "amount": "5000",
                "currency": "USD",
                "pipeline_id": pipeline.pk,
                "stage_id": stages["Won"],
                "contacts": [ann.pk],
            },
        )
        deal_create(
            workspace=ws,
            actor=owner,
            data={
                "name": "Bob pilot",
                "amount": "800",
                "currency": "USD",
                "pipeline_id": pipeline.pk,
                "stage_id": stages["Proposal"],
                "contacts": [bob.pk],
            },
        )
        widget = product_create(
            workspace=ws,
            actor=owner,
            data={
                "sku": "W-1",
                "name": "Widget",
                "prices": {"USD": "100"},
            },
        )
        exchange_rate_set(
            workspace=ws, actor=owner, currency="EUR", day=dt.date(2026, 1, 1), rate="1.10"
        )
        exchange_rate_set(
            workspace=ws, actor=owner, currency="EUR", day=dt.date(2026, 3, 1), rate="2.00"
        )
        line = {"description": "Widget", "product_id": widget.pk, "quantity": 1}
        # The won deal's 5,000 USD order, 600 USD, then 300 EUR at 2.00 (the rate of March, not
        # of January's 1.10) = 600: 6,200 in all.
        order_upsert(
            workspace=ws,
            actor=owner,
            data={
                "contact_id": ann.pk,
                "currency": "USD",
                "ordered_at": "2026-02-01T10:00:00+00:00",
                "lines": [{**line, "unit_price": "600"}],
            },
        )
        order_upsert(
            workspace=ws,
            actor=owner,
            data={
                "contact_id": ann.pk,
                "currency": "EUR",
                "ordered_at": "2026-03-05T10:00:00+00:00",
                "lines": [{**line, "unit_price": "300"}],
            },
        )
        order_upsert(
            workspace=ws,
            actor=owner,
            data={
                "contact_id": bob.pk,
                "currency": "USD",
                "ordered_at": "2026-04-01T10:00:00+00:00",
                "lines": [{"description": "Service", "quantity": 1, "unit_price": "100"}],
            },
        )
        # A cancelled order of the widget does not count as buying it.
        order_upsert(
            workspace=ws,
            actor=owner,
            data={
                "contact_id": cy.pk,
                "status": "cancelled",
                "currency": "USD",
                "lines": [{**line, "unit_price": "5000"}],
            },
        )
        refs = {
            "vip": Tag.objects.get(name="vip").pk,
            "pipeline": pipeline.pk,
            "won": stages["Won"],
            "proposal": stages["Proposal"],
            "widget": widget.pk,
            "owner": owner.pk,
            "member": member.pk,
        }
    return World(ws, {"ann": ann.pk, "bob": bob.pk, "cy": cy.pk}, refs)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_contact_field_text_comparisons(world):
    assert world.members(
        {"type": "contact_field", "field": "first_name", "op": "is", "value": "ann"}
    ) == {"ann"}
    assert world.members(
        {"type": "contact_field", "field": "email", "op": "contains", "value": "globex"}
    ) == {"bob"}
    assert world.members({"type": "contact_field", "field": "last_name", "op": "is_empty"}) == {
        "cy"
    }
    assert world.members(
        {"type": "contact_field", "field": "first_name", "op": "is_not", "value": "Ann"}
    ) == {"bob", "cy"}


def test_contact_field_date_comparisons(world):
    assert world.members(
        {"type": "contact_field", "field": "created_at", "op": "in_last_days", "value": "30"}
    ) == {"cy"}
    assert world.members(
        {"type": "contact_field", "field": "created_at", "op": "before", "value": "2026-01-01"}
    ) == {"ann", "bob"}


def test_company_field_of_the_primary_company(world):
    assert world.members(
        {"type": "company_field", "field": "industry", "op": "is", "value": "rockets"}
    ) == {"ann"}
    assert world.members(
        {"type": "company_field", "field": "size_band", "op": "is", "value": "51-200"}
    ) == {"ann"}
    assert world.members({"type": "company_field", "field": "name", "op": "is_empty"}) == {"cy"}


def test_custom_field_values(world):
    assert world.members({"type": "custom_field", "key": "tier", "op": "is", "value": "gold"}) == {
        "ann"
    }
    assert world.members({"type": "custom_field", "key": "seats", "op": "gt", "value": "4"}) == {
        "ann"
    }
    assert world.members(
        {"type": "custom_field", "key": "seats", "op": "lte", "value": "12.5"}
    ) == {"ann", "bob"}
    assert world.members({"type": "custom_field", "key": "tier", "op": "is_empty"}) == {"cy"}
    assert world.members(
        {"type": "custom_field", "entity": "company", "key": "region", "op": "is", "value": "EMEA"}
    ) == {"ann"}


def test_tag_lifecycle_stage_and_owner(world):
    assert world.members({"type": "tag", "op": "has", "tag_id": world.refs["vip"]}) == {"ann"}
    assert world.members({"type": "tag", "op": "has_not", "tag_id": world.refs["vip"]}) == {
        "bob",
        "cy",
    }
    assert world.members({"type": "lifecycle_stage", "op": "is", "stage": "lead"}) == {"bob"}
    assert world.members({"type": "lifecycle_stage", "op": "is_not", "stage": "lead"}) == {
        "ann",
        "cy",
    }
    assert world.members({"type": "owner", "op": "is", "user_id": world.refs["member"]}) == {"cy"}
    assert world.members({"type": "owner", "op": "is_not", "user_id": world.refs["member"]}) == {
        "ann",
        "bob",
    }


def test_activity_conditions(world):
    no_call_in_90_days = {
        "type": "activity",
        "op": "has_not",
        "kind": "call",
        "when": "within_days",
        "days": 90,
    }
    assert world.members(no_call_in_90_days) == {"bob", "cy"}
    assert world.members(
        {"type": "activity", "op": "has", "kind": "meeting", "when": "since", "since": "2025-01-01"}
    ) == {"bob"}
    assert (
        world.members(
            {
                "type": "activity",
                "op": "has",
                "kind": "meeting",
                "when": "since",
                "since": "2026-01-01",
            }
        )
        == set()
    )
    assert world.members({"type": "activity", "op": "has", "kind": "any", "when": "ever"}) == {
        "ann",
        "bob",
    }


def test_deal_conditions(world):
    assert world.members(
        {
            "type": "deal",
            "op": "has",
            "status": "open",
            "pipeline_id": world.refs["pipeline"],
            "stage_id": world.refs["proposal"],
        }
    ) == {"bob"}
    assert world.members({"type": "deal", "op": "has", "status": "won", "min_amount": "5000"}) == {
        "ann"
    }
    assert (
        world.members({"type": "deal", "op": "has", "status": "won", "min_amount": "5000.01"})
        == set()
    )
    assert world.members({"type": "deal", "op": "has_not", "status": "any"}) == {"cy"}


def test_order_conditions_in_the_base_currency(world):
    assert world.members(
        {"type": "bought_product", "op": "bought", "product_id": world.refs["widget"]}
    ) == {"ann"}
    assert world.members(
        {"type": "bought_product", "op": "not_bought", "product_id": world.refs["widget"]}
    ) == {"bob", "cy"}
    assert world.members({"type": "lifetime_revenue", "op": "gt", "amount": "1000"}) == {"ann"}
    assert world.members({"type": "lifetime_revenue", "op": "gte", "amount": "6200"}) == {"ann"}
    assert world.members({"type": "lifetime_revenue", "op": "gt", "amount": "6200"}) == set()
    assert world.members({"type": "lifetime_revenue", "op": "lt", "amount": "150"}) == {"bob", "cy"}


def test_nested_and_or_groups(world):
    lead = {"type": "lifecycle_stage", "op": "is", "stage": "lead"}
    vip = {"type": "tag", "op": "has", "tag_id": world.refs["vip"]}
    mine = {"type": "owner", "op": "is", "user_id": world.refs["owner"]}
    assert world.members(lead, vip, op="or") == {"ann", "bob"}
    assert world.members(lead, vip, op="and") == set()
    assert world.members(mine, group(lead, vip, op="or")) == {"ann", "bob"}
    subscriber = {"type": "lifecycle_stage", "op": "is", "stage": "subscriber"}
    assert world.members(group(mine, vip), subscriber, op="or") == {"ann", "cy"}
    assert world.members() == {"ann", "bob", "cy"}


def test_a_definition_with_every_type_is_one_query(world):
    tree = group(
        {"type": "contact_field", "field": "first_name", "op": "is", "value": "Ann"},
        {"type": "company_field", "field": "industry", "op": "is", "value": "Rockets"},
        {"type": "custom_field", "key": "seats", "op": "gt", "value": "4"},
        {"type": "tag", "op": "has", "tag_id": world.refs["vip"]},
        group(
            {"type": "activity", "op": "has", "kind": "call", "when": "within_days", "days": 90},
            {"type": "deal", "op": "has", "status": "won", "min_amount": "10"},
            op="or",
        ),
        {"type": "bought_product", "op": "bought", "product_id": world.refs["widget"]},
        {"type": "lifetime_revenue", "op": "gt", "amount": "1000"},
    )
    with workspace_scope(world.workspace):
        clean = definition_clean(tree, workspace=world.workspace)
        with CaptureQueriesContext(connection) as queries:
            ids = list(
                definition_members(workspace=world.workspace, definition=clean).values_list(
                    "pk", flat=True
                )
            )
    assert ids == [world.ids["ann"]]
    assert len(queries) == 1


def test_bad_conditions_are_named_by_their_path(world):
    tree = group(
        {"type": "tag", "op": "has", "tag_id": 999999},
        group({"type": "lifecycle_stage", "op": "is", "stage": "astronaut"}, {"type": "telepathy"}),
        {"type": "custom_field", "key": "tier", "op": "gt", "value": "x"},
    )
    with workspace_scope(world.workspace), pytest.raises(ServiceValidationError) as caught:
        definition_clean(tree, workspace=world.workspace)
    fields = {e.field for e in caught.value.errors}
    assert fields == {
        "definition.rules.0.tag_id",
        "definition.rules.1.rules.0.stage",
        "definition.rules.1.rules.1.type",
        "definition.rules.2.op",
    }


def test_another_workspaces_tag_is_no_such_tag(world, other_workspace):
    with workspace_scope(other_workspace), pytest.raises(ServiceValidationError):
        definition_clean(
            group({"type": "tag", "op": "has", "tag_id": world.refs["vip"]}),
            workspace=other_workspace,
        )
    with workspace_scope(other_workspace):
        assert Contact.objects.count() == 1


def test_decimal_custom_values_compare_as_numbers_not_text(world):
    # As text "12.5" < "3"; as numbers it is the larger.
    assert world.members({"type": "custom_field", "key": "seats", "op": "gte", "value": "10"}) == {
        "ann"
    }
    assert Decimal("12.5") > Decimal("3")
