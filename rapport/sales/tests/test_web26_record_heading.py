"""An inline edit on a lead's or a deal's page sends the heading again (as a contact's,
`contacts/tests/test_qa25_record_heading.py`): the status or stage badge, the summary line,
the name, the crumb and the tab's title never show the value the edit replaced."""

import re

import pytest

from rapport.contacts.tests.factories import make_company
from rapport.contacts.tests.test_qa25_record_heading import out_of_band
from rapport.sales.leads import lead_create
from rapport.sales.services import deal_create
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(workspace):
    with workspace_scope(workspace):
        return lead_create(
            workspace=workspace,
            actor=None,
            data={"first_name": "Ada", "last_name": "Byron", "company_name": "Engines"},
        )


@pytest.fixture
def pipeline(workspace):
    with workspace_scope(workspace):
        return make_pipeline(workspace)


@pytest.fixture
def deal(workspace, pipeline):
    with workspace_scope(workspace):
        return deal_create(
            workspace=workspace,
            actor=None,
            data={"name": "Initech renewal", "amount": "1200.00", "pipeline_id": pipeline.pk},
        )


def test_a_leads_status_edited_in_place_changes_the_badge(owner_client, lead):
    response = owner_client.post(f"/leads/{lead.pk}/fields/status/", {"status": "qualified"})
    heading = out_of_band(response.content.decode(), "record-heading")
    assert "Qualified" in heading and "New" not in heading and "Engines" in heading


def test_a_leads_name_edited_in_place_renames_the_heading_crumb_avatar_and_tab(owner_client, lead):
    response = owner_client.post(f"/leads/{lead.pk}/fields/first_name/", {"first_name": "Zoe"})
    html = response.content.decode()
    assert "Zoe Byron" in out_of_band(html, "record-heading")
    assert out_of_band(html, "record-crumb") == "Zoe Byron"
    assert out_of_band(html, "record-avatar") == "ZB"
    assert re.search(r"<title>Zoe Byron · ", html)


def test_a_deals_stage_edited_in_place_changes_the_badge(owner_client, workspace, deal, pipeline):
    with workspace_scope(workspace):
        proposal = stage_ids(pipeline)["Proposal"]
    response = owner_client.post(f"/deals/{deal.pk}/fields/stage/", {"stage": proposal})
    heading = out_of_band(response.content.decode(), "record-heading")
    assert "Proposal" in heading and "Qualify" not in heading


def test_a_deals_amount_and_company_edited_in_place_change_the_summary(
    owner_client, workspace, deal
):
    make_company(workspace, name="Globex")
    response = owner_client.post(f"/deals/{deal.pk}/fields/amount/", {"amount": "2500"})
    assert "2,500.00" in out_of_band(response.content.decode(), "record-heading")
    response = owner_client.post(f"/deals/{deal.pk}/fields/company/", {"company": "Globex"})
    assert "Globex" in out_of_band(response.content.decode(), "record-heading")


def test_a_refused_edit_sends_no_heading(owner_client, deal):
    response = owner_client.post(f"/deals/{deal.pk}/fields/amount/", {"amount": "-5"})
    assert 'id="record-heading"' not in response.content.decode()
