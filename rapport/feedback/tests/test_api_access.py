"""Feedback over the API, two workspaces and the viewer role: nobody sees another workspace's
surveys or counts them in a summary, nobody surveys another workspace's contacts, and a viewer
sends nothing.

The tables below name every `/feedback/` operation; tests check them against the OpenAPI
schema, so a new feedback endpoint without an isolation case and, for a write, a viewer case
fails here.
"""

from typing import Any

import pytest

from rapport.api.testing import (
    ApiClient,
    World,
    assert_not_found,
    listed_ids,
    problem_fields,
    schema_operations,
)
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.feedback.models import SurveyInvite
from rapport.feedback.services import csat_invite_for_ticket, nps_send, survey_answer
from rapport.service.services import ticket_set_status
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/feedback/"


def _world(workspace: Workspace, user: Any, *, name: str, nps: int, csat: int) -> World:
    contact = make_contact(workspace, user, first_name=name, emails=[f"{name.lower()}@x.example"])
    ticket = make_ticket(workspace, user, contact, subject=f"{name} printer")
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=user, ticket=ticket, status="solved")
        ticket.refresh_from_db()
        csat_invite = csat_invite_for_ticket(workspace=workspace, ticket=ticket)
        assert csat_invite is not None
        (nps_invite,) = nps_send(workspace=workspace, actor=user, contact_ids=[contact.pk])
        survey_answer(invite=nps_invite, score=nps)
        survey_answer(invite=csat_invite, score=csat)
    ids = {"contact_id": contact.pk, "nps_id": nps_invite.pk, "csat_id": csat_invite.pk}
    return World(workspace, ApiClient.with_token(user, workspace), ids, name)


@pytest.fixture
def ours(workspace, owner) -> World:
    return _world(workspace, owner, name="Zelda", nps=10, csat=5)


@pytest.fixture
def theirs(other_workspace, outsider) -> World:
    return _world(other_workspace, outsider, name="Yorick", nps=0, csat=1)


def _state(workspace: Workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        return (
            list(SurveyInvite.objects.values_list("id", "kind", "contact_id", "score")),
            AuditEntry.objects.count(),
        )


RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/feedback/surveys/{nps_id}", None),
]
COLLECTION_CALLS = {
    ("get", "/feedback/surveys"),
    ("post", "/feedback/nps"),
    ("get", "/feedback/csat-summary"),
    ("get", "/feedback/nps-summary"),
}


def _operations() -> set[tuple[str, str]]:
    """The schema's operations, with the survey id named after the fixture that fills it."""
    return {(m, p.replace("{survey_id}", "{nps_id}")) for m, p in schema_operations(PREFIX)}


def test_every_feedback_operation_has_an_isolation_case(db):
    covered = {(method, path) for method, path, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert _operations() == covered


@pytest.mark.parametrize("key", ["nps_id", "csat_id"])
def test_another_workspaces_survey_is_not_found(sides, key):
    looker, other = sides

    response = looker.api.get(f"/feedback/surveys/{other.ids[key]}")

    assert_not_found(response, hidden=other.name)


def test_the_survey_list_shows_only_the_callers_own(sides):
    looker, other = sides

    assert listed_ids(looker.api.get("/feedback/surveys")) == {
        looker.ids["nps_id"],
        looker.ids["csat_id"],
    }
    assert (
        listed_ids(looker.api.get("/feedback/surveys", {"contact_id": other.ids["contact_id"]}))
        == set()
    )


def test_summaries_count_only_the_callers_own_answers(sides):
    looker, _ = sides
    # Zelda answered NPS 10 and CSAT 5; Yorick NPS 0 and CSAT 1.
    nps, average = {"Zelda": (100.0, 5.0), "Yorick": (-100.0, 1.0)}[looker.name]

    nps_rows = looker.api.get("/feedback/nps-summary").json()
    csat_rows = looker.api.get("/feedback/csat-summary").json()
    by_agent = looker.api.get("/feedback/csat-summary", {"by": "agent"}).json()

    assert [(r["count"], r["nps"]) for r in nps_rows] == [(1, nps)]
    assert [(r["count"], r["average"]) for r in csat_rows] == [(1, average)]
    assert [r["count"] for r in by_agent] == [1]


def test_nps_cannot_be_sent_to_another_workspaces_contacts(sides):
    looker, other = sides
    before_theirs, before_ours = _state(other.workspace), _state(looker.workspace)

    response = looker.api.post("/feedback/nps", {"contact_ids": [other.ids["contact_id"]]})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"contact_ids"}
    assert str(other.ids["contact_id"]) in problem_fields(response)["contact_ids"]
    assert other.name not in response.content.decode()
    assert _state(other.workspace) == before_theirs
    assert _state(looker.workspace) == before_ours


# --- roles ---------------------------------------------------------------------------------

WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/feedback/nps", {"contact_ids": "{contact_id}"}),
]


def test_every_feedback_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p in _operations() if m != "get"}

    assert writes == {(m, p) for m, p, _ in WRITES}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_send_surveys(ours, viewer, mailoutbox, method, path, body):
    before = _state(ours.workspace)
    api = ApiClient.with_token(viewer, ours.workspace)
    assert body is not None
    filled = {k: [ours.ids[v[1:-1]]] for k, v in body.items()}

    response = getattr(api, method)(path, filled)

    assert response.status_code == 403, response.content
    problem_fields(response)
    assert _state(ours.workspace) == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/feedback/surveys", {}),
        ("/feedback/surveys/{nps_id}", {}),
        ("/feedback/csat-summary", {"by": "team"}),
        ("/feedback/nps-summary", {"period": "month"}),
    ],
)
def test_a_viewer_reads(ours, viewer, path, params):
    api = ApiClient.with_token(viewer, ours.workspace)

    assert api.get(path.format(**ours.ids), params).status_code == 200
