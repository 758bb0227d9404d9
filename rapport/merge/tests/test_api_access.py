"""Merges over the API, two workspaces and the roles: nobody merges, reads or undoes another
workspace's records or merges, a viewer merges nothing, a member merges and undoes.

The tables below name every `/merge/` operation; tests check them against the OpenAPI schema,
so a new merge endpoint without an isolation case and, for a write, a viewer case fails here.
"""

from typing import Any

import pytest

from rapport.api.testing import (
    ApiClient,
    World,
    assert_isolated,
    call,
    problem_fields,
    schema_operations,
)
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.merge.models import MergeRecord
from rapport.merge.services import merge_contacts
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/merge/"


def world(workspace, user, *, name: str) -> World:
    ann = make_contact(workspace, first_name=name, emails=[f"{name.lower()}@x.example"])
    twin = make_contact(workspace, first_name=name, last_name="Twin")
    make_activity(workspace, contact_ids=[twin.pk], subject=f"{name}'s call")
    acme = make_company(workspace, name=f"{name} Ltd")
    acme_twin = make_company(workspace, name=f"{name} Limited")
    gone = make_contact(workspace, first_name=f"{name} gone")
    with workspace_scope(workspace):
        merged = merge_contacts(workspace=workspace, actor=user, survivor=ann, other=gone)
    ids = {
        "contact_id": ann.pk,
        "twin_id": twin.pk,
        "company_id": acme.pk,
        "company_twin_id": acme_twin.pk,
        "merge_id": merged.pk,
    }
    return World(workspace, ApiClient.with_token(user, workspace), ids, name)


def _state(workspace: Workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        return (
            sorted(Contact.objects.values_list("id", "first_name")),
            sorted(Company.objects.values_list("id", "name")),
            sorted(MergeRecord.objects.values_list("id", "undone_at")),
            AuditEntry.objects.count(),
        )


CONTACTS = {"survivor_id": "{contact_id}", "other_id": "{twin_id}"}
COMPANIES = {"survivor_id": "{company_id}", "other_id": "{company_twin_id}"}


RECORD_CALLS: list[tuple[str, str, dict[str, str] | None]] = [
    ("get", "/merge/records/{merge_id}", None),
    ("post", "/merge/records/{merge_id}/undo", None),
    ("post", "/merge/contacts", CONTACTS),
    ("post", "/merge/companies", COMPANIES),
]


def test_every_merge_operation_has_an_isolation_case(db):
    assert schema_operations(PREFIX) == {(m, p) for m, p, _ in RECORD_CALLS}


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_records_and_merges_are_not_found(sides, method, path, body):
    assert_isolated(sides, method, path, body, state=_state)


def test_our_survivor_cannot_swallow_another_workspaces_record(sides):
    looker, other = sides
    before = (_state(looker.workspace), _state(other.workspace))

    response = looker.api.post(
        "/merge/contacts",
        {"survivor_id": looker.ids["contact_id"], "other_id": other.ids["contact_id"]},
    )

    assert response.status_code == 404
    assert (_state(looker.workspace), _state(other.workspace)) == before


WRITES = [(m, p, b) for m, p, b in RECORD_CALLS if m != "get"]


def test_every_merge_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p in schema_operations(PREFIX) if m != "get"}

    assert writes == {(m, p) for m, p, _ in WRITES}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_merge_or_undo(ours, viewer, method, path, body):
    before = _state(ours.workspace)
    api = ApiClient.with_token(viewer, ours.workspace)

    response = call(api, method, path, body, ours.ids)

    assert response.status_code == 403, response.content
    problem_fields(response)
    assert _state(ours.workspace) == before


def test_a_viewer_reads_a_merge(ours, viewer):
    response = ApiClient.with_token(viewer, ours.workspace).get(
        f"/merge/records/{ours.ids['merge_id']}"
    )

    assert response.status_code == 200
    assert response.json()["survivor_id"] == ours.ids["contact_id"]
    assert response.json()["removed_name"] == "Zelda gone Lee"


def test_a_member_merges_with_choices_then_undoes(ours, member):
    api = ApiClient.with_token(member, ours.workspace)

    merged = api.post(
        "/merge/contacts",
        {
            "survivor_id": ours.ids["contact_id"],
            "other_id": ours.ids["twin_id"],
            "choices": {"last_name": "other"},
        },
    )

    assert merged.status_code == 201, merged.content
    body = merged.json()
    assert body["moved"]["activities.activitycontact.contact"] == 1
    assert body["choices"]["last_name"] == "other"
    with workspace_scope(ours.workspace):
        zelda = Contact.objects.get(pk=ours.ids["contact_id"])
        assert zelda.last_name == "Twin"
        assert zelda.activities.get().subject == "Zelda's call"
        assert not Contact.objects.filter(pk=ours.ids["twin_id"]).exists()

    undone = api.post(f"/merge/records/{body['id']}/undo")
    again = api.post(f"/merge/records/{body['id']}/undo")

    assert undone.status_code == 200, undone.content
    assert undone.json()["undone_at"] is not None
    assert again.status_code == 422
    assert problem_fields(again) == {"merge": "this merge was undone already"}
    with workspace_scope(ours.workspace):
        twin = Contact.objects.get(pk=ours.ids["twin_id"])
        assert twin.activities.get().subject == "Zelda's call"
        assert Contact.objects.get(pk=ours.ids["contact_id"]).last_name == "Lee"


def test_bad_choices_are_a_problem_naming_each_field(ours):
    response = ours.api.post(
        "/merge/companies",
        {
            "survivor_id": ours.ids["company_id"],
            "other_id": ours.ids["company_twin_id"],
            "choices": {"shoe_size": "other"},
        },
    )

    assert response.status_code == 422
    assert problem_fields(response) == {"choices.shoe_size": "is not a field that can be merged"}


def test_a_wrong_side_is_refused_by_the_schema(ours):
    response = ours.api.post(
        "/merge/contacts",
        {
            "survivor_id": ours.ids["contact_id"],
            "other_id": ours.ids["twin_id"],
            "choices": {"first_name": "both"},
        },
    )

    assert response.status_code == 422
    assert "choices.first_name" in problem_fields(response)
