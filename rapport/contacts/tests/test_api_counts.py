"""`?count=true` on the contacts and companies lists: how many records the filters match, as
the list pages count them (`listing.contact_count`, `company_count`: capped, and null when
PostgreSQL gave up); without it the answer and its queries are as they always were."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.api.testing import ApiClient, problem_fields
from rapport.contacts import listing
from rapport.contacts.tests.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def records(workspace, other_workspace):
    for name in ("Ann", "Bea", "Cy"):
        make_contact(workspace, first_name=name, tags=["vip"] if name != "Cy" else [])
    make_company(workspace, name="Acme", tags=["vip"])
    make_company(workspace, name="Initech")
    make_contact(other_workspace, first_name="Dee", tags=["vip"])


def _counts(api, path, **params):
    response = api.get(path, params)
    assert response.status_code == 200, response.content
    body = response.json()
    return body.get("count", "absent"), body.get("count_capped", "absent"), len(body["items"])


@pytest.mark.parametrize(
    "path, params, expected",
    [
        ("/contacts", {}, (3, False, 1)),
        ("/contacts", {"tag": "vip"}, (2, False, 1)),
        ("/companies", {}, (2, False, 1)),
        ("/companies", {"q": "acme"}, (1, False, 1)),
    ],
)
def test_a_list_counts_what_its_filters_match_in_the_workspace(
    api, records, path, params, expected
):
    assert _counts(api, path, count="true", limit=1, **params) == expected


@pytest.mark.parametrize("path", ["/contacts", "/companies"])
def test_a_count_past_the_cap_says_so(api, records, monkeypatch, path):
    monkeypatch.setattr(listing, "COUNT_CAP", 1)

    assert _counts(api, path, count="true")[:2] == (1, True)


@pytest.mark.parametrize("path", ["/contacts", "/companies"])
def test_a_count_the_database_gave_up_on_is_null(api, records, monkeypatch, path):
    monkeypatch.setattr(listing, "capped_count", lambda qs: None)

    assert _counts(api, path, count="true")[:2] == (None, False)


@pytest.mark.parametrize("path", ["/contacts", "/companies"])
def test_without_count_the_page_is_as_it_was_and_nothing_is_counted(api, records, path):
    api.get(path)  # the token's first use of the minute is written down: not a list's query
    answers, queries, totals = [], [], []
    for params in (
        {"tag": "vip"},
        {"tag": "vip", "count": "false"},
        {"tag": "vip", "count": "true"},
    ):
        with CaptureQueriesContext(connection) as run:
            answers.append(api.get(path, params).json())
        queries.append([q["sql"] for q in run if "COUNT(" in q["sql"].upper()])
        totals.append(len(run))

    plain, not_asked, counted = answers
    assert plain == not_asked == {k: v for k, v in counted.items() if not k.startswith("count")}
    assert "count" not in plain
    assert [len(q) for q in queries] == [0, 0, 1]
    assert totals[0] == totals[1] < totals[2]


def test_a_count_that_is_not_a_boolean_is_refused_by_name(api):
    response = api.get("/contacts", {"count": "maybe"})

    assert response.status_code == 400
    assert set(problem_fields(response)) == {"count"}


def test_the_openapi_document_offers_the_count(api):
    schema = api.get("/openapi.json").json()
    for path in ("/api/v1/contacts", "/api/v1/companies"):
        operation = schema["paths"][path]["get"]
        assert "count" in {p["name"] for p in operation["parameters"]}
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert {"count", "count_capped"} <= page["properties"].keys()
