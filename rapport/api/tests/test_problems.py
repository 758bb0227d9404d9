"""Every error is RFC 9457 problem details naming each bad field."""

import pytest
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


def _nothing_written(workspace) -> bool:
    with workspace_scope(workspace):
        return not Contact.objects.exists() and not AuditEntry.objects.exists()


def test_type_errors_name_each_bad_field(api, workspace):
    response = api.post(
        "/contacts", {"first_name": 5, "emails": "ann@example.com", "do_not_call": "maybe"}
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"first_name", "emails", "do_not_call"}
    assert response.json()["type"] != "about:blank"
    assert _nothing_written(workspace)


def test_service_errors_name_each_bad_field_with_its_position(api, workspace):
    response = api.post(
        "/contacts",
        {
            "first_name": "Ann",
            "emails": ["ann@example.com", "not-an-email"],
            "phones": ["12"],
            "country": "XX",
            "owner_id": 999_999,
            "custom_fields": {"no_such_field": 1},
        },
    )

    assert response.status_code == 422
    fields = problem_fields(response)
    assert set(fields) == {
        "emails.1",
        "phones.0",
        "country",
        "owner_id",
        "custom_fields.no_such_field",
    }
    assert "not-an-email" in fields["emails.1"]
    assert _nothing_written(workspace)


def test_unknown_fields_are_refused_by_name(api, workspace):
    response = api.post("/contacts", {"first_name": "Ann", "fist_name": "typo"})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"fist_name"}
    assert _nothing_written(workspace)


def test_a_bad_cursor_is_a_400_naming_the_cursor(api):
    response = api.get("/contacts", {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert set(problem_fields(response)) == {"cursor"}


def test_a_cursor_from_another_sort_order_is_refused(api, workspace):
    for name in ("Ann", "Bob"):
        make_contact(workspace, first_name=name)
    cursor = api.get("/contacts", {"limit": 1, "sort": "name"}).json()["next_cursor"]

    response = api.get("/contacts", {"limit": 1, "sort": "-created", "cursor": cursor})

    assert response.status_code == 400
    assert set(problem_fields(response)) == {"cursor"}


def test_bad_query_parameters_are_a_400_naming_each(api):
    response = api.get("/contacts", {"limit": 1000, "created_after": "last week", "sort": "age"})

    assert response.status_code == 400
    assert set(problem_fields(response)) == {"limit", "created_after"}
    response = api.get("/contacts", {"sort": "age"})
    assert set(problem_fields(response)) == {"sort"}


@pytest.mark.parametrize(
    "path", ["/contacts", "/companies", "/activities", "/tags", "/custom-fields"]
)
def test_an_unknown_query_parameter_is_refused_by_name(api, workspace, path):
    """`ownerid=` for `owner_id=` would otherwise answer every record, as if filtered."""
    make_contact(workspace)

    response = api.get(path, {"ownerid": 3})

    assert response.status_code == 400
    assert set(problem_fields(response)) == {"ownerid"}


def test_a_nul_character_is_refused_by_name(api, workspace):
    """PostgreSQL cannot store it in text (a 500 there); SQLite would keep it: one answer."""
    contact = make_contact(workspace, first_name="Ann")

    created = api.post("/contacts", {"first_name": "A\u0000nn"})
    patched = api.patch(f"/contacts/{contact.pk}", {"custom_fields": {"x": "a\u0000"}})
    emails = api.post("/contacts", {"first_name": "Ann", "emails": ["a\u0000@example.com"]})
    bulk = api.post("/companies/bulk", {"items": [{"name": "Acme\u0000"}]})
    listed = api.get("/contacts", {"q": "A\u0000"})

    assert created.status_code == patched.status_code == emails.status_code == 422
    assert set(problem_fields(created)) == {"first_name"}
    assert set(problem_fields(patched)) == {"custom_fields"}
    assert "custom_fields.x" in problem_fields(patched)["custom_fields"]
    assert set(problem_fields(emails)) == {"emails"}
    assert "emails.0" in problem_fields(emails)["emails"]
    assert bulk.json()["results"][0]["errors"][0]["field"] == "name"
    assert listed.status_code == 400
    assert set(problem_fields(listed)) == {"q"}


@pytest.mark.parametrize(
    "path, field",
    [
        ("/contacts/{id}", "lifecycle_stage"),
        ("/contacts/{id}", "do_not_email"),
        ("/contacts/{id}", "custom_fields"),
    ],
)
def test_null_for_a_field_with_no_empty_value_is_refused_and_not_offered(
    api, workspace, path, field
):
    """PATCH leaves out what it keeps; null would be a value these fields cannot hold."""
    contact = make_contact(workspace)

    response = api.patch(path.format(id=contact.pk), {field: None})

    assert response.status_code == 422
    assert "cannot be null" in problem_fields(response)[field]
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    offered = schema["ContactWrite"]["properties"][field]
    assert "anyOf" not in offered
    assert offered.get("type") != "null"


def test_an_unknown_record_is_a_404_problem(api):
    response = api.get("/contacts/424242")

    assert response.status_code == 404
    assert problem_fields(response) == {}


TOO_BIG = 10**25  # past any 64-bit key: SQLite cannot even bind it


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        ("post", "/contacts", {"first_name": "Ann", "owner_id": TOO_BIG}, "owner_id"),
        ("post", "/contacts", {"first_name": "Ann", "company_ids": [TOO_BIG]}, "company_ids.0"),
        ("post", "/companies", {"name": "Acme", "parent_id": TOO_BIG}, "parent_id"),
        (
            "post",
            "/activities",
            {"kind": "note", "body": "x", "contact_ids": [TOO_BIG]},
            "contact_ids.0",
        ),
        ("get", "/contacts?owner_id=" + str(TOO_BIG), None, "owner_id"),
        ("get", "/activities?contact_id=" + str(TOO_BIG), None, "contact_id"),
    ],
)
def test_an_id_too_big_for_any_record_is_refused_by_name(api, workspace, method, path, body, field):
    response = api.get(path) if method == "get" else getattr(api, method)(path, body)

    assert response.status_code == (400 if method == "get" else 422)
    assert set(problem_fields(response)) == {field}


