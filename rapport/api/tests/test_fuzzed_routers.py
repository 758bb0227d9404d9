"""What schemathesis found on the data, exports, dedupe, merge and privacy routers (no 500s;
answers the OpenAPI document did not declare, or requests it allowed that were refused)."""

import pytest
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def schema(db):
    return Client().get("/api/v1/openapi.json").json()


@pytest.mark.parametrize(
    "path",
    ["/exports/jobs/null,null/file", "/privacy/contacts/x1"],
)
def test_a_path_id_that_is_no_number_is_not_found(api, path):
    # It was a 400 naming the id, which these operations did not document. (A job status
    # read so, `/exports/jobs/x`, is an export of "jobs": the 400 below.)
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path, field", [("/exports/0/csv", "entity"), ("/exports/contacts/0", "format")]
)
def test_an_export_of_what_cannot_be_exported_is_a_bad_request_naming_it(api, schema, path, field):
    # A GET has no body: this was a 422 "invalid fields; nothing was written".
    response = api.get(path)

    assert response.status_code == 400
    assert field in problem_fields(response)
    declared = schema["paths"]["/api/v1/exports/{entity}/{file_format}"]["get"]["responses"]
    assert "400" in declared


def test_the_export_path_parameters_say_what_they_are(schema):
    params = schema["paths"]["/api/v1/exports/{entity}/{file_format}"]["get"]["parameters"]

    assert all(p["description"] != "the record's id" for p in params)


def test_the_import_list_filters_list_their_values(schema):
    params = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/data/imports"]["get"]["parameters"]
    }

    assert "done" in params["status"]["enum"]
    assert "contacts" in params["entity"]["enum"]


def test_an_empty_erasure_confirmation_is_refused_by_the_document_too(schema):
    confirm = schema["components"]["schemas"]["EraseIn"]["properties"]["confirm"]

    assert confirm["minLength"] == 1


@pytest.mark.parametrize("method", ["post", "delete"])
def test_the_not_a_duplicate_conflicts_are_documented(schema, method):
    operation = schema["paths"]["/api/v1/dedupe/pairs/{pair_id}/not-duplicate"][method]

    assert "409" in operation["responses"]
