"""Campaigns over the API, two workspaces and four roles: nobody reads, previews or changes
another workspace's templates and campaigns, and a viewer changes nothing. The tables name
every `/campaigns/` operation and are checked against the OpenAPI schema."""

from typing import Any

import pytest

from rapport.api.testing import (
    ApiClient,
    World,
    assert_isolated,
    assert_not_found,
    call,
    listed_ids,
    problem_fields,
    schema_operations,
)
from rapport.audit.models import AuditEntry
from rapport.campaigns.models import Campaign, EmailTemplate
from rapport.campaigns.tests.factories import make_campaign
from rapport.contacts.tests.factories import make_contact
from rapport.marketing.services import segment_create
from rapport.sales.models import Lead
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/campaigns/"


def world(workspace: Workspace, user: Any, *, name: str) -> World:
    campaign = make_campaign(workspace, user, name=f"{name} spring", cost="100")
    contact = make_contact(workspace, first_name=name, emails=[f"{name.lower()}@x.example"])
    ids = {
        "campaign_id": campaign.pk,
        "template_id": campaign.template_id,
        "contact_id": contact.pk,
    }
    return World(workspace, ApiClient.with_token(user, workspace), ids, name)


def _state(workspace: Workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        return (
            list(EmailTemplate.objects.values_list("id", "name", "subject", "updated_at")),
            list(Campaign.objects.values_list("id", "name", "status", "cost", "updated_at")),
            AuditEntry.objects.count(),
        )


RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/campaigns/templates/{template_id}", None),
    ("patch", "/campaigns/templates/{template_id}", {"subject": "Hijacked"}),
    ("post", "/campaigns/templates/{template_id}/preview", {"contact_id": "{contact_id}"}),
    ("get", "/campaigns/campaigns/{campaign_id}", None),
    ("patch", "/campaigns/campaigns/{campaign_id}", {"name": "Hijacked"}),
    ("post", "/campaigns/campaigns/{campaign_id}/cancel", None),
    ("post", "/campaigns/campaigns/{campaign_id}/start", None),
    ("get", "/campaigns/campaigns/{campaign_id}/report", None),
    ("post", "/campaigns/campaigns/{campaign_id}/link-leads", None),
]
COLLECTION_CALLS = {
    ("get", "/campaigns/templates"),
    ("post", "/campaigns/templates"),
    ("get", "/campaigns/campaigns"),
    ("post", "/campaigns/campaigns"),
}
WRITES = [c for c in RECORD_CALLS if c[0] != "get" and not c[1].endswith("/preview")]


