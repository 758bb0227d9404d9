"""Marketing over the API, two workspaces and the viewer role: nobody sees, counts or changes
another workspace's segments, lists or consent, and a viewer changes nothing.

The tables name every `/marketing/` operation; a test checks them against the OpenAPI schema,
so a new endpoint without its isolation and (for a write) viewer case fails here.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from rapport.api.testing import ApiClient, call, listed_ids, problem_fields, schema_operations
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.marketing.models import ConsentEvent, Segment, StaticList, StaticListMember
from rapport.marketing.services import consent_record, static_list_add, static_list_create
from rapport.marketing.tests.factories import make_segment
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/marketing/"


@dataclass
class World:
    workspace: Workspace
    api: ApiClient
    ids: dict[str, int]
    name: str


def world(workspace: Workspace, user: Any, *, name: str) -> World:
    contact = make_contact(workspace, user, first_name=name, lifecycle_stage="lead")
    segment = make_segment(
        workspace,
        user,
        name=f"{name} leads",
        definition={"op": "and", "rules": [{"type": "lifecycle_stage", "stage": "lead"}]},
    )
    with workspace_scope(workspace):
        static_list = static_list_create(workspace=workspace, actor=user, data={"name": name})
        static_list_add(
            workspace=workspace, actor=user, static_list=static_list, contact_ids=[contact.pk]
        )
        consent_record(
            workspace=workspace,
            actor=user,
            contact=contact,
            purpose="newsletter",
            status="opted_in",
            source=f"{name} form",
        )
    ids = {"segment_id": segment.pk, "list_id": static_list.pk, "contact_id": contact.pk}
    return World(workspace, ApiClient.with_token(user, workspace), ids, name)


@pytest.fixture(params=["outsider looks at ours", "we look at theirs"])
def sides(request, ours, theirs) -> tuple[World, World]:
    """(the looker, the workspace whose records must stay invisible to them)"""
    return (theirs, ours) if request.param == "outsider looks at ours" else (ours, theirs)


def _state(workspace: Workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        return (
            list(Segment.objects.values_list("id", "name", "definition", "updated_at")),
            list(StaticList.objects.values_list("id", "name", "updated_at")),
            list(StaticListMember.objects.values_list("static_list_id", "contact_id")),
            list(ConsentEvent.objects.values_list("id", "status")),
            AuditEntry.objects.count(),
        )


RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/marketing/segments/{segment_id}", None),
    ("patch", "/marketing/segments/{segment_id}", {"name": "Hijacked"}),
    ("delete", "/marketing/segments/{segment_id}", None),
    ("get", "/marketing/segments/{segment_id}/members", None),
    ("get", "/marketing/segments/{segment_id}/count", None),
    ("get", "/marketing/segments/{segment_id}/report", None),
    ("get", "/marketing/lists/{list_id}", None),
    ("patch", "/marketing/lists/{list_id}", {"name": "Hijacked"}),
    ("delete", "/marketing/lists/{list_id}", None),
    ("get", "/marketing/lists/{list_id}/members", None),
    ("get", "/marketing/lists/{list_id}/subscription-requests", None),
    ("post", "/marketing/lists/{list_id}/members", {"contact_ids": [1]}),
    ("post", "/marketing/lists/{list_id}/members/remove", {"contact_ids": [1]}),
    ("get", "/marketing/consent/{contact_id}", None),
    (
        "post",
        "/marketing/consent/{contact_id}",
        {"purpose": "newsletter", "status": "opted_out", "source": "hijack"},
    ),
]
COLLECTION_CALLS = {
    ("get", "/marketing/segments"),
    ("post", "/marketing/segments"),
    ("post", "/marketing/segments/count"),
    ("get", "/marketing/lists"),
    ("post", "/marketing/lists"),
}


def test_every_marketing_operation_has_an_isolation_case(db):
    covered = {(method, path) for method, path, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert schema_operations(PREFIX) == covered


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_record_is_not_found(sides, method, path, body):
    looker, other = sides
    before = _state(other.workspace)

    response = call(looker.api, method, path, body, other.ids)

    assert response.status_code == 404, response.content
    problem_fields(response)
    assert other.name not in response.content.decode()
    assert _state(other.workspace) == before


def test_lists_and_counts_show_only_the_callers_own_records(sides):
    looker, _ = sides

    assert listed_ids(looker.api.get("/marketing/segments")) == {looker.ids["segment_id"]}
    assert listed_ids(looker.api.get("/marketing/lists")) == {looker.ids["list_id"]}
    members = looker.api.get(f"/marketing/segments/{looker.ids['segment_id']}/members")
    assert listed_ids(members) == {looker.ids["contact_id"]}
    everyone = looker.api.post("/marketing/segments/count", {"definition": {"rules": []}})
    assert everyone.json() == {"count": 1}


def test_another_workspaces_contact_cannot_join_a_list(sides):
    looker, other = sides
    before = _state(other.workspace)

    response = looker.api.post(
        f"/marketing/lists/{looker.ids['list_id']}/members",
        {"contact_ids": [other.ids["contact_id"]]},
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"contact_ids"}
    assert _state(other.workspace) == before


# --- roles ---------------------------------------------------------------------------------

WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/marketing/segments", {"name": "Eve"}),
    ("patch", "/marketing/segments/{segment_id}", {"name": "Eve"}),
    ("delete", "/marketing/segments/{segment_id}", None),
    ("post", "/marketing/lists", {"name": "Eve"}),
    ("patch", "/marketing/lists/{list_id}", {"name": "Eve"}),
    ("delete", "/marketing/lists/{list_id}", None),
    ("post", "/marketing/lists/{list_id}/members", {"contact_ids": [1]}),
    ("post", "/marketing/lists/{list_id}/members/remove", {"contact_ids": [1]}),
    (
        "post",
        "/marketing/consent/{contact_id}",
        {"purpose": "newsletter", "status": "opted_out", "source": "eve"},
    ),
]
READS_BY_POST = {("post", "/marketing/segments/count")}


def test_every_marketing_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p in schema_operations(PREFIX) if m != "get"} - READS_BY_POST

    assert writes == {(m, p) for m, p, _ in WRITES}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_write(ours, viewer, method, path, body):
    before = _state(ours.workspace)
    api = ApiClient.with_token(viewer, ours.workspace)

    response = call(api, method, path, body, ours.ids)

    assert response.status_code == 403, response.content
    problem_fields(response)
    assert _state(ours.workspace) == before


def test_a_viewer_reads_and_counts(ours, viewer):
    api = ApiClient.with_token(viewer, ours.workspace)

    assert api.get(f"/marketing/segments/{ours.ids['segment_id']}/count").json() == {"count": 1}
    assert api.post("/marketing/segments/count", {"definition": {}}).status_code == 200
    assert api.get(f"/marketing/consent/{ours.ids['contact_id']}").status_code == 200
