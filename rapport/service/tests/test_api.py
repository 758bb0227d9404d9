"""The service API as an agent uses it: tickets with their SLA clocks, replies that mail the
customer, the agent's views, the desk's configuration, and errors naming their fields."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditAction, AuditEntry
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.service.models import Ticket
from rapport.service.tests.factories import (
    OFFICE_HOURS,
    ROUND_THE_CLOCK,
    make_calendar,
    make_policy,
    make_ticket,
)
from rapport.tenancy.access import workspace_scope


def at(when: str):
    return time_machine.travel(dt.datetime.fromisoformat(when), tick=False)


def instant(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def clocks(ticket: dict) -> dict[str, tuple[dt.datetime | None, str]]:
    return {
        name: (instant(clock["due_at"]), clock["state"]) for name, clock in ticket["sla"].items()
    }


@pytest.fixture
def api(workspace, owner) -> ApiClient:
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def policy(workspace, owner):
    return make_policy(workspace, owner, make_calendar(workspace, owner))


@pytest.fixture
def ann(workspace, owner):
    company = make_company(workspace, owner, name="Customer Ltd")
    return make_contact(workspace, owner, emails=["ann@customer.example"], company_ids=[company.pk])


def create(api: ApiClient, ann, **extra) -> dict:
    response = api.post(
        "/service/tickets",
        {"subject": "Cannot log in", "body": "Since this morning", "requester_id": ann.pk, **extra},
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- tickets and their SLA clocks ----------------------------------------------------------


def test_it_opens_a_ticket_with_the_request_as_its_first_message(api, policy, ann, owner):
    ticket = create(api, ann, priority="urgent", tags=["Login"], assignee_id=owner.pk)

    assert ticket["number"] == 1
    assert (ticket["status"], ticket["priority"], ticket["channel"]) == ("new", "urgent", "api")
    assert (ticket["requester_id"], ticket["company_id"]) == (ann.pk, ann.primary_company_id)
    assert (ticket["assignee_id"], ticket["tags"]) == (owner.pk, ["Login"])
    assert ticket["sla_policy_id"] == policy.pk
    [message] = api.get(f"/service/tickets/{ticket['id']}/messages").json()
    assert (message["body"], message["contact_id"], message["author_id"]) == (
        "Since this morning",
        ann.pk,
        None,
    )


def test_the_ticket_shows_both_sla_clocks_as_time_passes(api, policy, ann):
    # Created Friday 16:00 in London (UTC+0 in January), 9-17 on weekdays: the 2h first
    # response is 1h Friday + 1h Monday → Mon 10:00; the 8h resolution → Mon 16:00.
    first_due = dt.datetime(2026, 1, 12, 10, tzinfo=dt.UTC)
    resolution_due = dt.datetime(2026, 1, 12, 16, tzinfo=dt.UTC)
    with at("2026-01-09T16:00:00+00:00"):
        ticket = create(api, ann)
    url = f"/service/tickets/{ticket['id']}"
    assert clocks(ticket) == {
        "first_response": (first_due, "running"),
        "resolution": (resolution_due, "running"),
    }
    # 15 minutes of a 120-minute target left is under a fifth.
    with at("2026-01-12T09:45:00+00:00"):
        assert clocks(api.get(url).json()) == {
            "first_response": (first_due, "at_risk"),
            "resolution": (resolution_due, "running"),
        }
    with at("2026-01-12T10:30:00+00:00"):
        assert api.post(f"{url}/messages", {"body": "Sorry for the wait"}).status_code == 201
        late = api.get(url).json()
    with at("2026-01-12T11:00:00+00:00"):
        pending = api.post(f"{url}/status", {"status": "pending"}).json()
    with at("2026-01-12T17:00:00+00:00"):
        later = api.get(url).json()

    assert instant(late["first_responded_at"]) == dt.datetime(2026, 1, 12, 10, 30, tzinfo=dt.UTC)
    assert clocks(late)["first_response"] == (first_due, "breached")
    assert clocks(pending)["resolution"] == (resolution_due, "paused")
    assert clocks(later)["resolution"] == (resolution_due, "breached")


def test_a_new_priority_moves_the_due_times(api, policy, ann):
    with at("2026-01-05T10:00:00+00:00"):
        ticket = create(api, ann)
        urgent = api.patch(f"/service/tickets/{ticket['id']}", {"priority": "urgent"}).json()

    assert clocks(urgent) == {
        "first_response": (dt.datetime(2026, 1, 5, 10, 30, tzinfo=dt.UTC), "running"),
        "resolution": (dt.datetime(2026, 1, 5, 14, tzinfo=dt.UTC), "running"),
    }


def test_without_a_policy_the_clocks_say_none(api, ann):
    ticket = create(api, ann)

    assert clocks(ticket) == {"first_response": (None, "none"), "resolution": (None, "none")}


def test_an_agents_reply_meets_the_first_response_and_mails_the_requester(
    api, policy, ann, owner, django_capture_on_commit_callbacks
):
    with at("2026-01-05T10:00:00+00:00"):
        ticket = create(api, ann)
    url = f"/service/tickets/{ticket['id']}"
    with at("2026-01-05T10:10:00+00:00"), django_capture_on_commit_callbacks(execute=True):
        note = api.post(f"{url}/messages", {"body": "Checking the logs", "kind": "internal"})
    assert note.status_code == 201
    assert mail.outbox == []
    assert api.get(url).json()["first_responded_at"] is None

    with at("2026-01-05T10:20:00+00:00"), django_capture_on_commit_callbacks(execute=True):
        reply = api.post(f"{url}/messages", {"body": "Please reset your password"})
        answered = api.get(url).json()

    assert reply.status_code == 201, reply.content
    assert (reply.json()["kind"], reply.json()["author_id"]) == ("public", owner.pk)
    [sent] = mail.outbox
    assert sent.to == ["ann@customer.example"]
    assert sent.subject == "[#1] Cannot log in"
    assert sent.body == "Please reset your password"
    assert sent.extra_headers["Message-ID"] == reply.json()["message_id"]
    assert instant(answered["first_responded_at"]) == dt.datetime(2026, 1, 5, 10, 20, tzinfo=dt.UTC)
    assert answered["status"] == "open"
    assert clocks(answered)["first_response"][1] == "met"
    kinds = [m["kind"] for m in api.get(f"{url}/messages").json()]
    assert kinds == ["public", "internal", "public"]


def test_status_changes_and_a_closed_ticket_stays_closed(api, ann):
    ticket = create(api, ann)
    url = f"/service/tickets/{ticket['id']}/status"

    solved = api.post(url, {"status": "solved"}).json()
    closed = api.post(url, {"status": "closed"}).json()
    reopened = api.post(url, {"status": "open"})

    assert (solved["status"], closed["status"]) == ("solved", "closed")
    assert solved["solved_at"] is not None
    assert problem_fields(reopened) == {"status": "a closed ticket cannot be reopened"}


def test_a_deleted_ticket_is_gone_with_an_audit_entry(workspace, owner, api, ann):
    ticket = create(api, ann)

    response = api.delete(f"/service/tickets/{ticket['id']}")

    assert response.status_code == 204
    assert api.get(f"/service/tickets/{ticket['id']}").status_code == 404
    with workspace_scope(workspace):
        entry = AuditEntry.objects.get(entity="service.ticket", action=AuditAction.DELETE)
    assert (entry.object_id, entry.actor_id) == (ticket["id"], owner.pk)
    assert entry.changes["subject"] == ["Cannot log in", None]


# --- the agent's views ---------------------------------------------------------------------


@pytest.fixture
def desk(workspace, owner, member, ann):
    """Four tickets over two assignees, a team and a tag; one solved."""
    with workspace_scope(workspace):
        from rapport.service.services import team_create, ticket_set_status

        team = team_create(
            workspace=workspace, actor=owner, name="L2", assignment="manual", member_ids=[]
        )
    make_ticket(workspace, owner, ann, subject="mine", assignee_id=owner.pk, tags=["vip"])
    make_ticket(
        workspace,
        owner,
        ann,
        subject="theirs",
        assignee_id=member.pk,
        team_id=team.pk,
        tags=["Straße"],
    )
    make_ticket(workspace, owner, ann, subject="nobody's", priority="urgent")
    done = make_ticket(
        workspace,
        owner,
        ann,
        subject="done",
        ticket_type="complaint",
        root_cause="Courier",
        resolution="Apologised",
    )
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=done, status="solved")
    return team


def subjects(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {t["subject"] for t in response.json()["items"]}


def test_the_views_and_filters(api, desk, ann, member):
    def listed(**params) -> set[str]:
        return subjects(api.get("/service/tickets", params))

    assert listed(view="mine") == {"mine"}
    assert listed(view="unassigned") == {"nobody's"}
    assert listed(view="team", team_id=desk.pk) == {"theirs"}
    assert listed() == {"mine", "theirs", "nobody's", "done"}
    assert listed(status="open") == {"mine", "theirs", "nobody's"}
    assert listed(status="solved") == {"done"}
    assert listed(priority="urgent") == {"nobody's"}
    assert listed(ticket_type="complaint") == {"done"}
    assert listed(tag="VIP") == {"mine"}
    assert listed(tag="STRASSE") == {"theirs"}  # by the tag's key (casefolded), as it is stored
    assert listed(q="theirs") == {"theirs"}
    assert listed(requester_id=ann.pk, company_id=ann.primary_company_id) == listed()
    assert listed(requester_id=ann.pk + 1000) == set()


def test_mine_means_the_caller(workspace, member, desk):
    theirs = ApiClient.with_token(member, workspace).get("/service/tickets", {"view": "mine"})

    assert subjects(theirs) == {"theirs"}


def test_pages_follow_the_cursor_without_repeats(api, desk):
    seen: list[str] = []
    params: dict = {"limit": 3, "sort": "created"}
    while True:
        page = api.get("/service/tickets", params).json()
        seen += [t["subject"] for t in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]

    assert seen == ["mine", "theirs", "nobody's", "done"]


def test_the_at_risk_list_has_overdue_and_nearly_due_tickets_soonest_first(
    workspace, owner, api, ann
):
    # Round the clock, normal: 2h to first response, 8h to resolve; urgent: 30 minutes, 4h.
    make_policy(workspace, owner, make_calendar(workspace, owner, weekly_hours=ROUND_THE_CLOCK))
    with at("2026-01-05T08:00:00+00:00"):
        make_ticket(workspace, owner, ann, subject="overdue")  # resolution due 16:00
        solved = make_ticket(workspace, owner, ann, subject="solved late")
    with at("2026-01-05T15:00:00+00:00"):
        make_ticket(workspace, owner, ann, subject="urgent", priority="urgent")  # first 15:30
        make_ticket(workspace, owner, ann, subject="answer soon")  # first response due 17:00
    with at("2026-01-05T16:00:00+00:00"):
        make_ticket(workspace, owner, ann, subject="calm")  # first response due 18:00
        api.post(f"/service/tickets/{solved.pk}/status", {"status": "solved"})
    with at("2026-01-05T16:30:00+00:00"):
        default = api.get("/service/tickets/at-risk").json()
        wide = api.get("/service/tickets/at-risk", {"within_minutes": 120}).json()

    # Soonest resolution first: 16:00, 19:00 (urgent), 23:00, then calm's 00:00.
    assert [t["subject"] for t in default] == ["overdue", "urgent", "answer soon"]
    assert [t["subject"] for t in wide] == ["overdue", "urgent", "answer soon", "calm"]
    assert [t["sla"]["first_response"]["state"] for t in default] == [
        "breached",
        "breached",
        "running",
    ]
    assert [t["sla"]["resolution"]["state"] for t in default] == ["breached", "running", "running"]


def test_lists_take_a_bounded_number_of_queries(
    workspace, owner, api, policy, ann, django_assert_max_num_queries
):
    def page_queries(path: str) -> int:
        # The token, the page of tickets with their requesters and policies, their tags.
        with django_assert_max_num_queries(3) as counted:
            response = api.get(path)
        assert response.status_code == 200
        assert response.json(), path  # rows, so their tags are fetched too
        return len(counted.captured_queries)

    # Monday 10:00 in office hours: urgent tickets are due for a first response at 10:30.
    with at("2026-01-05T10:00:00+00:00"):
        make_ticket(workspace, owner, ann, tags=["a"], priority="urgent", assignee_id=owner.pk)
        api.get("/me")  # a token's first use of the minute also records the use
        few = (page_queries("/service/tickets"), page_queries("/service/tickets/at-risk"))
        for i in range(12):
            make_ticket(
                workspace, owner, ann, subject=f"t{i}", tags=["a", f"t{i}"], priority="urgent"
            )
        many = (page_queries("/service/tickets"), page_queries("/service/tickets/at-risk"))

    assert many == few


# --- problems naming their fields ----------------------------------------------------------


def test_a_ticket_with_bad_fields_names_each_and_writes_nothing(workspace, api, ann):
    missing = api.post("/service/tickets", {"priority": "normal"})
    wrong = api.post(
        "/service/tickets",
        {"subject": "x" * 201, "body": "b", "requester_id": ann.pk, "priority": "asap"},
    )
    unknown = api.post("/service/tickets", {"subject": "s", "body": "b", "colour": "red"})

    assert missing.status_code == 422
    assert set(problem_fields(missing)) == {"subject", "body", "requester_id"}
    assert set(problem_fields(wrong)) == {"priority"}  # the schema answers before the service
    assert set(problem_fields(unknown)) == {"colour"}
    with workspace_scope(workspace):
        assert not Ticket.objects.exists()


def test_a_patch_names_its_bad_fields(api, ann, owner):
    ticket = create(api, ann)
    url = f"/service/tickets/{ticket['id']}"

    body = api.patch(url, {"body": "rewritten"})
    bad = api.patch(url, {"subject": "x" * 201, "team_id": 424242, "assignee_id": 424242})
    status = api.post(f"{url}/status", {"status": "done"})
    empty = api.post(f"{url}/messages", {"body": "   "})
    kind = api.post(f"{url}/messages", {"body": "hi", "kind": "secret"})

    assert set(problem_fields(body)) == {"body"}
    assert set(problem_fields(bad)) == {"subject", "team_id", "assignee_id"}
    assert set(problem_fields(status)) == {"status"}
    assert problem_fields(empty) == {"body": "a message cannot be empty"}
    assert set(problem_fields(kind)) == {"kind"}
    assert api.get(url).json()["subject"] == "Cannot log in"


def test_the_list_filters_by_assignee_channel_and_breach(workspace, owner, member, api, ann):
    make_ticket(workspace, owner, ann, subject="phoned", assignee_id=member.pk, channel="phone")
    late = make_ticket(workspace, owner, ann, subject="late", assignee_id=owner.pk)
    with workspace_scope(workspace):
        Ticket.objects.filter(pk=late.pk).update(sla_breached_at=dt.datetime.now(dt.UTC))

    def subjects(**params):
        response = api.get("/service/tickets", params)
        assert response.status_code == 200
        return {t["subject"] for t in response.json()["items"]}

    assert subjects(assignee_id=member.pk) == {"phoned"}
    assert subjects(channel="phone") == {"phoned"}
    assert subjects(breached="true") == {"late"}
    assert subjects(breached="false") == {"phoned"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"view": "team"}, "team_id"),
        ({"view": "everything"}, "view"),
        ({"sort": "priority"}, "sort"),
        ({"sort": "due"}, "sort"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"channel": "pigeon"}, "channel"),
        ({"breached": "perhaps"}, "breached"),
    ],
)
def test_a_bad_list_query_is_a_400_naming_the_parameter(api, params, field):
    response = api.get("/service/tickets", params)

    assert response.status_code == 400
    assert set(problem_fields(response)) == {field}


def test_desk_configuration_with_bad_fields_names_each(api):
    calendar = api.post(
        "/service/calendars",
        {
            "timezone": "Mars/Olympus",
            "weekly_hours": {"mon": ["17:00-09:00"]},
            "country": "XX",
            "closed_days": ["2026-02-30"],
        },
    )
    policy = api.post(
        "/service/sla-policies",
        {"name": "P", "calendar_id": 424242, "targets": {"normal": {"first_response": 0}}},
    )
    team = api.post("/service/teams", {"name": " ", "assignment": "lottery"})
    mailbox = api.post("/service/mailboxes", {"address": "not an address"})

    assert set(problem_fields(calendar)) == {
        "name",
        "timezone",
        "weekly_hours",
        "country",
        "closed_days.0",
    }
    assert set(problem_fields(policy)) == {
        "calendar_id",
        "targets.normal.first_response",
        "targets.normal.resolution",
    }
    assert set(problem_fields(team)) == {"assignment"}
    assert set(problem_fields(mailbox)) == {"address"}
    assert api.get("/service/calendars").json() == []


# --- the desk's configuration --------------------------------------------------------------


def test_a_calendar_and_its_policy_round_trip(api):
    created = api.post(
        "/service/calendars",
        {
            "name": "Berlin",
            "timezone": "Europe/Berlin",
            "weekly_hours": OFFICE_HOURS,
            "country": "de",
            "subdivision": "BE",
            "closed_days": ["2026-12-24"],
        },
    )
    calendar = created.json()
    policy = api.post(
        "/service/sla-policies",
        {
            "name": "Gold",
            "tier": "gold",
            "calendar_id": calendar["id"],
            "targets": {"high": {"first_response": 60, "resolution": 240}},
        },
    )

    assert created.status_code == policy.status_code == 201
    assert api.get(f"/service/calendars/{calendar['id']}").json() == calendar
    assert (calendar["country"], calendar["weekly_hours"]) == ("DE", OFFICE_HOURS)
    assert api.get(f"/service/sla-policies/{policy.json()['id']}").json() == policy.json()
    assert [p["tier"] for p in api.get("/service/sla-policies").json()] == ["gold"]


def test_away_members_are_skipped_when_a_team_assigns(workspace, api, owner, member, ann):
    team = api.post(
        "/service/teams",
        {"name": "Support", "assignment": "round_robin", "member_ids": [owner.pk, member.pk]},
    ).json()
    away = api.patch(f"/service/teams/{team['id']}/members/{owner.pk}", {"away": True})

    assignees = {create(api, ann, team_id=team["id"])["assignee_id"] for _ in range(3)}

    assert away.json() == {"user_id": owner.pk, "away": True, "last_assigned_at": None}
    assert assignees == {member.pk}
    members = api.get(f"/service/teams/{team['id']}").json()["members"]
    assert {m["user_id"]: m["away"] for m in members} == {owner.pk: True, member.pk: False}


def test_a_non_member_of_the_team_is_not_found(api, owner, member):
    team = api.post("/service/teams", {"name": "Solo", "member_ids": [owner.pk]}).json()

    response = api.patch(f"/service/teams/{team['id']}/members/{member.pk}", {"away": True})

    assert response.status_code == 404


def test_a_mailbox_address_is_normalised_and_unique(api):
    team = api.post("/service/teams", {"name": "Inbox"}).json()

    created = api.post(
        "/service/mailboxes", {"address": " Help@Acme.Example ", "default_team_id": team["id"]}
    )
    again = api.post("/service/mailboxes", {"address": "help@acme.example"})

    assert created.status_code == 201, created.content
    assert (created.json()["address"], created.json()["active"]) == ("help@acme.example", True)
    assert created.json()["default_team_id"] == team["id"]
    assert problem_fields(again) == {"address": "'help@acme.example' is already in use"}
    assert [m["address"] for m in api.get("/service/mailboxes").json()] == ["help@acme.example"]