def test_every_campaign_operation_has_an_isolation_case(db):
    covered = {(method, path) for method, path, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert schema_operations(PREFIX) == covered


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_campaign_record_is_not_found(sides, method, path, body):
    assert_isolated(sides, method, path, body, state=_state)


def test_our_template_cannot_be_previewed_as_another_workspaces_contact(sides):
    looker, other = sides

    response = call(
        looker.api,
        "post",
        "/campaigns/templates/{template_id}/preview",
        {"contact_id": other.ids["contact_id"]},
        looker.ids,
    )

    assert_not_found(response, hidden=other.name)


def test_a_campaign_cannot_use_another_workspaces_template(sides):
    looker, other = sides

    response = looker.api.post(
        "/campaigns/campaigns", {"name": "Mine", "template_id": other.ids["template_id"]}
    )

    assert response.status_code == 422
    assert "template_id" in problem_fields(response)


@pytest.mark.parametrize("path", ["/campaigns/templates", "/campaigns/campaigns"])
def test_lists_show_only_the_callers_own(sides, path):
    looker, _ = sides
    key = "template_id" if path.endswith("templates") else "campaign_id"

    assert listed_ids(looker.api.get(path)) == {looker.ids[key]}


def test_a_template_is_created_previewed_and_a_bad_one_is_refused(ours):
    created = ours.api.post(
        "/campaigns/templates",
        {"name": "Hi", "subject": "Hi {{ contact.first_name }}", "body_text": "Hello"},
    )
    broken = ours.api.post(
        "/campaigns/templates", {"name": "Bad", "subject": "{{ oops", "body_text": "x"}
    )
    preview = ours.api.post(
        f"/campaigns/templates/{created.json()['id']}/preview",
        {"contact_id": ours.ids["contact_id"]},
    )

    assert created.status_code == 201
    assert broken.status_code == 422 and "subject" in problem_fields(broken)
    assert preview.json()["subject"] == "Hi Zelda"


def test_the_report_has_the_roi_per_attribution_model(ours):
    report = ours.api.get(f"/campaigns/campaigns/{ours.ids['campaign_id']}/report").json()

    assert report["cost"] == "100.00"
    assert report["first_touch"] == {"deals": 0, "revenue": "0.00", "roi": "-1.00"}


def test_link_now_links_the_leads_naming_the_campaign_once(ours, theirs):
    other = theirs
    for workspace, name in ((ours.workspace, " ZELDA Spring "), (other.workspace, "Zelda spring")):
        Lead.unscoped.create(workspace=workspace, email="l@x.io", campaign_name=name)
    path = f"/campaigns/campaigns/{ours.ids['campaign_id']}/link-leads"

    assert ours.api.post(path).json() == {"linked": 1}
    assert ours.api.post(path).json() == {"linked": 0}
    linked = Lead.unscoped.filter(campaign_id=ours.ids["campaign_id"])
    assert [lead.workspace_id for lead in linked] == [ours.workspace.pk]
    assert Lead.unscoped.get(workspace=other.workspace).campaign_name == "Zelda spring"


def test_every_campaign_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p, _ in WRITES} | {(m, p) for m, p in COLLECTION_CALLS if m != "get"}
    assert {(m, p) for m, p in schema_operations(PREFIX) if m != "get"} - writes == {
        ("post", "/campaigns/templates/{template_id}/preview")  # a read, sent as a POST body
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        *WRITES,
        ("post", "/campaigns/templates", {"name": "V", "subject": "V", "body_text": "V"}),
        ("post", "/campaigns/campaigns", {"name": "V", "template_id": "{template_id}"}),
    ],
)
def test_a_viewer_cannot_write_campaigns(ours, viewer, method, path, body):
    api = ApiClient.with_token(viewer, ours.workspace)
    before = _state(ours.workspace)

    response = call(api, method, path, body, ours.ids)

    assert response.status_code == 403, response.content
    assert _state(ours.workspace) == before


def test_a_viewer_reads_and_previews(ours, viewer):
    api = ApiClient.with_token(viewer, ours.workspace)

    assert api.get(f"/campaigns/campaigns/{ours.ids['campaign_id']}/report").status_code == 200
    preview = call(api, "post", RECORD_CALLS[2][1], RECORD_CALLS[2][2], ours.ids)
    assert preview.status_code == 200


def test_a_campaign_cannot_send_to_another_workspaces_segment(sides):
    looker, other = sides
    with workspace_scope(other.workspace):
        segment = segment_create(
            workspace=other.workspace, actor=None, data={"name": f"{other.name} segment"}
        )

    response = looker.api.patch(
        f"/campaigns/campaigns/{looker.ids['campaign_id']}", {"segment_id": segment.pk}
    )

    assert response.status_code == 422
    assert "segment_id" in problem_fields(response)


def test_a_campaign_starts_through_the_api(ours):
    with workspace_scope(ours.workspace):
        segment = segment_create(workspace=ours.workspace, actor=None, data={"name": "All"})
    ours.api.patch(f"/campaigns/campaigns/{ours.ids['campaign_id']}", {"segment_id": segment.pk})

    response = ours.api.post(f"/campaigns/campaigns/{ours.ids['campaign_id']}/start")

    body = response.json()
    assert response.status_code == 200
    assert body["recipients"] == 1  # the one contact, skipped for want of consent
    assert body["campaign"]["status"] in ("scheduled", "sending", "sent")