def test_a_bulk_item_with_an_id_too_big_fails_alone(api, workspace):
    response = api.post(
        "/contacts/bulk", {"items": [{"id": TOO_BIG, "first_name": "Ann"}, {"first_name": "Bea"}]}
    )

    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["error", "created"]
    assert response.json()["results"][0]["errors"][0]["field"] == "id"


@pytest.mark.parametrize("path", ["/contacts", "/companies", "/activities", "/tags"])
@pytest.mark.parametrize("record_id", [0, TOO_BIG])
def test_a_path_id_no_record_can_have_is_a_404_problem(api, path, record_id):
    response = api.get(f"{path}/{record_id}")

    assert response.status_code == 404
    assert problem_fields(response) == {}


@pytest.mark.parametrize("path", ["/contactz", "/contacts/1%0A", "/sales/deals/%0A%0A"])
def test_an_unknown_path_is_a_404_problem(api, path):
    # A newline in the path once slipped past the API's catch-all to the site's HTML 404.
    response = api.get(path)

    assert response.status_code == 404
    problem_fields(response)


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_an_unsafe_method_on_an_unknown_path_is_a_404_problem_not_a_csrf_page(
    workspace, owner, method
):
    """A typo'd path or a malformed id (`/contacts/None`) with a token: Django's CSRF check
    must not answer it with an HTML 403 that sends the client debugging its credentials."""
    api = ApiClient.with_token(owner, workspace)
    api.client = Client(enforce_csrf_checks=True)

    response = getattr(api, method)("/contacts/None")

    assert response.status_code == 404
    problem_fields(response)


def test_a_wrong_method_is_a_405_problem_saying_what_is_allowed(api, workspace):
    contact = make_contact(workspace)

    response = api.put(f"/contacts/{contact.pk}", {"first_name": "Bea"})

    assert response.status_code == 405
    problem_fields(response)
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PATCH", "DELETE"}


def test_malformed_json_is_a_400_problem(api, workspace):
    response = api.client.post(
        "/api/v1/contacts",
        data="{not json",
        content_type="application/json",
        headers=api.headers,
    )

    assert response.status_code == 400
    assert set(problem_fields(response)) == {"body"}
    assert response.json()["type"].endswith("malformed-body")
    assert _nothing_written(workspace)


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/x-www-form-urlencoded", "first_name=Ann"),
        ("text/plain", '{"first_name": "Ann"}'),
        ("application/xml", "<contact/>"),
    ],
)
def test_a_body_that_is_not_json_is_a_415_problem(api, workspace, content_type, body):
    response = api.client.post(
        "/api/v1/contacts", data=body, content_type=content_type, headers=api.headers
    )

    assert response.status_code == 415
    problem_fields(response)
    assert content_type in response.json()["detail"]
    assert _nothing_written(workspace)


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
def test_json_media_types_are_read(api, content_type):
    response = api.client.post(
        "/api/v1/contacts",
        data='{"first_name": "Ann"}',
        content_type=content_type,
        headers=api.headers,
    )

    assert response.status_code == 201, response.content


def test_a_viewer_write_is_a_403_problem(workspace, viewer):
    response = ApiClient.with_token(viewer, workspace).post("/contacts", {"first_name": "Ann"})

    assert response.status_code == 403
    assert "records:write" in response.json()["detail"]


def test_an_unexpected_failure_is_a_500_problem(api, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("rapport.contacts.api.contact_list", broken)

    response = api.get("/contacts")

    assert response.status_code == 500
    assert "on fire" not in response.json()["detail"]
    problem_fields(response)


def test_unauthenticated_is_a_401_problem(db):
    response = Client().post("/api/v1/contacts", data="{}", content_type="application/json")

    assert response.status_code == 401
    problem_fields(response)
