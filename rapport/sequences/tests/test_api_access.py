"""Sequences over the API, two workspaces and the roles: nobody reads, changes or fills
another workspace's sequences, and a viewer changes nothing. Every `/sequences` operation is
named below and checked against the OpenAPI schema."""

from typing import Any

import pytest

from rapport.api.testing import (
    ApiClient,
    World,
    assert_isolated,
    call,
    listed_ids,
    problem_fields,
    schema_operations,
)
from rapport.audit.models import AuditEntry
from rapport.campaigns.tests.factories import opt_in
from rapport.contacts.tests.factories import make_contact
from rapport.sequences.engine import sequences_advance
from rapport.sequences.models import Enrollment, Sequence
from rapport.sequences.tests.factories import enrolled
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/sequences"


def world(workspace: Workspace, user: Any, *, name: str) -> World:
    contact = make_contact(workspace, first_name=name, emails=[f"{name.lower()}@x.example"])
    sequence = enrolled(workspace, user, contact)
    with workspace_scope(workspace):
        enrollment = Enrollment.objects.get(contact=contact)
        template_id = sequence.steps[0]["template_id"]
    ids = {
        "sequence_id": sequence.pk,
        "enrollment_id": enrollment.pk,
        "contact_id": contact.pk,
        "template_id": template_id,
    }
    return World(workspace, ApiClient.with_token(user, workspace), ids, name)


def _state(workspace: Workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        return (
            list(Sequence.objects.values_list("id", "name", "status", "steps", "updated_at")),
            list(Enrollment.objects.values_list("id", "contact_id", "status")),
            AuditEntry.objects.count(),
        )


RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/sequences/{sequence_id}", None),
    ("patch", "/sequences/{sequence_id}", {"name": "Hijacked"}),
    ("post", "/sequences/{sequence_id}/status", {"status": "active"}),
    ("post", "/sequences/{sequence_id}/enroll", {"contact_ids": []}),
    ("get", "/sequences/{sequence_id}/enrollments", None),
    ("get", "/sequences/{sequence_id}/report", None),
    ("post", "/sequences/enrollments/{enrollment_id}/remove", None),
]
COLLECTION_CALLS = {("get", "/sequences"), ("post", "/sequences")}


def test_every_sequence_operation_has_an_isolation_case(db):
    covered = {(method, path) for method, path, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert schema_operations(PREFIX) == covered


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_sequence_is_not_found(sides, method, path, body):
    assert_isolated(sides, method, path, body, state=_state)


def test_another_workspaces_contacts_cannot_be_enrolled(sides):
    looker, other = sides
    before = _state(other.workspace)

    response = call(
        looker.api,
        "post",
        "/sequences/{sequence_id}/enroll",
        {"contact_ids": [other.ids["contact_id"]]},
        looker.ids,
    )

    assert response.status_code == 422
    assert "contact_ids" in problem_fields(response)
    assert _state(other.workspace) == before


def test_a_step_cannot_use_another_workspaces_template(sides):
    looker, other = sides

    response = looker.api.post(
        "/sequences",
        {"name": "Mine", "steps": [{"type": "email", "template_id": other.ids["template_id"]}]},
    )

    assert response.status_code == 422
    assert "steps.1.template_id" in problem_fields(response)


def test_the_list_shows_only_the_callers_own(sides):
    looker, _ = sides

    assert listed_ids(looker.api.get("/sequences")) == {looker.ids["sequence_id"]}


def test_a_sequence_is_built_activated_and_fed_through_the_api(ours):
    contact = make_contact(ours.workspace, first_name="New", emails=["new@x.example"])
    created = ours.api.post(
        "/sequences",
        {
            "name": "Trial",
            "steps": [
                {"type": "email", "template_id": ours.ids["template_id"]},
                {"type": "wait", "days": 2},
            ],
            "exit_on_stage": "customer",
        },
    )
    sequence_id = created.json()["id"]
    active = ours.api.post(f"/sequences/{sequence_id}/status", {"status": "active"})
    fed = ours.api.post(f"/sequences/{sequence_id}/enroll", {"contact_ids": [contact.pk]})
    again = ours.api.post(f"/sequences/{sequence_id}/enroll", {"contact_ids": [contact.pk]})
    locked = ours.api.patch(f"/sequences/{sequence_id}", {"steps": []})
    opt_in(ours.workspace, contact)
    with workspace_scope(ours.workspace):
        sequences_advance(workspace=ours.workspace)  # the welcome goes; then two days' wait
    report = ours.api.get(f"/sequences/{sequence_id}/report").json()

    assert created.status_code == 201
    assert active.json()["status"] == "active"
    assert (fed.json(), again.json()) == ({"enrolled": 1}, {"enrolled": 0})
    assert locked.status_code == 422 and "steps" in problem_fields(locked)
    assert report["enrollments"] == {"active": 1, "completed": 0, "exited": 0, "removed": 0}
    email, wait = report["steps"]
    assert (email["step"], email["type"], email["sent"], email["here"]) == (1, "email", 1, 0)
    assert email["campaign_id"] is not None
    assert (wait["step"], wait["here"], wait["campaign_id"]) == (2, 1, None)


def test_bad_steps_are_named_by_place(ours):
    response = ours.api.post(
        "/sequences", {"name": "Bad", "steps": [{"type": "wait", "days": 1}, {"type": "wait"}]}
    )

    assert response.status_code == 422
    assert "steps.2.days" in problem_fields(response)


WRITES = [c for c in RECORD_CALLS if c[0] != "get"] + [
    ("post", "/sequences", {"name": "V", "steps": []})
]


def test_every_sequence_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p, _ in WRITES}
    assert {(m, p) for m, p in schema_operations(PREFIX) if m != "get"} == writes


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_change_sequences(ours, viewer, method, path, body):
    api = ApiClient.with_token(viewer, ours.workspace)
    before = _state(ours.workspace)

    response = call(api, method, path, body, ours.ids)

    assert response.status_code == 403, response.content
    assert _state(ours.workspace) == before


def test_a_viewer_reads_enrollments(ours, viewer):
    api = ApiClient.with_token(viewer, ours.workspace)

    response = api.get(f"/sequences/{ours.ids['sequence_id']}/enrollments")

    assert [e["contact_id"] for e in response.json()] == [ours.ids["contact_id"]]
