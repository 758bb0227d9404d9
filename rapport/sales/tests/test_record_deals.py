"""The Deals card on a contact's and a company's page: open deals soonest to close first,
then the latest closed; only the record's own, only in its workspace."""

import datetime as dt
import re

import pytest
import time_machine

from rapport.contacts.tests.factories import make_company, make_contact
from rapport.sales.services import deal_create, deal_move
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def initech(workspace):
    return make_company(workspace, name="Initech")


@pytest.fixture
def ann(workspace, initech):
    return make_contact(workspace, first_name="Ann", company_ids=[initech.pk])


@pytest.fixture
def deals(workspace, owner, initech, ann):
    other = make_contact(workspace, first_name="Bob")
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace, owner)
        won_stage = stage_ids(pipeline)["Won"]

        def deal(name, contact, close, **data):
            return deal_create(
                workspace=workspace,
                actor=owner,
                data={
                    "name": name,
                    "amount": "1000",
                    "pipeline_id": pipeline.pk,
                    "expected_close_date": close,
                    "contacts": [{"id": contact.pk, "role": "champion"}],
                }
                | data,
            )

        deal("Later", ann, "2031-06-01", company_id=initech.pk)
        deal("Sooner", ann, "2030-01-15")
        deal("Bob's", other, "2030-01-01", company_id=initech.pk)
        for name, day in [("Won in 2025", 2025), ("Won in 2026", 2026)]:
            with time_machine.travel(dt.datetime(day, 3, 1, 12, tzinfo=dt.UTC), tick=False):
                won = deal(name, ann, None)
                deal_move(workspace=workspace, actor=owner, deal=won, stage_id=won_stage)


def _names(html: str) -> list[str]:
    anchors = [part.split("</a>")[0] for part in html.split("<li>")[1:]]
    return [re.sub(r"<[^>]+>", "", a).strip() for a in anchors]


def test_a_contacts_card_lists_its_open_deals_then_the_latest_closed(viewer_client, ann, deals):
    card = viewer_client.get(f"/contacts/{ann.pk}/deals/").content.decode()

    assert _names(card) == ["Sooner", "Later", "Won in 2026", "Won in 2025"]
    assert "2 open · 2 closed" in card and "won Mar 1, 2026" in card
    assert "closes Jan 15, 2030" in card


def test_a_companys_card_lists_the_deals_of_the_company(owner_client, initech, deals):
    card = owner_client.get(f"/companies/{initech.pk}/deals/").content.decode()

    assert _names(card) == ["Bob&#x27;s", "Later"]  # escaped


def test_the_pages_ask_for_the_card_and_another_workspace_finds_nothing(
    owner_client, outsider_client, ann, initech
):
    assert (
        f'hx-get="/contacts/{ann.pk}/deals/"'
        in owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    )
    assert (
        f'hx-get="/companies/{initech.pk}/deals/"'
        in owner_client.get(f"/companies/{initech.pk}/").content.decode()
    )
    assert "No deals yet." in owner_client.get(f"/contacts/{ann.pk}/deals/").content.decode()
    assert outsider_client.get(f"/contacts/{ann.pk}/deals/").status_code == 404
    assert outsider_client.get(f"/companies/{initech.pk}/deals/").status_code == 404
