"""The duplicates API: the queue, "not a duplicate", a run; outsiders get 404, viewers 403."""

import pytest

from rapport.api.testing import ApiClient, listed_ids
from rapport.contacts.tests.factories import make_contact
from rapport.dedupe.models import PairStatus
from rapport.dedupe.tests.factories import pair_of, plant

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
