"""Customer service over the API, two workspaces and four roles: nobody sees, finds or changes
another workspace's tickets or desk configuration, and a viewer changes nothing.

The tables below name every `/service/` operation; tests check them against the OpenAPI
schema, so a new service endpoint without an isolation case and, for a write, a viewer case
fails here.
"""

from typing import Any

import pytest

from rapport.api.testing import (
    ApiClient,
    World,
    assert_isolated,
    call,
    listed_ids,
    problem_fields,
    schema_operations,
)
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.service.models import (
    BusinessCalendar,
    Mailbox,
    SlaPolicy,
    Team,
    TeamMember,
    Ticket,
    TicketMessage,
)
from rapport.service.services import mailbox_create, team_create, ticket_reply
from rapport.service.tests.factories import (
    ROUND_THE_CLOCK,
    make_calendar,
    make_policy,
    make_ticket,
)
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/service/"


def world(workspace: Workspace, user: Any, *, name: str) -> World:
    company = make_company(workspace, user, name=f"{name} Inc")
    contact = make_contact(workspace, user, first_name=name, emails=[f"{name.lower()}@example.com"])
    calendar = make_calendar(workspace, user, name=f"{name} hours", weekly_hours=ROUND_THE_CLOCK)
    policy = make_policy(workspace, user, calendar, name=f"{name} standard")
    with workspace_scope(workspace):
        team = team_create(
            workspace=workspace,
            actor=user,
            name=f"{name} support",
            assignment="round_robin",
            member_ids=[user.pk],
        )
        mailbox = mailbox_create(
            workspace=workspace,
            actor=user,
            data={"address": f"help@{name.lower()}.example", "default_team_id": team.pk},
        )
    ticket = make_ticket(
        workspace,
        user,
        contact,
        subject=f"{name} printer on fire",
        priority="urgent",  # first response due in 30 minutes: on the at-risk list
        team_id=team.pk,
        tags=[name.lower()],
    )
    with workspace_scope(workspace):
        ticket_reply(workspace=workspace, actor=user, ticket=ticket, body="Noted", kind="internal")
    ids = {
        "contact_id": contact.pk,
        "company_id": company.pk,
        "calendar_id": calendar.pk,
        "policy_id": policy.pk,
        "team_id": team.pk,
        "user_id": user.pk,
        "mailbox_id": mailbox.pk,
        "ticket_id": ticket.pk,
    }
    return World(workspace, ApiClient.with_token(user, workspace), ids, name)


def _state(workspace: Workspace) -> tuple[Any, ...]:
    """Everything a service write could change, to compare before and after."""
    with workspace_scope(workspace):
        return (
            list(
                Ticket.objects.values_list("id", "subject", "status", "assignee_id", "updated_at")
            ),
            list(TicketMessage.objects.values_list("id", "body")),
            list(BusinessCalendar.objects.values_list("id", "name")),
            list(SlaPolicy.objects.values_list("id", "tier", "targets")),
            list(Team.objects.values_list("id", "name")),
            list(TeamMember.objects.values_list("id", "away", "updated_at")),
            list(Mailbox.objects.values_list("id", "address", "default_team_id")),
            AuditEntry.objects.count(),
        )


# Operations on one record: called with the other workspace's ids, each must answer 404.
RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/service/tickets/{ticket_id}", None),
    ("patch", "/service/tickets/{ticket_id}", {"subject": "Hijacked"}),
    ("delete", "/service/tickets/{ticket_id}", None),
    ("post", "/service/tickets/{ticket_id}/status", {"status": "solved"}),
    ("get", "/service/tickets/{ticket_id}/messages", None),
    ("get", "/service/tickets/{ticket_id}/sla-history", None),
    ("post", "/service/tickets/{ticket_id}/messages", {"body": "Hijacked"}),
    ("get", "/service/calendars/{calendar_id}", None),
    ("get", "/service/sla-policies/{policy_id}", None),
    ("get", "/service/teams/{team_id}", None),
    ("patch", "/service/teams/{team_id}/members/{user_id}", {"away": True}),
]
# Operations on collections, each covered by a test below.
COLLECTION_CALLS = {
    ("get", "/service/tickets"),
    ("post", "/service/tickets"),
    ("post", "/service/tickets/bulk"),
    ("get", "/service/tickets/at-risk"),
    ("get", "/service/calendars"),
    ("post", "/service/calendars"),
    ("get", "/service/sla-policies"),
    ("post", "/service/sla-policies"),
    ("get", "/service/teams"),
    ("post", "/service/teams"),
    ("get", "/service/mailboxes"),
    ("post", "/service/mailboxes"),
}


