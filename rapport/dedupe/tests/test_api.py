"""The duplicates API: the queue, "not a duplicate", a run; outsiders get 404, viewers 403."""

import pytest
from django.test import Client

from rapport.api.testing import ApiClient, listed_ids
from rapport.contacts.tests.factories import make_contact
from rapport.dedupe.models import PairStatus
from rapport.dedupe.queries import contact_candidates
from rapport.dedupe.tests.factories import pair_of, plant
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(workspace):
    return plant(workspace)


def test_the_queue_lists_open_pairs_most_likely_first(workspace, owner, planted):
    api = ApiClient.with_token(owner, workspace)

    response = api.get("/dedupe/pairs", {"entity": "contact"})

    pairs = response.json()
    assert response.status_code == 200
    assert len(pairs) == 2
    assert pairs[0]["probability"] >= pairs[1]["probability"]
    assert all(p["reasons"] for p in pairs)


def test_a_member_marks_a_pair_not_a_duplicate(workspace, member, planted):
    pair = pair_of(workspace, planted["ann"], planted["anne"])

    response = ApiClient.with_token(member, workspace).post(
        f"/dedupe/pairs/{pair.pk}/not-duplicate"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "not_duplicate"
    assert pair_of(workspace, planted["ann"], planted["anne"]).status == PairStatus.NOT_DUPLICATE


def test_a_viewer_can_read_but_not_decide_or_run(workspace, viewer, planted):
    api = ApiClient.with_token(viewer, workspace)
    pair = pair_of(workspace, planted["ann"], planted["anne"])

    assert api.get("/dedupe/pairs").status_code == 200
    assert api.post(f"/dedupe/pairs/{pair.pk}/not-duplicate").status_code == 403
    assert api.post("/dedupe/runs").status_code == 403
    assert pair_of(workspace, planted["ann"], planted["anne"]).status == PairStatus.OPEN


def test_an_outsider_neither_sees_nor_decides_our_pairs(
    workspace, other_workspace, outsider, planted
):
    api = ApiClient.with_token(outsider, other_workspace)
    pair = pair_of(workspace, planted["ann"], planted["anne"])

    assert pair.pk not in listed_ids(api.get("/dedupe/pairs"))
    assert api.post(f"/dedupe/pairs/{pair.pk}/not-duplicate").status_code == 404
    assert pair_of(workspace, planted["ann"], planted["anne"]).status == PairStatus.OPEN


def test_a_run_finds_the_duplicates_created_since(
    workspace, member, planted, django_capture_on_commit_callbacks
):
    twin = make_contact(workspace, first_name="Dana", last_name="Okafor", phones=["+442079460000"])
    api = ApiClient.with_token(member, workspace)

    # Tests run tasks at once (ImmediateBackend): the queued run is done by the time it answers.
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/dedupe/runs")

    assert response.status_code == 202
    pair = pair_of(workspace, planted["dana"], twin)
    assert pair.status == PairStatus.OPEN


def test_creating_with_check_duplicates_answers_409_with_the_candidates(workspace, member, planted):
    api = ApiClient.with_token(member, workspace)
    body = {"first_name": "Annie", "last_name": "Lee", "emails": ["ANN@acme.io"]}

    refused = api.post("/contacts?check_duplicates=true", body)
    saved_anyway = api.post("/contacts", body)

    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:rapport:problem:likely-duplicates"
    assert [c["id"] for c in refused.json()["candidates"]] == [
        planted["ann"].pk,
        planted["anne"].pk,
    ]
    assert saved_anyway.status_code == 201


def test_the_openapi_document_lists_the_409_and_its_candidates():
    schema = Client().get("/api/v1/openapi.json").json()

    for path in ("/api/v1/contacts", "/api/v1/companies"):
        answer = schema["paths"][path]["post"]["responses"]["409"]["content"]
        problem, candidates = answer["application/problem+json"]["schema"]["allOf"]
        assert problem["$ref"].endswith("/Problem")
        assert candidates["properties"]["candidates"]["items"]["required"] == ["id", "name"]


def test_a_company_with_a_known_domain_is_flagged_but_a_new_one_is_created(
    workspace, member, planted
):
    api = ApiClient.with_token(member, workspace)

    flagged = api.post(
        "/companies?check_duplicates=true", {"name": "Wayne", "domain": "https://www.wayne.io/"}
    )
    created = api.post(
        "/companies?check_duplicates=true", {"name": "Brand New", "domain": "new.io"}
    )

    assert flagged.status_code == 409
    assert flagged.json()["candidates"][0]["id"] == planted["wayne"].pk
    assert created.status_code == 201


def test_the_duplicate_check_never_names_another_workspaces_records(
    other_workspace, outsider, planted
):
    api = ApiClient.with_token(outsider, other_workspace)

    response = api.post("/contacts?check_duplicates=true", {"emails": ["ann@acme.io"]})

    assert response.status_code == 201


def test_a_second_email_or_phone_is_a_duplicate_too_and_the_record_itself_is_not(workspace, member):
    ann = make_contact(
        workspace,
        first_name="Ann",
        last_name="Lee",
        emails=["ann@acme.io", "ann.lee@home.example"],
        phones=["+14155550100", "+14155550111"],
    )
    api = ApiClient.with_token(member, workspace)

    by_email = api.post("/contacts?check_duplicates=true", {"emails": ["ann.lee@home.example"]})
    by_phone = api.post("/contacts?check_duplicates=true", {"phones": ["+14155550111"]})
    with workspace_scope(workspace):
        itself = contact_candidates(
            first_name="Ann", last_name="Lee", email="ann@acme.io", phone="", exclude_id=ann.pk
        )

    assert by_email.status_code == by_phone.status_code == 409
    assert [c["id"] for c in by_email.json()["candidates"]] == [ann.pk]
    assert [c["id"] for c in by_phone.json()["candidates"]] == [ann.pk]
    assert itself == []
