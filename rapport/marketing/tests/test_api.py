"""Segments, lists and consent through the API: JSON definitions, problem details that name
the bad condition, members and counts, list membership, consent history."""

import pytest

from rapport.api.testing import ApiClient, listed_ids, problem_fields
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def api(workspace, owner) -> ApiClient:
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def people(workspace, owner) -> dict[str, int]:
    ann = make_contact(workspace, owner, first_name="Ann", lifecycle_stage="customer")
    bob = make_contact(workspace, owner, first_name="Bob", lifecycle_stage="lead")
    cy = make_contact(workspace, owner, first_name="Cy", lifecycle_stage="lead", tags=["vip"])
    return {"ann": ann.pk, "bob": bob.pk, "cy": cy.pk}


LEADS = {"op": "and", "rules": [{"type": "lifecycle_stage", "op": "is", "stage": "lead"}]}


def test_a_segment_is_created_counted_listed_and_changed(api, people, workspace):
    created = api.post("/marketing/segments", {"name": "Leads", "definition": LEADS})
    assert created.status_code == 201, created.content
    segment_id = created.json()["id"]

    assert api.get(f"/marketing/segments/{segment_id}/count").json() == {"count": 2}
    members = api.get(f"/marketing/segments/{segment_id}/members")
    assert listed_ids(members) == {people["bob"], people["cy"]}
    assert [m["first_name"] for m in members.json()["items"]] == ["Bob", "Cy"]

    customers = {"op": "or", "rules": [{"type": "lifecycle_stage", "stage": "customer"}]}
    changed = api.patch(f"/marketing/segments/{segment_id}", {"definition": customers})
    assert changed.status_code == 200
    assert changed.json()["definition"]["rules"][0] == {
        "type": "lifecycle_stage",
        "op": "is",
        "stage": "customer",
    }
    assert listed_ids(api.get(f"/marketing/segments/{segment_id}/members")) == {people["ann"]}
    with workspace_scope(workspace):
        actions = list(
            AuditEntry.objects.filter(entity="marketing.segment", object_id=segment_id)
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == ["create", "update"]


def test_a_bad_condition_is_named_in_the_problem_and_nothing_is_written(api, people, workspace):
    bad = {
        "op": "and",
        "rules": [
            {"type": "lifecycle_stage", "stage": "lead"},
            {"op": "or", "rules": [{"type": "tag", "op": "has", "tag_id": 424242}]},
            {"type": "shoe_size", "value": 44},
        ],
    }

    response = api.post("/marketing/segments", {"name": "Bad", "definition": bad})

    assert response.status_code == 422
    assert problem_fields(response) == {
        "definition.rules.1.rules.0.tag_id": "no such tag",
        "definition.rules.2.type": "unknown condition type 'shoe_size'",
    }
    assert api.get("/marketing/segments").json()["items"] == []


def test_an_unsaved_definition_is_counted(api, people):
    assert api.post("/marketing/segments/count", {"definition": LEADS}).json() == {"count": 2}
    bad = api.post("/marketing/segments/count", {"definition": {"op": "xor"}})
    assert bad.status_code == 422
    assert set(problem_fields(bad)) == {"definition.op"}


def test_a_static_list_gains_and_loses_members(api, people, workspace):
    list_id = api.post("/marketing/lists", {"name": "Fair 2026"}).json()["id"]

    added = api.post(
        f"/marketing/lists/{list_id}/members", {"contact_ids": [people["ann"], people["bob"]]}
    )
    again = api.post(f"/marketing/lists/{list_id}/members", {"contact_ids": [people["ann"]]})
    removed = api.post(
        f"/marketing/lists/{list_id}/members/remove", {"contact_ids": [people["bob"]]}
    )

    assert (added.json(), again.json(), removed.json()) == (
        {"changed": 2},
        {"changed": 0},
        {"changed": 1},
    )
    assert listed_ids(api.get(f"/marketing/lists/{list_id}/members")) == {people["ann"]}
    with workspace_scope(workspace):
        changes = list(
            AuditEntry.objects.filter(entity="marketing.staticlist", action="update")
            .order_by("id")
            .values_list("changes", flat=True)
        )
    assert changes == [
        {"contacts_added": [None, sorted([people["ann"], people["bob"]])]},
        {"contacts_removed": [None, [people["bob"]]]},
    ]


def test_consent_is_recorded_and_its_history_kept(api, people):
    url = f"/marketing/consent/{people['ann']}"
    first = api.post(url, {"purpose": "newsletter", "status": "opted_in", "source": "web form"})
    second = api.post(
        url,
        {"purpose": "newsletter", "status": "opted_out", "source": "phone call", "note": "asked"},
    )
    assert first.status_code == second.status_code == 201

    body = api.get(url).json()

    current = {row["purpose"]: row["status"] for row in body["current"]}
    assert current == {
        "email_marketing": "unknown",
        "newsletter": "opted_out",
        "sms": "unknown",
        "phone": "unknown",
    }
    assert [(h["status"], h["source"]) for h in body["history"]] == [
        ("opted_out", "phone call"),
        ("opted_in", "web form"),
    ]


def test_consent_without_a_source_is_refused(api, people):
    response = api.post(
        f"/marketing/consent/{people['ann']}",
        {"purpose": "newsletter", "status": "opted_in", "source": " "},
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"source"}
