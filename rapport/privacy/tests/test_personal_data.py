"""A person's data: every row that points at the contact is in the export (whatever app
added the relation), secrets never are, the export is audited, and only the workspace's
admins get it, through the page and the API alike."""

import json
from typing import Any

import pytest
from django.test import Client

from rapport.api.testing import ApiClient, World, assert_isolated, schema_operations
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.merge.tests.factories import contact_pair, pointing_at
from rapport.privacy.queries import personal_data
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

pytestmark = pytest.mark.django_db
PREFIX = "/privacy"


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.fixture
def bob(workspace, owner):
    return contact_pair(workspace, owner).other


def test_every_row_pointing_at_the_contact_is_exported_under_its_relation(workspace, bob):
    with workspace_scope(workspace):
        data = personal_data(bob)
        expected = {relation: ids for relation, ids in pointing_at(bob).items() if ids}
    exported = {
        section["relation"]: [row["id"] for row in section["rows"]]
        for section in data["related"]
        if section["rows"]
    }

    assert exported == expected
    assert len(expected) > 15  # the fixture reaches every app's relation


def test_rows_carry_what_they_link_to_and_no_secret(workspace, owner, bob):
    with workspace_scope(workspace):
        data = personal_data(bob)
    sections = {s["relation"]: s["rows"] for s in data["related"]}
    subjects = {
        row["activity"]["subject"] for row in sections["activities.activitycontact.contact"]
    }
    keys = _keys(data)

    assert data["contact"]["first_name"] == "Annie" and "workspace" not in data["contact"]
    assert {r["email"] for r in sections["contacts.contactemail.contact"]} == {
        "annie@globex.io",
        "shared@acme.io",
    }
    assert subjects == {"Call with Annie", "Both at the demo"}
    assert not {k for k in keys if any(p in k for p in ("token", "hash", "password"))}
    assert owner.password not in json.dumps(data)
    assert data["history"][0]["action"] == "create"
    assert data["history"][0]["by"] == "olivia"


def test_an_admin_downloads_it_from_the_contact_page_and_the_export_is_audited(
    workspace, owner, bob
):
    client = Client(enforce_csrf_checks=False)
    client.force_login(owner)
    page = client.get(f"/contacts/{bob.pk}/").content.decode()

    response = client.post(f"/privacy/contacts/{bob.pk}/")

    assert 'id="personal-data"' in page
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-contact-{bob.pk}.json"'
    )
    assert json.loads(response.content)["contact"]["id"] == bob.pk
    with workspace_scope(workspace):
        entry = AuditEntry.objects.filter(entity="contacts.contact", object_id=bob.pk).latest("at")
    assert (entry.action, entry.actor_id) == ("export", owner.pk)
    assert "exported this person's data" in client.get(f"/contacts/{bob.pk}/").content.decode()


def test_a_member_neither_sees_the_button_nor_gets_the_data(workspace, member):
    contact = make_contact(workspace, first_name="Cleo", emails=["cleo@x.example"])
    client = Client()
    client.force_login(member)

    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    refused = client.post(f"/privacy/contacts/{contact.pk}/")
    by_get = client.get(f"/privacy/contacts/{contact.pk}/")
    api = ApiClient.with_token(member, workspace).get(f"/privacy/contacts/{contact.pk}")

    assert "Cleo" in page and 'id="personal-data"' not in page
    assert (refused.status_code, by_get.status_code, api.status_code) == (403, 405, 403)
    with workspace_scope(workspace):
        assert not AuditEntry.objects.filter(action="export").exists()


def test_another_workspaces_contact_is_not_found_on_the_page(workspace, owner, other_workspace):
    theirs = make_contact(other_workspace, first_name="Yorick", emails=["y@x.example"])
    client = Client()
    client.force_login(owner)

    response = client.post(f"/privacy/contacts/{theirs.pk}/")

    assert response.status_code == 404 and "Yorick" not in response.content.decode()


def world(workspace: Workspace, user: Any, *, name: str) -> World:
    contact = make_contact(workspace, first_name=name, emails=[f"{name.lower()}@x.example"])
    return World(workspace, ApiClient.with_token(user, workspace), {"contact_id": contact.pk}, name)


def _exports(workspace: Workspace) -> int:
    with workspace_scope(workspace):
        return AuditEntry.objects.filter(action="export").count()


def _state(workspace: Workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        entries = AuditEntry.objects.filter(action__in=["export", "erase"]).count()
        return entries, list(Contact.objects.values_list("pk", "first_name"))


RECORD_CALLS = [
    ("get", "/privacy/contacts/{contact_id}", None),
    ("post", "/privacy/contacts/{contact_id}/erase", {"confirm": "Yorick Lee"}),
]


def test_every_privacy_operation_has_an_isolation_case(db):
    assert schema_operations(PREFIX) == {(m, p) for m, p, _ in RECORD_CALLS}


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_person_is_not_found_through_the_api(sides, method, path, body):
    assert_isolated(sides, method, path, body, state=_state)


def test_the_api_answers_an_admin_with_the_same_data(ours):
    response = ours.api.get(f"/privacy/contacts/{ours.ids['contact_id']}")

    assert response.status_code == 200
    body = response.json()
    assert body["contact"]["first_name"] == "Zelda"
    assert {s["relation"] for s in body["related"]} >= {"contacts.contactemail.contact"}
    assert _exports(ours.workspace) == 1
