"""A create's body says what a create needs: the OpenAPI document marks its required fields
(or, for "a name or an email", the choice), while the PATCH body stays all optional."""

import pytest
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields

# POST path, its PATCH path, the fields a create needs, the choice of fields it needs one of.
CREATES = [
    ("/contacts", "/contacts/{contact_id}", [], ["first_name", "last_name", "emails"]),
    ("/companies", "/companies/{company_id}", ["name"], []),
    ("/tags", "/tags/{tag_id}", ["name"], []),
    ("/custom-fields", "/custom-fields/{definition_id}", ["entity", "label", "field_type"], []),
    ("/activities", "/activities/{activity_id}", ["kind"], []),
    ("/sales/leads", "/sales/leads/{lead_id}", [], ["first_name", "last_name", "email"]),
    ("/sales/deals", "/sales/deals/{deal_id}", ["name"], []),
]


def _body_schema(schema, path, method):
    ref = schema["paths"]["/api/v1" + path][method]["requestBody"]["content"]["application/json"]
    return schema["components"]["schemas"][ref["schema"]["$ref"].rsplit("/", 1)[1]]


@pytest.mark.parametrize("create, update, required, one_of", CREATES)
def test_the_document_marks_what_a_create_needs_and_a_patch_does_not(
    db, create, update, required, one_of
):
    schema = Client().get("/api/v1/openapi.json").json()

    created = _body_schema(schema, create, "post")
    assert sorted(created.get("required", [])) == sorted(required)
    assert created.get("anyOf", []) == [{"required": [name]} for name in one_of]
    patched = _body_schema(schema, update, "patch")
    assert "required" not in patched and "anyOf" not in patched
    assert set(patched["properties"]) == set(created["properties"])


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/companies", {"domain": "acme.test"}, "name"),
        ("/tags", {"color": "#112233"}, "name"),
        ("/custom-fields", {"entity": "contact", "field_type": "text"}, "label"),
        ("/activities", {"subject": "Called"}, "kind"),
        ("/sales/deals", {"next_step": "Call"}, "name"),
        ("/contacts", {"job_title": "CTO"}, "first_name"),  # "a name or an email"
        ("/sales/leads", {"job_title": "CTO"}, "email"),
    ],
)
def test_a_create_without_what_it_needs_is_a_problem_naming_the_field(api, path, body, field):
    response = api.post(path, body)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert field in problem_fields(response)


def test_a_patch_still_sends_only_what_changes(api):
    company = api.post("/companies", {"name": "Acme"}).json()

    response = api.patch(f"/companies/{company['id']}", {"city": "Lyon"})

    assert response.status_code == 200
    assert response.json()["name"] == "Acme"
    assert response.json()["city"] == "Lyon"
