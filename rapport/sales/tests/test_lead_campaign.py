"""A lead's campaign is a link to a campaign of its workspace: the migration that linked the old
names, the service's checks, the web form's parameter, the import column and the lead pages."""

import importlib

import pytest
from django.apps import apps
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.campaigns.tests.factories import make_campaign
from rapport.core.errors import ServiceValidationError
from rapport.sales.leads import lead_create, lead_update, web_form_create
from rapport.sales.models import Lead
from rapport.sales.scoring import scoring_rule_create
from rapport.sales.tests.test_importers import _errors, _import
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

migration = importlib.import_module("rapport.sales.migrations.0008_lead_campaign_link")
pytestmark = pytest.mark.django_db


@pytest.fixture
def spring(workspace, owner):
    return make_campaign(workspace, owner, name="Spring launch")


@pytest.fixture
def theirs(other_workspace, outsider):
    return make_campaign(other_workspace, outsider, name="Spring launch")


# --- the migration -------------------------------------------------------------------------


def test_the_mapping_matches_names_in_the_leads_own_workspace_case_and_spaces_aside():
    campaigns = [(7, 1, "Spring launch"), (3, 1, "spring LAUNCH"), (9, 2, "Autumn")]
    names = [(1, " SPRING launch "), (2, "Spring launch"), (1, "Autumn"), (2, "autumn"), (1, "")]

    links = migration.campaign_links(campaigns, names)

    # The oldest of two campaigns sharing a name; another workspace's never; no name, no link.
    assert links == {(1, " SPRING launch "): 3, (2, "autumn"): 9}


def test_the_migration_links_matching_leads_and_keeps_other_names(workspace, other_workspace):
    spring = make_campaign(workspace, None, name="Spring launch")
    make_campaign(other_workspace, None, name="Webinar")
    for email, name in (("a@x.io", "spring LAUNCH"), ("b@x.io", "Webinar"), ("c@x.io", "")):
        Lead.unscoped.create(workspace=workspace, email=email, campaign_name=name)
    rows = Lead.unscoped.order_by("email").values_list("campaign_id", "campaign_name")

    migration.link_campaigns(apps, None)
    linked = list(rows)
    migration.unlink_campaigns(apps, None)

    assert linked == [(spring.pk, ""), (None, "Webinar"), (None, "")]
    # Undone, the linked name is text again (the campaign's own spelling).
    assert list(rows.values_list("campaign_name", flat=True)) == ["Spring launch", "Webinar", ""]


# --- the service ---------------------------------------------------------------------------


def test_a_lead_links_a_campaign_of_its_workspace_audited_by_name(scoped, owner, spring):
    lead = lead_create(
        workspace=scoped, actor=owner, data={"email": "a@x.io", "campaign_id": spring.pk}
    )

    entry = AuditEntry.objects.get(entity="sales.lead", action="create")
    assert lead.campaign == spring
    assert entry.changes["campaign"] == [None, spring.pk]
    lead_update(workspace=scoped, actor=owner, lead=lead, data={"campaign_id": None})
    assert Lead.objects.get().campaign is None


@pytest.mark.parametrize("bad", ["theirs", "text", True, 0])
def test_another_workspaces_campaign_or_a_non_id_is_refused_naming_the_field(
    scoped, owner, spring, theirs, bad
):
    value = {"theirs": theirs.pk, "text": "Spring launch"}.get(bad, bad)

    with pytest.raises(ServiceValidationError) as exc:
        lead_create(workspace=scoped, actor=owner, data={"email": "a@x.io", "campaign_id": value})

    assert exc.value.as_dict() == {"campaign_id": ["is not a campaign of this workspace"]}
    assert not Lead.objects.exists()


def test_scoring_rules_on_the_campaign_read_its_name(scoped, owner, spring):
    scoring_rule_create(
        workspace=scoped,
        actor=owner,
        data={
            "target": "lead",
            "field": "campaign",
            "operator": "contains",
            "value": "spring",
            "points": 15,
        },
    )

    lead = lead_create(
        workspace=scoped, actor=owner, data={"email": "a@x.io", "campaign_id": spring.pk}
    )

    assert lead.score == 15


# --- the web form --------------------------------------------------------------------------


@pytest.fixture
def form(workspace, owner):
    with workspace_scope(workspace):
        return web_form_create(workspace=workspace, actor=owner, name="Contact us")


def _leads():
    return list(Lead.unscoped.order_by("email").values_list("email", "campaign_id"))


def test_the_web_form_credits_the_campaign_it_is_given(form, spring):
    page = Client().get(f"/forms/{form.key}/?campaign_id={spring.pk}").content.decode()
    assert f'<input type="hidden" name="campaign_id" value="{spring.pk}">' in page

    sent = Client().post(f"/forms/{form.key}/", {"email": "ann@x.io", "campaign_id": spring.pk})

    assert sent.status_code == 200
    assert _leads() == [("ann@x.io", spring.pk)]


