"""The API board's answer, built from plain rows, is byte for byte what ninja's own dump of
`BoardOut` over the deals as model instances gives (the path it replaced)."""

import datetime as dt

import pytest
from django.http import HttpRequest
from ninja.renderers import JSONRenderer

from rapport.api.testing import ApiClient
from rapport.campaigns.tests.factories import make_campaign
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.sales.api import BoardOut, DealOut
from rapport.sales.currency import CENT
from rapport.sales.models import Deal
from rapport.sales.queries import BOARD_CARDS_PER_STAGE, board
from rapport.sales.services import deal_create, deal_move, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope


def _schema_dump(workspace, pipeline, owner_id=None) -> bytes:
    """The answer as `kept_json` made it before: `BoardOut` over `Deal` instances."""
    deals = Deal.objects.filter(pipeline=pipeline).select_related("stage")
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    columns = [
        {
            "stage": stage,
            "deal_count": n,
            "amount_sum": total.quantize(CENT),
            "deals": list(
                deals.filter(stage=stage).order_by("position", "id")[:BOARD_CARDS_PER_STAGE]
            ),
        }
        for stage, _, n, total in board(
            workspace=workspace,
            pipeline=pipeline,
            owner_id=owner_id,
            columns=("id", "stage_id", "position"),
        )
    ]
    answer = {"pipeline_id": pipeline.pk, "currency": workspace.base_currency, "columns": columns}
    dump = BoardOut.from_orm(answer).model_dump()
    return JSONRenderer().render(HttpRequest(), dump, response_status=200).encode()


@pytest.fixture
def seeded(workspace, owner, member):
    """Deals in several currencies, of two owners and none, with and without a company,
    contacts, campaign, close date, external id, next step; moved to won and lost."""
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace, owner)
        stages = stage_ids(pipeline)
        for currency, rate in [("EUR", "1.0850"), ("GBP", "1.2700")]:
            exchange_rate_set(
                workspace=workspace,
                actor=owner,
                currency=currency,
                day=dt.date(2026, 1, 1),
                rate=rate,
            )
        firm = make_company(workspace, owner, name="Globex")
        other = make_company(workspace, owner, name="Initech")
        ann = make_contact(workspace, owner)
        bob = make_contact(workspace, owner, first_name="Bob")
        campaign = make_campaign(workspace, owner)
        rows = [
            {"name": "Bare", "amount": "0"},
            {
                "name": "Full",
                "amount": "1250.50",
                "currency": "EUR",
                "owner_id": member.pk,
                "company_id": firm.pk,
                "contacts": [{"id": ann.pk, "role": "decision_maker"}],
                "expected_close_date": "2026-12-31",
                "external_id": "crm-7",
                "next_step": 'Call "Ann" <soon> – café',
                "forecast_category": "commit",
                "campaign_id": campaign.pk,
            },
            {"name": "Pounds", "amount": "99.99", "currency": "GBP", "owner_id": owner.pk},
            {
                "name": "Won one",
                "amount": "10",
                "company_id": other.pk,
                "contacts": [bob.pk],
            },
            {"name": "Lost one", "amount": "7.5", "currency": "EUR", "owner_id": member.pk},
            *({"name": f"Filler {i}", "amount": f"{i}.01"} for i in range(3)),
        ]
        deals = {
            row["name"]: deal_create(workspace=workspace, actor=owner, data=row) for row in rows
        }
        deal_move(workspace=workspace, actor=owner, deal=deals["Won one"], stage_id=stages["Won"])
        deal_move(
            workspace=workspace,
            actor=owner,
            deal=deals["Lost one"],
            stage_id=stages["Lost"],
            lost_reason="Price",
        )
        deal_move(
            workspace=workspace,
            actor=owner,
            deal=deals["Pounds"],
            stage_id=stages["Qualify"],
            position=0.25,
        )
    return pipeline


@pytest.mark.parametrize("who", [None, "member", "owner"])
def test_the_board_answer_is_byte_for_byte_the_schemas_dump(workspace, owner, member, seeded, who):
    owner_id = {"member": member.pk, "owner": owner.pk, None: None}[who]
    api = ApiClient.with_token(owner, workspace)

    response = api.get(
        f"/sales/pipelines/{seeded.pk}/board", {"owner_id": owner_id} if owner_id else {}
    )

    with workspace_scope(workspace):
        expected = _schema_dump(workspace, seeded, owner_id)
    assert response.status_code == 200
    assert response.content == expected
    cards = [card for column in response.json()["columns"] for card in column["deals"]]
    assert cards and all(list(card) == list(DealOut.model_fields) for card in cards)


def test_the_fixture_has_what_could_differ(workspace, owner, seeded):
    """Nulls and values of every kind, so the comparison above is not vacuous."""
    body = ApiClient.with_token(owner, workspace).get(f"/sales/pipelines/{seeded.pk}/board")
    cards = {card["name"]: card for column in body.json()["columns"] for card in column["deals"]}

    assert {card["currency"] for card in cards.values()} == {"USD", "EUR", "GBP"}
    assert cards["Bare"]["owner_id"] is None and cards["Bare"]["expected_close_date"] is None
    assert cards["Full"]["amount"] == "1250.50" and cards["Full"]["campaign_id"]
    assert cards["Won one"]["closed_at"] and cards["Lost one"]["lost_reason"] == "Price"
    assert cards["Pounds"]["position"] == 0.25
