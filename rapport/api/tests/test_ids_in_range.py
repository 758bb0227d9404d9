"""An id past 64 bits in any app's API is refused by name (body, query) or a 404 (path).

SQLite cannot bind such a number: before `RecordId`/`PathId` reached every app, the lookup
failed the request with a 500 there (PostgreSQL answered "not found" or nothing).
"""

import re

import pytest

from rapport.api.testing import ApiClient, problem_fields, schema_operations

TOO_BIG = 2**64


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


def test_a_path_id_past_64_bits_is_a_404_on_every_operation(api):
    """Every operation with an id in its path, as the OpenAPI document lists them."""
    operations = [
        (method, path) for method, path in sorted(schema_operations("/")) if "_id}" in path
    ]
    assert len(operations) > 40
    answers = {}
    for method, path in operations:
        url = re.sub(r"\{\w+_id\}", str(TOO_BIG), path)
        response = api.get(url) if method == "get" else api._send(method, url, {})
        answers[f"{method} {path}"] = response.status_code

    assert {op: status for op, status in answers.items() if status != 404} == {}


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/sales/deals", {"name": "Big", "owner_id": TOO_BIG}, "owner_id"),
        ("/sales/leads", {"first_name": "Ann", "campaign_id": TOO_BIG}, "campaign_id"),
        ("/service/tickets", {"subject": "Help", "requester_id": TOO_BIG}, "requester_id"),
        (
            "/service/tickets/bulk",
            {"action": "status", "value": "open", "ticket_ids": [TOO_BIG]},
            "ticket_ids.0",
        ),
        ("/service/tickets/bulk", {"action": "team", "value": TOO_BIG, "ticket_ids": [1]}, "value"),
        ("/service/teams", {"name": "Desk", "member_ids": [TOO_BIG]}, "member_ids.0"),
        ("/knowledge/articles", {"title": "How", "category_id": TOO_BIG}, "category_id"),
        ("/campaigns/campaigns", {"name": "Fall", "template_id": TOO_BIG}, "template_id"),
        ("/merge/contacts", {"survivor_id": TOO_BIG, "other_id": 1}, "survivor_id"),
        ("/sequences", {"name": "Nurture", "enter_list_id": TOO_BIG}, "enter_list_id"),
    ],
)
def test_a_body_id_past_64_bits_is_refused_by_name(api, path, body, field):
    response = api.post(path, body)

    assert response.status_code == 422, response.content
    assert field in problem_fields(response)


@pytest.mark.parametrize(
    "path, field",
    [
        ("/sales/deals", "owner_id"),
        ("/sales/leads", "campaign_id"),
        ("/service/tickets", "assignee_id"),
        ("/knowledge/articles", "category_id"),
        ("/feedback/surveys", "contact_id"),
    ],
)
def test_a_query_id_past_64_bits_is_refused_by_name(api, path, field):
    response = api.get(path, {field: TOO_BIG})

    assert response.status_code == 400, response.content
    assert set(problem_fields(response)) == {field}
