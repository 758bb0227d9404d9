"""Two workspaces, every endpoint: neither sees, finds, changes or links the other's records.

The tables below name every operation of the API; a test checks them against the OpenAPI
schema, so a new endpoint without an isolation case fails here.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from rapport.activities.models import Activity
from rapport.api.testing import ApiClient
from rapport.contacts.models import Company, Contact, CustomFieldDefinition, Tag
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import ApiToken, Membership
from rapport.tenancy.services import api_token_create


@dataclass
class World:
    """One workspace's records, and a token client of its owner."""

    api: ApiClient
    ids: dict[str, int]
    name: str
    email: str
    phone: str
    company_name: str


def _world(workspace, user, *, name: str, email: str, phone: str, company_name: str) -> World:
    with workspace_scope(workspace):
        definition = custom_field_create(
            workspace=workspace,
            actor=user,
            data={"entity": "contact", "label": "Tier", "field_type": "text"},
        )
    company = make_company(workspace, name=company_name, tags=["vip"])
    contact = make_contact(
        workspace,
        first_name=name,
        last_name="Smith",
        emails=[email],
        phones=[phone],
        company_ids=[company.pk],
        tags=["vip"],
        custom_fields={"tier": "gold"},
    )
    activity = make_activity(workspace, contact_ids=[contact.pk], company_ids=[company.pk])
    with workspace_scope(workspace):
        tag = Tag.objects.get(name="vip")
    membership = Membership.objects.get(user=user, workspace=workspace)
    token, _ = api_token_create(membership=membership, name="laptop")
    ids = {
        "contact_id": contact.pk,
        "company_id": company.pk,
        "activity_id": activity.pk,
        "tag_id": tag.pk,
        "definition_id": definition.pk,
        "token_id": token.pk,
    }
    return World(ApiClient.with_token(user, workspace), ids, name, email, phone, company_name)


@pytest.fixture
def ours(workspace, owner) -> World:
    return _world(
        workspace,
        owner,
        name="Zelda",
        email="zelda@acme.io",
        phone="+14155552671",
        company_name="Acme Rockets",
    )


@pytest.fixture
def theirs(other_workspace, outsider) -> World:
    return _world(
        other_workspace,
        outsider,
        name="Yorick",
        email="yorick@globex.io",
        phone="+442079460018",
        company_name="Globex Chemicals",
    )


# Operations on one record: called with the other workspace's id, each must answer 404.
RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/contacts/{contact_id}", None),
    ("patch", "/contacts/{contact_id}", {"first_name": "Hijacked"}),
    ("delete", "/contacts/{contact_id}", None),
    ("get", "/companies/{company_id}", None),
    ("patch", "/companies/{company_id}", {"name": "Hijacked"}),
    ("delete", "/companies/{company_id}", None),
    ("get", "/activities/{activity_id}", None),
    ("patch", "/activities/{activity_id}", {"subject": "Hijacked"}),
    ("delete", "/activities/{activity_id}", None),
    ("get", "/tags/{tag_id}", None),
    ("patch", "/tags/{tag_id}", {"name": "Hijacked"}),
    ("delete", "/tags/{tag_id}", None),
    ("get", "/custom-fields/{definition_id}", None),
    ("patch", "/custom-fields/{definition_id}", {"label": "Hijacked"}),
    ("delete", "/custom-fields/{definition_id}", None),
    ("delete", "/me/tokens/{token_id}", None),
]
# Operations on collections, each covered by a test below.
COLLECTION_CALLS = {
    ("get", "/contacts"),
    ("post", "/contacts"),
    ("post", "/contacts/bulk"),
    ("get", "/companies"),
    ("post", "/companies"),
    ("post", "/companies/bulk"),
    ("get", "/activities"),
    ("post", "/activities"),
    ("get", "/tags"),
    ("post", "/tags"),
    ("get", "/custom-fields"),
    ("post", "/custom-fields"),
    ("get", "/me"),
    ("get", "/me/tokens"),
    ("post", "/me/tokens"),
}


# Apps whose operations have their own isolation tables, with the same schema check.
APP_PREFIXES = {
    "/sales/": "rapport/sales/tests/test_api_access.py",
    "/service/": "rapport/service/tests/test_api_access.py",
    "/knowledge/": "rapport/knowledge/tests/test_api_access.py",
    "/feedback/": "rapport/feedback/tests/test_api_access.py",
    "/data/": "rapport/data/tests/test_api_access.py",
    "/merge/": "rapport/merge/tests/test_api_access.py",
    "/exports/": "rapport/data/tests/test_export_api.py",
    "/marketing/": "rapport/marketing/tests/test_api_access.py",
    "/campaigns/": "rapport/campaigns/tests/test_api_access.py",
    "/sequences": "rapport/sequences/tests/test_api_access.py",
    "/dedupe/": "rapport/dedupe/tests/test_api.py",
    "/privacy/": "rapport/privacy/tests/test_personal_data.py",
}


