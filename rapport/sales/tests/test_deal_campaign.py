"""A deal's campaign: copied from its lead on conversion, set by hand, by the API or an import,
checked per workspace, audited, and filled for deals converted before it (sales 0009)."""

import importlib

import pytest
from django.apps import apps

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.campaigns.tests.factories import make_campaign
from rapport.core.errors import ServiceValidationError
from rapport.sales.leads import lead_convert, lead_create
from rapport.sales.models import Deal, Lead
from rapport.sales.services import deal_create, deal_update
from rapport.sales.tests.factories import make_pipeline
from rapport.sales.tests.test_importers import _errors, _import, _undo
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

migration = importlib.import_module("rapport.sales.migrations.0009_deal_campaign")
pytestmark = pytest.mark.django_db


@pytest.fixture
def spring(workspace, owner):
    return make_campaign(workspace, owner, name="Spring launch")


@pytest.fixture
def autumn(workspace, owner, spring):
    return make_campaign(workspace, owner, name="Autumn", template_id=spring.template_id)


@pytest.fixture
def theirs(other_workspace, outsider):
    return make_campaign(other_workspace, outsider, name="Spring launch")


@pytest.fixture
def pipeline(workspace, owner):
    with workspace_scope(workspace):
        return make_pipeline(workspace, owner)


def _deals():
    return list(Deal.unscoped.order_by("name").values_list("name", "campaign_id"))


# --- the service ---------------------------------------------------------------------------


def test_conversion_copies_the_leads_campaign_to_the_deal(scoped, owner, spring, pipeline):
    lead = lead_create(
        workspace=scoped, actor=owner, data={"email": "a@x.io", "campaign_id": spring.pk}
    )
    plain = lead_create(workspace=scoped, actor=owner, data={"email": "b@x.io"})

    sourced = lead_convert(workspace=scoped, actor=owner, lead=lead, deal={"name": "A"}).deal
    unsourced = lead_convert(workspace=scoped, actor=owner, lead=plain, deal={"name": "B"}).deal

    assert sourced is not None and unsourced is not None
    assert (sourced.campaign_id, unsourced.campaign_id) == (spring.pk, None)
    created = AuditEntry.objects.get(entity="sales.deal", object_id=sourced.pk, action="create")
    assert created.changes["campaign"] == [None, spring.pk]


def test_a_deal_changes_its_campaign_audited(scoped, owner, spring, autumn, pipeline):
    deal = deal_create(workspace=scoped, actor=owner, data={"name": "D", "campaign_id": spring.pk})

    deal_update(workspace=scoped, actor=owner, deal=deal, data={"campaign_id": autumn.pk})

    entry = AuditEntry.objects.get(entity="sales.deal", action="update")
    assert entry.changes["campaign"] == [spring.pk, autumn.pk]
    assert _deals() == [("D", autumn.pk)]


@pytest.mark.parametrize("bad", ["theirs", "text", True])
def test_another_workspaces_campaign_is_refused_naming_the_field(
    scoped, owner, theirs, pipeline, bad
):
    value = {"theirs": theirs.pk, "text": "Spring launch"}.get(bad, bad)

    with pytest.raises(ServiceValidationError) as exc:
        deal_create(workspace=scoped, actor=owner, data={"name": "D", "campaign_id": value})

    assert exc.value.as_dict() == {"campaign_id": ["is not a campaign of this workspace"]}
    assert _deals() == []


# --- the API -------------------------------------------------------------------------------


def test_the_api_sets_filters_and_refuses_a_foreign_campaign(
    workspace, owner, spring, theirs, pipeline
):
    api = ApiClient.with_token(owner, workspace)

    made = api.post("/sales/deals", {"name": "A", "campaign_id": spring.pk})
    api.post("/sales/deals", {"name": "B"})
    foreign = api.post("/sales/deals", {"name": "C", "campaign_id": theirs.pk})
    moved = api.patch(f"/sales/deals/{made.json()['id']}", {"campaign_id": theirs.pk})
    listed = api.get("/sales/deals", {"campaign_id": spring.pk}).json()["items"]

    assert made.status_code == 201 and made.json()["campaign_id"] == spring.pk
    assert [deal["name"] for deal in listed] == ["A"]
    assert foreign.status_code == 422 and list(problem_fields(foreign)) == ["campaign_id"]
    assert moved.status_code == 422 and list(problem_fields(moved)) == ["campaign_id"]
    assert _deals() == [("A", spring.pk), ("B", None)]


