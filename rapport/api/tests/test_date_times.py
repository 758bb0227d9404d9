"""Date-times in the API are ISO 8601 text, as documented: a number is refused by name.

Pydantic reads a number, or a string of one, as Unix seconds, so `created_after=2024`
listed every record created after 00:33:44 on 1 January 1970, as if the filter had matched.
"""

import pytest

from rapport.api.testing import ApiClient, problem_fields
from rapport.contacts.tests.factories import make_contact


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.mark.parametrize("value", ["2024", "20240101", "1700000000.5", "-1"])
@pytest.mark.parametrize(
    "path, name",
    [
        ("/contacts", "created_after"),
        ("/companies", "updated_before"),
        ("/activities", "occurred_after"),
        ("/sales/orders", "ordered_before"),
    ],
)
def test_a_number_for_a_date_time_filter_is_refused_by_name(api, path, name, value):
    response = api.get(path, {name: value})

    assert response.status_code == 400
    assert "ISO 8601" in problem_fields(response)[name]


@pytest.mark.parametrize("value", [1700000000, "1700000000"])
def test_a_number_for_a_date_time_in_a_body_is_refused_by_name(api, workspace, value):
    contact = make_contact(workspace)

    response = api.post(
        "/activities",
        {"kind": "note", "body": "Hi", "contact_ids": [contact.pk], "occurred_at": value},
    )

    assert response.status_code == 422
    assert "ISO 8601" in problem_fields(response)["occurred_at"]


@pytest.mark.parametrize(
    "value", ["2024-02-01", "2024-02-01T10:00:00", "2024-02-01T10:00:00+01:00"]
)
def test_iso_dates_and_date_times_are_still_read(api, workspace, value):
    make_contact(workspace)

    response = api.get("/contacts", {"created_after": value})

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


@pytest.mark.parametrize("value", ["0", "20240101"])
@pytest.mark.parametrize(
    "path, name",
    [("/sales/deals", "expected_close_before"), ("/sales/deals", "expected_close_after")],
)
def test_a_number_for_a_day_filter_is_refused_by_name(api, path, name, value):
    # `expected_close_before=0` was 1 January 1970 (schemathesis found it accepted).
    response = api.get(path, {name: value})

    assert response.status_code == 400
    assert "ISO 8601 date" in problem_fields(response)[name]


def test_a_number_for_a_day_in_a_body_is_refused_by_name(api):
    response = api.post("/sales/deals", {"name": "Renewal", "expected_close_date": 0})

    assert response.status_code == 422
    assert "ISO 8601 date" in problem_fields(response)["expected_close_date"]
