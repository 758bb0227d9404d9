"""Roles through the API: each operation's scope is enforced before anything is read or written."""

from typing import Any

import pytest
from django.test import Client

from rapport.activities.models import Activity
from rapport.api.testing import ApiClient, problem_fields
from rapport.api.tests.test_isolation import APP_PREFIXES
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact, CustomFieldDefinition, Tag
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def records(workspace, owner) -> dict[str, int]:
    company = make_company(workspace, name="Initech")
    contact = make_contact(workspace, first_name="Ann", tags=["vip"])
    activity = make_activity(workspace, contact_ids=[contact.pk])
    with workspace_scope(workspace):
        definition = custom_field_create(
            workspace=workspace,
            actor=owner,
            data={"entity": "contact", "label": "Tier", "field_type": "text"},
        )
        tag = Tag.objects.get()
    return {
        "contact_id": contact.pk,
        "company_id": company.pk,
        "activity_id": activity.pk,
        "tag_id": tag.pk,
        "definition_id": definition.pk,
    }


WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/contacts", {"first_name": "Eve"}),
    ("post", "/contacts/bulk", {"items": [{"first_name": "Eve"}]}),
    ("patch", "/contacts/{contact_id}", {"first_name": "Eve"}),
    ("delete", "/contacts/{contact_id}", None),
    ("post", "/companies", {"name": "Eve Inc"}),
    ("post", "/companies/bulk", {"items": [{"name": "Eve Inc"}]}),
    ("patch", "/companies/{company_id}", {"name": "Eve Inc"}),
    ("delete", "/companies/{company_id}", None),
    ("post", "/activities", {"kind": "note", "body": "hi", "contact_ids": []}),
    ("patch", "/activities/{activity_id}", {"body": "changed"}),
    ("delete", "/activities/{activity_id}", None),
    ("post", "/tags", {"name": "hot"}),
    ("patch", "/tags/{tag_id}", {"name": "cold"}),
    ("delete", "/tags/{tag_id}", None),
    ("post", "/custom-fields", {"entity": "contact", "label": "Size", "field_type": "text"}),
    ("patch", "/custom-fields/{definition_id}", {"label": "Level"}),
    ("delete", "/custom-fields/{definition_id}", None),
]
# Every role manages its own tokens.
OPEN_TO_ALL_ROLES = {("post", "/me/tokens"), ("delete", "/me/tokens/{token_id}")}


def _state(workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        return (
            list(Contact.objects.values_list("id", "first_name", "updated_at")),
            list(Company.objects.values_list("id", "name", "updated_at")),
            list(Activity.objects.values_list("id", "body", "updated_at")),
            list(Tag.objects.values_list("id", "name")),
            list(CustomFieldDefinition.objects.values_list("id", "label")),
            AuditEntry.objects.count(),
        )


def _send(api: ApiClient, method: str, path: str, body: Any, ids: dict[str, int]) -> Any:
    send = getattr(api, method)
    url = path.format(**ids)
    return send(url, body) if body is not None else send(url)


def test_every_write_operation_is_listed_here(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    writes = {
        (method, path.removeprefix("/api/v1"))
        for path, ops in paths.items()
        for method in ops
        if method != "get" and not path.removeprefix("/api/v1").startswith(tuple(APP_PREFIXES))
    }

    assert writes == {(m, p) for m, p, _ in WRITES} | OPEN_TO_ALL_ROLES


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_it_refuses_a_viewer_write(workspace, viewer, records, method, path, body):
    before = _state(workspace)

    response = _send(ApiClient.with_token(viewer, workspace), method, path, body, records)

    assert response.status_code == 403, response.content
    problem_fields(response)
    assert _state(workspace) == before


def test_it_refuses_a_viewer_write_before_reading_its_body(workspace, viewer):
    response = ApiClient.with_token(viewer, workspace).post("/contacts", {"first_name": 5})

    assert response.status_code == 403


def test_it_refuses_a_viewer_write_to_a_record_that_does_not_exist(workspace, viewer):
    response = ApiClient.with_token(viewer, workspace).patch("/contacts/424242", {})

    assert response.status_code == 403


@pytest.mark.parametrize(
    "path", ["/contacts", "/companies", "/activities", "/tags", "/custom-fields", "/me"]
)
def test_a_viewer_reads(workspace, viewer, records, path):
    assert ApiClient.with_token(viewer, workspace).get(path).status_code == 200


def test_a_member_writes_but_does_not_delete(workspace, member, records):
    api = ApiClient.with_token(member, workspace)

    assert api.patch(f"/contacts/{records['contact_id']}", {"job_title": "CTO"}).status_code == 200
    assert api.delete(f"/contacts/{records['contact_id']}").status_code == 403
    assert (
        api.post(
            "/custom-fields", {"entity": "contact", "label": "X", "field_type": "text"}
        ).status_code
        == 403
    )


def test_an_admin_deletes_and_defines_custom_fields(workspace, admin_user, records):
    api = ApiClient.with_token(admin_user, workspace)

    created = api.post("/custom-fields", {"entity": "contact", "label": "X", "field_type": "text"})
    deleted = api.delete(f"/contacts/{records['contact_id']}")

    assert created.status_code == 201
    assert deleted.status_code == 204
    with workspace_scope(workspace):
        assert not Contact.objects.filter(pk=records["contact_id"]).exists()