def test_the_api_lists_no_deal_for_another_workspaces_campaign(
    workspace, owner, other_workspace, outsider, theirs
):
    with workspace_scope(other_workspace):
        make_pipeline(other_workspace, outsider)
        deal_create(
            workspace=other_workspace, actor=outsider, data={"name": "X", "campaign_id": theirs.pk}
        )

    listed = ApiClient.with_token(owner, workspace).get("/sales/deals", {"campaign_id": theirs.pk})

    assert listed.status_code == 200 and listed.json()["items"] == []


# --- the import column ---------------------------------------------------------------------


def test_an_imported_campaign_name_sets_the_deal_campaign_or_fails_the_row(
    workspace, owner, spring, theirs, pipeline
):
    text = "Deal Name,Campaign\nA,spring LAUNCH\nB,Webinar\n"

    batch = _import(workspace, owner, "deals", text)

    assert (batch.created, batch.failed) == (1, 1)
    assert _errors(batch) == [(3, "Campaign", "no campaign of the workspace is named 'Webinar'")]
    assert _deals() == [("A", spring.pk)]


def test_an_import_update_of_the_campaign_is_undone(workspace, owner, spring, autumn, pipeline):
    with workspace_scope(workspace):
        deal_create(
            workspace=workspace,
            actor=owner,
            data={"name": "A", "external_id": "7", "campaign_id": spring.pk},
        )

    batch = _import(workspace, owner, "deals", "Deal ID,Campaign\n7,Autumn\n", mode="update")
    assert _deals() == [("A", autumn.pk)]
    _undo(batch, owner)

    assert _deals() == [("A", spring.pk)]


# --- the deal pages ------------------------------------------------------------------------


def test_the_deal_form_offers_the_workspaces_campaigns_and_sets_the_chosen(
    owner_client, workspace, spring, theirs, pipeline
):
    page = owner_client.get("/deals/new/").content.decode()
    assert page.count("Spring launch") == 1  # ours only, though theirs has the same name
    assert f'<option value="{spring.pk}">Spring launch</option>' in page

    owner_client.post(
        "/deals/new/", {"name": "A", "campaign": spring.pk, "forecast_category": "pipeline"}
    )
    refused = owner_client.post(
        "/deals/new/", {"name": "B", "campaign": theirs.pk, "forecast_category": "pipeline"}
    )

    assert "Select a valid choice" in refused.content.decode()
    assert _deals() == [("A", spring.pk)]


def test_the_deal_page_shows_its_campaign_and_edits_it_in_place(
    owner_client, workspace, owner, spring, autumn, pipeline
):
    with workspace_scope(workspace):
        deal = deal_create(
            workspace=workspace, actor=owner, data={"name": "A", "campaign_id": spring.pk}
        )

    page = owner_client.get(f"/deals/{deal.pk}/").content.decode()
    saved = owner_client.post(f"/deals/{deal.pk}/fields/campaign/", {"campaign": autumn.pk})

    assert "Campaign" in page and "Spring launch" in page
    assert saved.status_code == 200 and "Autumn" in saved.content.decode()
    assert _deals() == [("A", autumn.pk)]


def test_the_deal_list_and_its_export_filter_by_campaign(
    owner_client, workspace, owner, spring, autumn, theirs, pipeline
):
    with workspace_scope(workspace):
        deal_create(
            workspace=workspace, actor=owner, data={"name": "Sprung", "campaign_id": spring.pk}
        )
        deal_create(
            workspace=workspace, actor=owner, data={"name": "Fallen", "campaign_id": autumn.pk}
        )

    page = owner_client.get("/deals/", {"campaign": spring.pk}).content.decode()
    assert "Sprung" in page and "Fallen" not in page
    choices = page.split('<select name="campaign"')[1].split("</select>")[0]
    assert f'<option value="{spring.pk}" selected>Spring launch</option>' in choices
    assert choices.count("<option") == 3  # any, ours two: another workspace's never offered
    export = owner_client.get("/exports/deals.csv", {"campaign": autumn.pk})
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert rows[0].endswith(",campaign") and len(rows) == 2 and rows[1].endswith(",Autumn")


# --- the migration -------------------------------------------------------------------------


def test_the_migration_gives_converted_deals_their_leads_campaign(
    workspace, owner, spring, pipeline
):
    with workspace_scope(workspace):
        sourced = deal_create(workspace=workspace, actor=owner, data={"name": "A"})
        other = deal_create(workspace=workspace, actor=owner, data={"name": "B"})
        deal_create(workspace=workspace, actor=owner, data={"name": "C"})
    Lead.unscoped.create(workspace=workspace, campaign=spring, converted_deal=sourced)
    Lead.unscoped.create(workspace=workspace, converted_deal=other)

    migration.copy_lead_campaigns(apps, None)

    assert _deals() == [("A", spring.pk), ("B", None), ("C", None)]
