"""`POST /service/tickets/bulk`: the ticket list's bulk actions over the API, each ticket
changed (and audited) through the one-ticket services, answered ticket by ticket; bad input
named by field; the roles of the web's bulk bar."""

import pytest
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.service.bulk import BULK_LIMIT
from rapport.service.models import Ticket
from rapport.service.tests.factories import make_calendar, make_policy, make_ticket

pytestmark = pytest.mark.django_db
URL = "/service/tickets/bulk"


@pytest.fixture
def tickets(workspace, owner):
    make_policy(workspace, owner, make_calendar(workspace, owner))
    ann = make_contact(workspace, first_name="Ann", emails=["ann@acme.io"])
    return [
        make_ticket(workspace, owner, ann, subject="Login broken"),
        make_ticket(workspace, owner, ann, subject="Parcel late", ticket_type="complaint"),
        make_ticket(workspace, owner, ann, subject="Invoice copy"),
    ]


def api_of(user, workspace) -> ApiClient:
    return ApiClient.with_token(user, workspace)


def row(pk: int) -> Ticket:
    return Ticket.unscoped.get(pk=pk)


def ticket_updates() -> list[AuditEntry]:
    return list(AuditEntry.unscoped.filter(entity="service.ticket", action="update"))


def test_every_ticket_is_assigned_audited_and_reported_in_the_order_sent(
    workspace, owner, member, tickets
):
    ids = [t.pk for t in reversed(tickets)]
    response = api_of(owner, workspace).post(
        URL, {"action": "assignee", "value": member.pk, "ticket_ids": ids}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["changed"], body["unchanged"], body["refused"], body["not_found"]) == (3, 0, 0, 0)
    assert [(r["id"], r["number"], r["result"]) for r in body["results"]] == [
        (t.pk, t.number, "changed") for t in reversed(tickets)
    ]
    assert {row(pk).assignee_id for pk in ids} == {member.pk}
    entries = ticket_updates()
    assert sorted(e.object_id for e in entries) == sorted(ids)
    assert {(e.actor_id, e.source) for e in entries} == {(owner.pk, "api")}
    assert all("assignee" in e.changes for e in entries)


def test_a_refused_ticket_says_why_while_the_others_change(workspace, owner, tickets):
    login, complaint, invoice = tickets
    api = api_of(owner, workspace)
    api.post(URL, {"action": "status", "value": "pending", "ticket_ids": [invoice.pk]})
    response = api.post(
        URL, {"action": "status", "value": "pending", "ticket_ids": [t.pk for t in tickets]}
    )
    body = response.json()
    assert [r["result"] for r in body["results"]] == ["changed", "changed", "unchanged"]
    solved = api.post(
        URL, {"action": "status", "value": "solved", "ticket_ids": [login.pk, complaint.pk]}
    ).json()
    assert [r["result"] for r in solved["results"]] == ["changed", "refused"]
    assert "a complaint needs a root cause" in solved["results"][1]["reason"]
    assert solved["results"][0]["reason"] == ""
    assert row(login.pk).status == "solved" and row(complaint.pk).status == "pending"


def test_an_unknown_id_is_not_found_and_the_others_still_change(workspace, owner, tickets):
    response = api_of(owner, workspace).post(
        URL, {"action": "priority", "value": "urgent", "ticket_ids": [tickets[0].pk, 999_999]}
    )
    body = response.json()
    assert body["results"][1] == {
        "id": 999_999,
        "number": None,
        "result": "not_found",
        "reason": "",
    }
    assert (body["changed"], body["not_found"]) == (1, 1)
    assert row(tickets[0].pk).priority == "urgent"


def test_null_takes_the_tickets_off_their_assignee(workspace, owner, member, tickets):
    api = api_of(owner, workspace)
    ids = [t.pk for t in tickets]
    api.post(URL, {"action": "assignee", "value": member.pk, "ticket_ids": ids})
    response = api.post(URL, {"action": "assignee", "value": None, "ticket_ids": ids})
    assert response.json()["changed"] == 3
    assert {row(pk).assignee_id for pk in ids} == {None}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "delete", "value": "x", "ticket_ids": [1]}, "action"),
        ({"value": "low", "ticket_ids": [1]}, "action"),
        ({"action": "priority", "ticket_ids": [1]}, "value"),
        ({"action": "priority", "value": "whenever", "ticket_ids": ["{t}"]}, "value"),
        ({"action": "status", "value": "done", "ticket_ids": ["{t}"]}, "value"),
        ({"action": "assignee", "value": "sam", "ticket_ids": ["{t}"]}, "value"),
        ({"action": "assignee", "value": True, "ticket_ids": ["{t}"]}, "value"),
        ({"action": "priority", "value": "low"}, "ticket_ids"),
        ({"action": "priority", "value": "low", "ticket_ids": []}, "ticket_ids"),
        ({"action": "priority", "value": "low", "ticket_ids": "1,2"}, "ticket_ids"),
        ({"action": "priority", "value": "low", "ticket_ids": ["1"]}, "ticket_ids.0"),
        (
            {"action": "priority", "value": "low", "ticket_ids": list(range(1, BULK_LIMIT + 2))},
            "ticket_ids",
        ),
        ({"action": "priority", "value": "low", "ticket_ids": [1], "tags": ["x"]}, "tags"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(workspace, owner, tickets, body, field):
    if isinstance(body.get("ticket_ids"), list):  # "{t}": a ticket of the workspace
        body["ticket_ids"] = [tickets[0].pk if i == "{t}" else i for i in body["ticket_ids"]]
    response = api_of(owner, workspace).post(URL, body)
    assert response.status_code == 422, response.content
    assert field in problem_fields(response)
    assert not ticket_updates()
    assert row(tickets[0].pk).priority == "normal"


def test_a_viewer_is_refused_and_nothing_changes(workspace, viewer, tickets):
    response = api_of(viewer, workspace).post(
        URL, {"action": "priority", "value": "low", "ticket_ids": [t.pk for t in tickets]}
    )
    assert response.status_code == 403
    problem_fields(response)
    assert {row(t.pk).priority for t in tickets} == {"normal"}
    assert not ticket_updates()


@pytest.mark.parametrize("role", ["member", "admin_user"])
def test_members_and_admins_change_tickets(request, workspace, tickets, role):
    user = request.getfixturevalue(role)
    response = api_of(user, workspace).post(
        URL, {"action": "priority", "value": "low", "ticket_ids": [tickets[0].pk]}
    )
    assert response.status_code == 200, response.content
    assert row(tickets[0].pk).priority == "low"


def test_the_openapi_schema_describes_it(db):
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/service/tickets/bulk"]["post"]
    assert operation["tags"] == ["tickets"]
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = schema["components"]["schemas"][request_ref.rsplit("/", 1)[1]]
    assert set(request_schema["required"]) == {"action", "value", "ticket_ids"}
    assert request_schema["properties"]["ticket_ids"]["maxItems"] == BULK_LIMIT
    assert request_schema["properties"]["action"]["enum"] == [
        "assignee",
        "team",
        "status",
        "priority",
    ]
    response_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    response_schema = schema["components"]["schemas"][response_ref.rsplit("/", 1)[1]]
    assert {"changed", "unchanged", "refused", "not_found", "results"} <= set(
        response_schema["properties"]
    )