def test_every_service_operation_has_an_isolation_case(db):
    covered = {(method, path) for method, path, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert schema_operations(PREFIX) == covered


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_service_record_is_not_found(sides, method, path, body):
    assert_isolated(sides, method, path, body, state=_state)


def test_a_member_of_another_workspaces_team_is_not_found_through_our_team(sides):
    looker, other = sides
    before = _state(other.workspace)

    response = looker.api.patch(
        f"/service/teams/{looker.ids['team_id']}/members/{other.ids['user_id']}", {"away": True}
    )

    assert response.status_code == 404
    assert _state(other.workspace) == before


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/service/tickets", "ticket_id"),
        ("/service/tickets/at-risk", "ticket_id"),
        ("/service/calendars", "calendar_id"),
        ("/service/sla-policies", "policy_id"),
        ("/service/teams", "team_id"),
        ("/service/mailboxes", "mailbox_id"),
    ],
)
def test_lists_show_only_the_callers_own_records(sides, path, key):
    looker, _ = sides

    assert listed_ids(looker.api.get(path)) == {looker.ids[key]}


def test_filters_by_another_workspaces_ids_find_nothing(sides):
    looker, other = sides

    for params in [
        {"requester_id": other.ids["contact_id"]},
        {"company_id": other.ids["company_id"]},
        {"view": "team", "team_id": other.ids["team_id"]},
        {"q": other.name},
        {"tag": other.name.lower()},
    ]:
        assert listed_ids(looker.api.get("/service/tickets", params)) == set(), params


def test_writes_cannot_link_another_workspaces_records(sides):
    looker, other = sides
    before = _state(other.workspace)

    ticket = looker.api.post(
        "/service/tickets",
        {
            "subject": "Sneaky",
            "body": "b",
            "requester_id": other.ids["contact_id"],
            "team_id": other.ids["team_id"],
            "assignee_id": other.ids["user_id"],
        },
    )
    moved = looker.api.patch(
        f"/service/tickets/{looker.ids['ticket_id']}",
        {"team_id": other.ids["team_id"], "assignee_id": other.ids["user_id"]},
    )
    policy = looker.api.post(
        "/service/sla-policies",
        {"name": "Gold", "tier": "gold", "calendar_id": other.ids["calendar_id"], "targets": {}},
    )
    team = looker.api.post("/service/teams", {"name": "B", "member_ids": [other.ids["user_id"]]})
    mailbox = looker.api.post(
        "/service/mailboxes",
        {"address": "b@looker.example", "default_team_id": other.ids["team_id"]},
    )

    assert set(problem_fields(ticket)) == {"requester_id", "team_id", "assignee_id"}
    assert set(problem_fields(moved)) == {"team_id", "assignee_id"}
    assert set(problem_fields(policy)) == {"calendar_id"}
    assert set(problem_fields(team)) == {"member_ids.0"}
    assert set(problem_fields(mailbox)) == {"default_team_id"}
    assert _state(other.workspace) == before


def test_bulk_changes_find_no_ticket_of_another_workspace(sides):
    """Another workspace's ticket id is "not found", like an id no ticket has, and stays
    as it was; the caller's own tickets in the same call still change."""
    looker, other = sides
    before = _state(other.workspace)
    theirs, ours = other.ids["ticket_id"], looker.ids["ticket_id"]

    response = looker.api.post(
        "/service/tickets/bulk",
        {"action": "assignee", "value": None, "ticket_ids": [theirs, ours]},
    )

    assert response.status_code == 200, response.content
    assert response.json()["results"] == [
        {"id": theirs, "number": None, "result": "not_found", "reason": ""},
        {"id": ours, "number": 1, "result": "changed", "reason": ""},
    ]
    assert other.name not in response.content.decode()
    assert _state(other.workspace) == before


def test_a_bulk_change_cannot_hand_tickets_to_another_workspaces_team_or_agent(sides):
    looker, other = sides
    before = _state(other.workspace)

    results = [
        looker.api.post(
            "/service/tickets/bulk",
            {"action": action, "value": other.ids[key], "ticket_ids": [looker.ids["ticket_id"]]},
        ).json()["results"][0]
        for action, key in (("team", "team_id"), ("assignee", "user_id"))
    ]

    assert [(r["result"], r["reason"]) for r in results] == [
        ("refused", "no such team"),
        ("refused", "is not a member of this workspace"),
    ]
    assert _state(other.workspace) == before


def test_a_mailbox_address_of_another_workspace_is_refused_without_saying_whose(sides):
    looker, other = sides
    before = _state(other.workspace)

    response = looker.api.post(
        "/service/mailboxes", {"address": f"HELP@{other.name.lower()}.example"}
    )

    assert problem_fields(response) == {
        "address": f"'help@{other.name.lower()}.example' is already in use"
    }
    assert other.workspace.name not in response.content.decode()
    assert _state(other.workspace) == before


def test_a_tier_with_a_policy_in_another_workspace_is_free_here(sides):
    looker, other = sides

    theirs = other.api.post(
        "/service/sla-policies",
        {"name": "Gold", "tier": "gold", "calendar_id": other.ids["calendar_id"], "targets": {}},
    )
    ours = looker.api.post(
        "/service/sla-policies",
        {"name": "Gold", "tier": "gold", "calendar_id": looker.ids["calendar_id"], "targets": {}},
    )
    again = looker.api.post(
        "/service/sla-policies",
        {"name": "Gold", "tier": "gold", "calendar_id": looker.ids["calendar_id"], "targets": {}},
    )

    assert theirs.status_code == ours.status_code == 201, ours.content
    assert set(problem_fields(again)) == {"tier"}


