"""Feedback over `/api/v1/feedback/`, as the owner of one workspace."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.api.testing import ApiClient, problem_fields
from rapport.contacts.tests.factories import make_contact
from rapport.feedback.models import SurveyInvite
from rapport.feedback.services import nps_send, survey_answer
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def api(workspace, owner) -> ApiClient:
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def bob(scoped, owner):
    return make_contact(scoped, owner, first_name="Bob", emails=["bob@customer.example"])


def test_sending_nps_invites_and_mails_the_mailable_contacts(
    api, workspace, owner, ann, bob, mailoutbox, django_capture_on_commit_callbacks
):
    silent = make_contact(workspace, owner, first_name="Sil")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/feedback/nps", {"contact_ids": [ann.pk, bob.pk, silent.pk]})

    assert response.status_code == 201, response.content
    sent = response.json()
    assert [s["contact_id"] for s in sent] == [ann.pk, bob.pk]
    assert {s["kind"] for s in sent} == {"nps"}
    assert all(s["score"] is None for s in sent)
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@customer.example", "bob@customer.example"]


def test_nps_problems_name_contact_ids(api, workspace, mailoutbox):
    empty = api.post("/feedback/nps", {"contact_ids": []})
    unknown = api.post("/feedback/nps", {"contact_ids": [999_999]})
    wrong_type = api.post("/feedback/nps", {"contact_ids": ["x"], "subject": "Hi"})

    assert empty.status_code == unknown.status_code == wrong_type.status_code == 422
    assert set(problem_fields(empty)) == {"contact_ids"}
    assert problem_fields(unknown) == {"contact_ids": "no such contact: 999999"}
    assert set(problem_fields(wrong_type)) == {"contact_ids.0", "subject"}
    with workspace_scope(workspace):
        assert not SurveyInvite.objects.exists()
    assert mailoutbox == []


def test_surveys_are_listed_newest_first_filtered_and_paged_without_their_token(
    api, scoped, owner, ann, bob, solve
):
    solve(ann)
    csat = SurveyInvite.objects.get(kind="csat")
    survey_answer(invite=csat, score=4)
    (nps,) = nps_send(workspace=scoped, actor=owner, contact_ids=[bob.pk])

    def ids(params):
        response = api.get("/feedback/surveys", params)
        assert response.status_code == 200, response.content
        return [s["id"] for s in response.json()["items"]]

    assert ids({}) == [nps.pk, csat.pk]
    assert ids({"kind": "csat"}) == [csat.pk]
    assert ids({"answered": True}) == [csat.pk]
    assert ids({"answered": False}) == [nps.pk]
    assert ids({"contact_id": bob.pk}) == [nps.pk]
    first = api.get("/feedback/surveys", {"limit": 1}).json()
    second = api.get("/feedback/surveys", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [s["id"] for s in first["items"] + second["items"]] == [nps.pk, csat.pk]
    assert second["next_cursor"] is None
    for response in (api.get("/feedback/surveys"), api.get(f"/feedback/surveys/{csat.pk}")):
        assert csat.token not in response.content.decode()
        assert nps.token not in response.content.decode()
    got = api.get(f"/feedback/surveys/{csat.pk}").json()
    assert (got["score"], got["ticket_id"], got["contact_id"]) == (4, csat.ticket_id, ann.pk)
    assert "token" not in got


def test_bad_list_parameters_are_a_400_naming_them(api):
    response = api.get("/feedback/surveys", {"kind": "survey", "answered": "maybe"})
    cursor = api.get("/feedback/surveys", {"cursor": "nonsense"})

    assert response.status_code == cursor.status_code == 400
    assert set(problem_fields(response)) == {"kind", "answered"}
    assert set(problem_fields(cursor)) == {"cursor"}


def test_csat_summary_per_team_and_within_dates(api, scoped, owner, ann, bob, support, solve):
    solve(ann, team_id=support.pk)
    solve(bob)
    for invite, score in zip(SurveyInvite.objects.order_by("id"), [5, 2], strict=True):
        survey_answer(invite=invite, score=score)

    overall = api.get("/feedback/csat-summary").json()
    by_team = api.get("/feedback/csat-summary", {"by": "team"}).json()
    tomorrow = (timezone.now() + dt.timedelta(days=1)).isoformat()
    later = api.get("/feedback/csat-summary", {"since": tomorrow}).json()

    assert [(r["count"], r["average"], r["satisfied_pct"]) for r in overall] == [(2, 3.5, 50.0)]
    assert [(r["key"], r["label"], r["average"]) for r in by_team] == [
        (support.pk, "Support", 5.0),
        (None, "No team", 2.0),
    ]
    assert later == []


def test_nps_summary_per_month(api, scoped, owner, ann, bob):
    for contact, score in [(ann, 10), (bob, 3)]:
        (invite,) = nps_send(workspace=scoped, actor=owner, contact_ids=[contact.pk])
        survey_answer(invite=invite, score=score)

    rows = api.get("/feedback/nps-summary", {"period": "month"}).json()

    first_of_month = timezone.now().date().replace(day=1).isoformat()
    assert rows == [
        {
            "period": first_of_month,
            "count": 2,
            "promoters": 1,
            "passives": 0,
            "detractors": 1,
            "nps": 0.0,
        }
    ]


def test_summary_parameters_are_checked_by_name(api):
    by = api.get("/feedback/csat-summary", {"by": "planet"})
    period = api.get("/feedback/nps-summary", {"period": "day"})
    backwards = api.get(
        "/feedback/nps-summary", {"since": "2025-02-01T00:00:00Z", "until": "2025-01-01"}
    )

    assert by.status_code == period.status_code == backwards.status_code == 400
    assert set(problem_fields(by)) == {"by"}
    assert set(problem_fields(period)) == {"period"}
    assert problem_fields(backwards) == {"until": "must be after since"}