@pytest.mark.parametrize("value", ["theirs", "spring launch", "12abc"])
def test_a_bad_web_form_campaign_keeps_the_lead_without_one_and_records_it(
    form, spring, theirs, value, caplog
):
    """A visitor cannot fix a hidden field: the lead is kept, the value is its unlinked name."""
    campaign = str(theirs.pk) if value == "theirs" else value

    as_json = Client().post(
        f"/forms/{form.key}/",
        {"email": "ann@x.io", "campaign_id": campaign},
        content_type="application/json",
    )
    as_page = Client().post(f"/forms/{form.key}/", {"email": "bob@x.io", "campaign_id": campaign})

    assert (as_json.status_code, as_page.status_code) == (201, 200)
    assert _leads() == [("ann@x.io", None), ("bob@x.io", None)]
    names = Lead.unscoped.values_list("campaign_name", flat=True)
    assert list(names.order_by("email")) == [campaign, campaign]
    warnings = [
        r for r in caplog.records if r.levelname == "WARNING" and "campaign_id" in r.getMessage()
    ]
    assert len(warnings) == 2 and repr(campaign) in warnings[0].getMessage()


def test_a_bad_web_form_campaign_naming_a_campaign_is_linked_from_its_page(
    form, owner_client, spring
):
    Client().post(f"/forms/{form.key}/", {"email": "ann@x.io", "campaign_id": "Spring Launch"})

    page = owner_client.get(f"/campaigns/{spring.pk}/").content.decode()
    owner_client.post(f"/campaigns/{spring.pk}/link-leads/")

    assert "1 lead names “Spring launch”" in page
    assert _leads() == [("ann@x.io", spring.pk)]


# --- the import column ---------------------------------------------------------------------


def test_an_imported_campaign_name_links_the_campaign_or_fails_the_row(
    workspace, owner, spring, theirs
):
    make_campaign(workspace, owner, name="Autumn", template_id=spring.template_id)
    text = "Email,Campaign\na@x.io,SPRING LAUNCH\nb@x.io,Webinar\n"

    batch = _import(workspace, owner, "leads", text)

    assert (batch.created, batch.failed) == (1, 1)
    assert _errors(batch) == [(3, "Campaign", "no campaign of the workspace is named 'Webinar'")]
    assert _leads() == [("a@x.io", spring.pk)]


# --- the lead pages ------------------------------------------------------------------------


def test_the_lead_form_offers_the_workspaces_campaigns_and_links_the_chosen(
    owner_client, workspace, spring, theirs
):
    page = owner_client.get("/leads/new/").content.decode()
    assert page.count("Spring launch") == 1  # ours only, though theirs has the same name
    assert f'<option value="{spring.pk}">Spring launch</option>' in page

    owner_client.post("/leads/new/", {"email": "ann@x.io", "status": "new", "campaign": spring.pk})
    refused = owner_client.post(
        "/leads/new/", {"email": "bob@x.io", "status": "new", "campaign": theirs.pk}
    )

    assert "Select a valid choice" in refused.content.decode()
    assert _leads() == [("ann@x.io", spring.pk)]


def test_the_lead_page_shows_the_campaign_or_an_unlinked_name(owner_client, workspace, spring):
    with workspace_scope(workspace):
        linked = lead_create(
            workspace=workspace, actor=None, data={"email": "a@x.io", "campaign_id": spring.pk}
        )
        old = Lead.unscoped.create(workspace=workspace, email="b@x.io", campaign_name="Fair 2024")

    assert "Spring launch" in owner_client.get(f"/leads/{linked.pk}/").content.decode()
    page = owner_client.get(f"/leads/{old.pk}/").content.decode()
    assert "Fair 2024 (not linked: no campaign of that name)" in page


# --- the API -------------------------------------------------------------------------------


def test_the_api_links_filters_and_refuses_a_foreign_campaign(workspace, owner, spring, theirs):
    api = ApiClient.with_token(owner, workspace)

    made = api.post("/sales/leads", {"email": "ann@x.io", "campaign_id": spring.pk})
    api.post("/sales/leads", {"email": "bob@x.io"})
    foreign = api.post("/sales/leads", {"email": "cy@x.io", "campaign_id": theirs.pk})
    listed = api.get("/sales/leads", {"campaign_id": spring.pk}).json()["items"]

    assert made.status_code == 201
    assert (made.json()["campaign_id"], made.json()["campaign_name"]) == (spring.pk, "")
    assert [lead["email"] for lead in listed] == ["ann@x.io"]
    assert foreign.status_code == 422 and list(problem_fields(foreign)) == ["campaign_id"]
    assert _leads() == [("ann@x.io", spring.pk), ("bob@x.io", None)]


def test_the_openapi_schema_documents_the_campaign_link(db):
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]

    written = schemas["LeadWrite"]["properties"]["campaign_id"]
    read = schemas["LeadOut"]["properties"]
    assert "sourced the lead" in written["description"]
    assert "campaign" not in read and {"campaign_id", "campaign_name"} <= read.keys()