def test_ticket_numbers_count_per_workspace(sides):
    looker, _ = sides

    created = looker.api.post(
        "/service/tickets",
        {"subject": "Second", "body": "b", "requester_id": looker.ids["contact_id"]},
    )

    assert created.status_code == 201, created.content
    assert created.json()["number"] == 2


# --- roles ---------------------------------------------------------------------------------

WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/service/tickets", {"subject": "Eve", "body": "b", "requester_id": "{contact_id}"}),
    ("patch", "/service/tickets/{ticket_id}", {"subject": "Eve"}),
    ("post", "/service/tickets/bulk", {"action": "priority", "value": "low", "ticket_ids": [1]}),
    ("delete", "/service/tickets/{ticket_id}", None),
    ("post", "/service/tickets/{ticket_id}/status", {"status": "solved"}),
    ("post", "/service/tickets/{ticket_id}/messages", {"body": "Eve was here"}),
    ("post", "/service/calendars", {"name": "Eve", "weekly_hours": ROUND_THE_CLOCK}),
    (
        "post",
        "/service/sla-policies",
        {"name": "Eve", "tier": "eve", "calendar_id": "{calendar_id}", "targets": {}},
    ),
    ("post", "/service/teams", {"name": "Eve"}),
    ("patch", "/service/teams/{team_id}/members/{user_id}", {"away": True}),
    ("post", "/service/mailboxes", {"address": "eve@example.com"}),
]


def test_every_service_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p in schema_operations(PREFIX) if m != "get"}

    assert writes == {(m, p) for m, p, _ in WRITES}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_write_service_records(ours, viewer, method, path, body):
    before = _state(ours.workspace)
    api = ApiClient.with_token(viewer, ours.workspace)

    response = call(api, method, path, body, ours.ids)

    assert response.status_code == 403, response.content
    problem_fields(response)
    assert _state(ours.workspace) == before


@pytest.mark.parametrize(
    "path",
    [
        "/service/tickets",
        "/service/tickets/at-risk",
        "/service/calendars",
        "/service/sla-policies",
        "/service/teams",
        "/service/mailboxes",
        "/service/tickets/{ticket_id}/messages",
        "/service/tickets/{ticket_id}/sla-history",
    ],
)
def test_a_viewer_reads(ours, viewer, path):
    api = ApiClient.with_token(viewer, ours.workspace)
    assert api.get(path.format(**ours.ids)).status_code == 200


def test_a_member_works_tickets_but_neither_deletes_them_nor_sets_up_the_desk(ours, member):
    api = ApiClient.with_token(member, ours.workspace)
    ticket = f"/service/tickets/{ours.ids['ticket_id']}"

    replied = api.post(f"{ticket}/messages", {"body": "On it"})
    solved = api.post(f"{ticket}/status", {"status": "solved"})
    before = _state(ours.workspace)
    deleted = api.delete(ticket)
    team = api.post("/service/teams", {"name": "Mine"})
    away = api.patch(
        f"/service/teams/{ours.ids['team_id']}/members/{ours.ids['user_id']}", {"away": True}
    )

    assert replied.status_code == 201
    assert solved.status_code == 200
    assert deleted.status_code == team.status_code == away.status_code == 403
    assert _state(ours.workspace) == before


def test_an_admin_deletes_tickets_and_sets_up_the_desk(ours, admin_user):
    api = ApiClient.with_token(admin_user, ours.workspace)

    calendar = api.post("/service/calendars", {"name": "Admin", "weekly_hours": ROUND_THE_CLOCK})
    deleted = api.delete(f"/service/tickets/{ours.ids['ticket_id']}")

    assert calendar.status_code == 201
    assert deleted.status_code == 204
    with workspace_scope(ours.workspace):
        assert not Ticket.objects.filter(pk=ours.ids["ticket_id"]).exists()


def test_a_customers_portal_session_reaches_nothing_of_the_desk_api(
    ours, django_capture_on_commit_callbacks
):
    """Signing in to the portal is not signing in as an agent: even the requester's own
    ticket, and every desk operation, answers 401 to the portal's session."""
    from rapport.portal.tests.test_portal import portal, signed_in_as

    zelda = signed_in_as(ours.workspace, "zelda@example.com", django_capture_on_commit_callbacks)
    assert zelda.get(portal(ours.workspace, "tickets/")).status_code == 200  # signed in
    before = _state(ours.workspace)
    api = ApiClient(zelda)
    calls = RECORD_CALLS + [(m, p, {}) for m, p in sorted(COLLECTION_CALLS)]
    for method, path, body in calls:
        response = call(api, method, path, body, ours.ids)
        assert response.status_code == 401, (method, path, response.status_code)
    assert _state(ours.workspace) == before
