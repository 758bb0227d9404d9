"""Bodies take JSON's own types: pydantic's lax mode took `1` or "true" for a flag and "12"
or `true` for a number, guessing at a client's bug; each is refused by name now. Numbers
stored in a 32-bit column are refused past it by name (on PostgreSQL they failed the write:
a 500), through one annotated type (`records.Int32`, `PositiveInt32`)."""

import pytest
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.core.models import INT32_MAX

FIELD = {"entity": "contact", "field_type": "text", "label": "Region"}
RULE = {"target": "contact", "activity_kind": "call", "window_days": 30, "points": 5}


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def contact_id(api):
    return api.post("/contacts", {"first_name": "Ada"}).json()["id"]


@pytest.mark.parametrize(
    "path, body, field, message",
    [
        ("/contacts", {"first_name": "A", "do_not_email": 1}, "do_not_email", "boolean"),
        ("/contacts", {"first_name": "A", "do_not_call": "true"}, "do_not_call", "boolean"),
        ("/custom-fields", {**FIELD, "required": 0}, "required", "boolean"),
        ("/custom-fields", {**FIELD, "position": "3"}, "position", "not a string"),
        ("/custom-fields", {**FIELD, "position": True}, "position", "not a boolean"),
        ("/sales/scoring/rules", {**RULE, "window_days": "30"}, "window_days", "not a string"),
        ("/sales/scoring/rules", {**RULE, "points": True}, "points", "not a boolean"),
    ],
)
def test_a_loose_type_is_refused_by_name(api, path, body, field, message):
    response = api.post(path, body)

    assert response.status_code == 422
    assert message in problem_fields(response)[field]


def test_an_id_sent_as_text_is_refused_by_name(api, owner):
    response = api.post("/contacts", {"first_name": "A", "owner_id": str(owner.pk)})

    assert response.status_code == 422
    assert "not a string" in problem_fields(response)["owner_id"]


def test_a_number_of_seconds_sent_as_text_is_refused_by_name(api, contact_id):
    body = {"kind": "call", "duration_seconds": "60", "contact_ids": [contact_id]}
    response = api.post("/activities", body)

    assert response.status_code == 422
    assert "not a string" in problem_fields(response)["duration_seconds"]


def test_a_whole_number_written_with_a_fraction_is_an_integer_as_json_schema_says(api):
    # JSON Schema's "integer" is any number without a fraction: 3.0 is one, 3.5 is not.
    kept = api.post("/custom-fields", {**FIELD, "position": 3.0})
    refused = api.post("/custom-fields", {**FIELD, "label": "Other", "position": 3.5})

    assert kept.status_code == 201
    assert kept.json()["position"] == 3
    assert refused.status_code == 422
    assert "position" in problem_fields(refused)


def test_a_query_string_keeps_its_text_values(api, owner):
    response = api.get("/contacts", {"owner_id": str(owner.pk), "count": "true"})

    assert response.status_code == 200


@pytest.mark.parametrize("max_points", [INT32_MAX + 1, -INT32_MAX - 2])
def test_a_cap_past_its_32_bit_column_is_refused_by_name(api, max_points):
    # A 500 on PostgreSQL (the column is an integer); stored as sent on SQLite.
    response = api.post("/sales/scoring/rules", {**RULE, "max_points": max_points})

    assert response.status_code == 422
    assert "max_points" in problem_fields(response)


def test_the_largest_cap_its_column_holds_is_kept(api):
    response = api.post("/sales/scoring/rules", {**RULE, "max_points": INT32_MAX})

    assert response.status_code == 201
    assert response.json()["max_points"] == INT32_MAX


def test_the_document_gives_32_bit_numbers_their_range(db):
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    cap = schema["ScoringRuleWrite"]["properties"]["max_points"]["anyOf"][0]

    assert (cap["minimum"], cap["maximum"]) == (-(2**31), INT32_MAX)
