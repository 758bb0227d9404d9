"""Leads that named a campaign no campaign matched (kept as `campaign_name`) are linked to a
campaign of that name: "Link now" on the campaign's page, and on its creation or renaming."""

import pytest

from rapport.audit.models import AuditEntry
from rapport.campaigns.services import campaign_update
from rapport.campaigns.tests.factories import make_campaign, make_template
from rapport.sales.leads import lead_convert
from rapport.sales.models import Deal, Lead
from rapport.sales.services import deal_update
from rapport.sales.tests.factories import make_pipeline
from rapport.sales.unlinked_campaigns import leads_link_campaign
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


def _named(workspace, *names):
    return [
        Lead.unscoped.create(workspace=workspace, email=f"{i}@x.io", campaign_name=name)
        for i, name in enumerate(names)
    ]


def _leads(workspace):
    rows = Lead.unscoped.filter(workspace=workspace).order_by("email")
    return list(rows.values_list("email", "campaign_id", "campaign_name"))


@pytest.fixture
def template(workspace, owner):
    return make_template(workspace, owner)


def test_linking_takes_the_leads_naming_the_campaign_case_and_spaces_aside(
    workspace, owner, template
):
    fair = make_campaign(workspace, owner, name="Fair 2024", template_id=template.pk)
    _named(workspace, " fair 2024 ", "FAIR 2024", "Fair 2025", "")

    with workspace_scope(workspace):
        linked = leads_link_campaign(workspace=workspace, actor=owner, campaign=fair)

    assert linked == 2
    assert _leads(workspace) == [
        ("0@x.io", fair.pk, ""),
        ("1@x.io", fair.pk, ""),
        ("2@x.io", None, "Fair 2025"),
        ("3@x.io", None, ""),
    ]
    entries = AuditEntry.unscoped.filter(entity="sales.lead", action="update")
    assert [e.changes for e in entries.order_by("object_id")] == [
        {"campaign": [None, fair.pk], "campaign_name": [" fair 2024 ", ""]},
        {"campaign": [None, fair.pk], "campaign_name": ["FAIR 2024", ""]},
    ]


def test_linking_twice_changes_and_audits_nothing_more(workspace, owner, template):
    fair = make_campaign(workspace, owner, name="Fair", template_id=template.pk)
    _named(workspace, "fair")
    with workspace_scope(workspace):
        first = leads_link_campaign(workspace=workspace, actor=owner, campaign=fair)
        audited = AuditEntry.unscoped.filter(entity="sales.lead").count()

        second = leads_link_campaign(workspace=workspace, actor=owner, campaign=fair)

    assert (first, second) == (1, 0)
    assert AuditEntry.unscoped.filter(entity="sales.lead").count() == audited


def test_a_new_campaign_takes_the_leads_of_its_name_in_its_own_workspace_only(
    workspace, owner, other_workspace, template
):
    ours = _named(workspace, "Webinar")
    _named(other_workspace, "webinar")

    webinar = make_campaign(workspace, owner, name="webinar", template_id=template.pk)

    assert _leads(workspace) == [(ours[0].email, webinar.pk, "")]
    assert _leads(other_workspace) == [("0@x.io", None, "webinar")]


def test_a_renamed_campaign_takes_the_leads_of_its_new_name(workspace, owner, template):
    campaign = make_campaign(workspace, owner, name="Draft", template_id=template.pk)
    _named(workspace, "Expo")

    with workspace_scope(workspace):
        campaign_update(workspace=workspace, actor=owner, campaign=campaign, data={"name": "EXPO"})

    assert _leads(workspace) == [("0@x.io", campaign.pk, "")]


def test_a_campaign_of_another_workspace_links_nothing(workspace, owner, other_workspace):
    theirs = make_campaign(other_workspace, None, name="Expo")
    _named(workspace, "Expo")

    with workspace_scope(workspace), pytest.raises(ValueError):
        leads_link_campaign(workspace=workspace, actor=owner, campaign=theirs)

    assert _leads(workspace) == [("0@x.io", None, "Expo")]


def test_a_converted_leads_deal_takes_the_campaign_unless_it_names_one(workspace, owner, template):
    fair = make_campaign(workspace, owner, name="Fair", template_id=template.pk)
    other = make_campaign(workspace, owner, name="Other", template_id=template.pk)
    plain, chosen = _named(workspace, "fair", "FAIR")
    with workspace_scope(workspace):
        make_pipeline(workspace, owner)
        first = lead_convert(workspace=workspace, actor=owner, lead=plain, deal={"name": "A"}).deal
        second = lead_convert(workspace=workspace, actor=owner, lead=chosen, deal={"name": "B"})
        assert first is not None and second.deal is not None
        deal_update(
            workspace=workspace, actor=owner, deal=second.deal, data={"campaign_id": other.pk}
        )

        leads_link_campaign(workspace=workspace, actor=owner, campaign=fair)

    deals = Deal.unscoped.filter(workspace=workspace).order_by("name")
    assert list(deals.values_list("name", "campaign_id")) == [("A", fair.pk), ("B", other.pk)]
    linked = AuditEntry.unscoped.filter(entity="sales.deal", object_id=first.pk, action="update")
    assert [(e.actor_id, e.changes["campaign"]) for e in linked] == [(owner.pk, [None, fair.pk])]


# --- the campaign page ---------------------------------------------------------------------


@pytest.fixture
def expo(workspace, owner, template):
    campaign = make_campaign(workspace, owner, name="Expo", template_id=template.pk)
    _named(workspace, "expo", "Expo ")  # named after it was made (an import of old data, say)
    return campaign


def test_the_campaign_page_offers_to_link_the_leads_naming_it(owner_client, workspace, expo):
    page = owner_client.get(f"/campaigns/{expo.pk}/").content.decode()
    assert "2 leads name “Expo”" in page and "Link now" in page

    done = owner_client.post(f"/campaigns/{expo.pk}/link-leads/", follow=True).content.decode()

    assert "Linked 2 leads." in done and "Link now" not in done
    assert 'data-kpi="leads">2<' in done
    assert [row[1] for row in _leads(workspace)] == [expo.pk, expo.pk]


def test_a_viewer_sees_the_count_but_cannot_link(viewer_client, workspace, expo):
    page = viewer_client.get(f"/campaigns/{expo.pk}/").content.decode()
    refused = viewer_client.post(f"/campaigns/{expo.pk}/link-leads/")

    assert "2 leads name" in page and "Link now" not in page
    assert refused.status_code == 403
    assert [row[1] for row in _leads(workspace)] == [None, None]


def test_an_outsider_cannot_link_another_workspaces_campaign(outsider_client, workspace, expo):
    refused = outsider_client.post(f"/campaigns/{expo.pk}/link-leads/")

    assert refused.status_code == 404
    assert [row[1] for row in _leads(workspace)] == [None, None]