def test_every_operation_has_an_isolation_case(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    operations = {
        (method, path.removeprefix("/api/v1"))
        for path, ops in paths.items()
        for method in ops
        if not path.removeprefix("/api/v1").startswith(tuple(APP_PREFIXES))
    }
    covered = {(method, path) for method, path, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert operations == covered


def _untouched(world: World) -> None:
    ids = world.ids
    with workspace_scope(_workspace_of(world)):
        assert Contact.objects.get(pk=ids["contact_id"]).first_name != "Hijacked"
        assert Company.objects.get(pk=ids["company_id"]).name != "Hijacked"
        assert Activity.objects.get(pk=ids["activity_id"]).subject != "Hijacked"
        assert Tag.objects.get(pk=ids["tag_id"]).name == "vip"
        assert CustomFieldDefinition.objects.get(pk=ids["definition_id"]).label == "Tier"
    assert ApiToken.objects.get(pk=ids["token_id"]).revoked_at is None


def _workspace_of(world: World):
    return ApiToken.objects.get(pk=world.ids["token_id"]).membership.workspace


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_record_is_not_found(sides, method, path, body):
    looker, other = sides

    send = getattr(looker.api, method)
    url = path.format(**other.ids)
    response = send(url, body) if body is not None else send(url)

    assert response.status_code == 404, response.content
    assert other.name not in response.content.decode()
    _untouched(other)


def _listed_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["id"] for item in items}


def test_lists_show_only_the_callers_own_records(sides):
    looker, _ = sides

    assert _listed_ids(looker.api.get("/contacts")) == {looker.ids["contact_id"]}
    assert _listed_ids(looker.api.get("/companies")) == {looker.ids["company_id"]}
    assert _listed_ids(looker.api.get("/activities")) == {looker.ids["activity_id"]}
    assert _listed_ids(looker.api.get("/tags")) == {looker.ids["tag_id"]}
    assert _listed_ids(looker.api.get("/custom-fields")) == {looker.ids["definition_id"]}
    assert _listed_ids(looker.api.get("/me/tokens")) == {
        t.pk for t in ApiToken.objects.filter(membership__workspace=_workspace_of(looker))
    }


@pytest.mark.parametrize("what", ["name", "email", "phone", "company_name"])
def test_search_never_finds_another_workspaces_records(sides, what):
    looker, other = sides

    found = looker.api.get("/contacts", {"q": getattr(other, what)})

    assert _listed_ids(found) == set()
    assert _listed_ids(looker.api.get("/companies", {"q": other.company_name})) == set()


def test_filters_by_another_workspaces_ids_find_nothing(sides):
    looker, other = sides

    by_company = looker.api.get("/contacts", {"company_id": other.ids["company_id"]})
    by_contact = looker.api.get("/activities", {"contact_id": other.ids["contact_id"]})
    by_company_activity = looker.api.get("/activities", {"company_id": other.ids["company_id"]})

    assert _listed_ids(by_company) == set()
    assert _listed_ids(by_contact) == set()
    assert _listed_ids(by_company_activity) == set()


def test_filters_by_tag_and_custom_field_stay_in_the_workspace(sides):
    looker, _ = sides

    tagged = looker.api.get("/contacts", {"tag": "vip"})
    gold = looker.api.get("/contacts", {"cf.tier": "gold"})

    assert _listed_ids(tagged) == {looker.ids["contact_id"]}
    assert _listed_ids(gold) == {looker.ids["contact_id"]}
    assert _listed_ids(looker.api.get("/companies", {"tag": "vip"})) == {looker.ids["company_id"]}


def test_bulk_cannot_update_another_workspaces_records(sides):
    looker, other = sides

    contacts = looker.api.post(
        "/contacts/bulk", {"items": [{"id": other.ids["contact_id"], "first_name": "Hijacked"}]}
    )
    companies = looker.api.post(
        "/companies/bulk", {"items": [{"id": other.ids["company_id"], "name": "Hijacked"}]}
    )

    for response in (contacts, companies):
        assert response.status_code == 200
        [result] = response.json()["results"]
        assert result["status"] == "error"
        assert [e["field"] for e in result["errors"]] == ["id"]
    _untouched(other)


def test_writes_cannot_link_another_workspaces_records(sides):
    looker, other = sides

    contact = looker.api.post(
        "/contacts", {"first_name": "New", "company_ids": [other.ids["company_id"]]}
    )
    company = looker.api.post("/companies", {"name": "New", "parent_id": other.ids["company_id"]})
    activity = looker.api.post(
        "/activities", {"kind": "note", "body": "hi", "contact_ids": [other.ids["contact_id"]]}
    )

    assert contact.status_code == company.status_code == activity.status_code == 422
    assert "company_ids" in {e["field"] for e in contact.json()["errors"]}
    assert "parent_id" in {e["field"] for e in company.json()["errors"]}
    assert "contact_ids" in {e["field"] for e in activity.json()["errors"]}


def test_names_taken_in_another_workspace_are_free_here(sides):
    looker, _ = sides

    tag = looker.api.post("/tags", {"name": "VIP-2"})
    again = looker.api.post("/tags", {"name": "vip-2"})
    field = looker.api.post(
        "/custom-fields", {"entity": "company", "label": "Tier", "field_type": "text"}
    )

    assert tag.status_code == 201
    assert again.status_code == 422
    assert field.status_code == 201


def test_me_and_new_tokens_belong_to_the_callers_workspace(sides):
    looker, _ = sides

    me = looker.api.get("/me").json()
    created = looker.api.post("/me/tokens", {"name": "ci"}).json()

    assert me["workspace"]["id"] == _workspace_of(looker).pk
    assert ApiToken.objects.get(pk=created["id"]).membership.workspace == _workspace_of(looker)
