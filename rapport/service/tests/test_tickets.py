import datetime as dt
from collections import Counter

import pytest
import time_machine

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.service.models import TicketStatus
from rapport.service.services import (
    calendar_create,
    sla_policy_create,
    team_create,
    team_member_set_away,
    ticket_create,
    ticket_reply,
    ticket_set_status,
)
from rapport.service.sla import sla_clocks
from rapport.tenancy.services import membership_add, user_create


def at(when: str):
    return time_machine.travel(dt.datetime.fromisoformat(when), tick=False)


@pytest.fixture
def policy(scoped, owner):
    calendar = calendar_create(
        workspace=scoped,
        actor=owner,
        data={
            "name": "London office",
            "timezone": "Europe/London",
            "weekly_hours": {d: ["09:00-17:00"] for d in ["mon", "tue", "wed", "thu", "fri"]},
        },
    )
    return sla_policy_create(
        workspace=scoped,
        actor=owner,
        data={
            "name": "Standard",
            "calendar_id": calendar.pk,
            "targets": {
                "normal": {"first_response": 120, "resolution": 480},
                "urgent": {"first_response": 30, "resolution": 240},
            },
        },
    )


@pytest.fixture
def ann(scoped, owner):
    return make_contact(scoped, owner, emails=["ann@customer.example"])


def new_ticket(ws, actor, requester, **extra):
    return ticket_create(
        workspace=ws,
        actor=actor,
        data={
            "subject": "Cannot log in",
            "body": "Since this morning",
            "requester_id": requester.pk,
            **extra,
        },
    )


def test_due_times_follow_the_business_calendar(policy, scoped, owner, ann):
    # Created Friday 16:00 (London, UTC+0 in January): first response 2h = 1h Friday + 1h
    # Monday → Mon 10:00; resolution 8h = 1h Friday + 7h Monday → Mon 16:00.
    with at("2026-01-09T16:00:00+00:00"):
        ticket = new_ticket(scoped, owner, ann)
    assert ticket.number == 1
    assert ticket.first_response_due_at == dt.datetime(2026, 1, 12, 10, tzinfo=dt.UTC)
    assert ticket.resolution_due_at == dt.datetime(2026, 1, 12, 16, tzinfo=dt.UTC)


def test_pending_time_pauses_the_resolution_clock(policy, scoped, owner, ann):
    # Created Mon 10:00 with 8h to resolve: due Tue 10:00. Pending from Mon 12:00 to Tue 12:00
    # is 5h (Mon 12-17) + 3h (Tue 9-12) = 8h of business time, so the due time moves 8h on:
    # Mon 10:00 + 16h = 7h Monday + 8h Tuesday + 1h Wednesday → Wed 10:00.
    with at("2026-01-05T10:00:00+00:00"):
        ticket = new_ticket(scoped, owner, ann)
    assert ticket.resolution_due_at == dt.datetime(2026, 1, 6, 10, tzinfo=dt.UTC)
    with at("2026-01-05T12:00:00+00:00"):
        ticket_reply(workspace=scoped, actor=owner, ticket=ticket, body="Can you try again?")
        ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="pending")
    with at("2026-01-05T18:00:00+00:00"):
        assert sla_clocks(ticket)[1].state == "paused"
    with at("2026-01-06T12:00:00+00:00"):
        ticket_reply(workspace=scoped, actor=None, ticket=ticket, body="Still broken", contact=ann)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.paused_seconds == 8 * 3600
    assert ticket.resolution_due_at == dt.datetime(2026, 1, 7, 10, tzinfo=dt.UTC)


def test_the_first_public_agent_reply_meets_the_first_response_clock(policy, scoped, owner, ann):
    with at("2026-01-05T10:00:00+00:00"):
        ticket = new_ticket(scoped, owner, ann, priority="urgent")
    with at("2026-01-05T10:20:00+00:00"):
        ticket_reply(workspace=scoped, actor=owner, ticket=ticket, body="Looking", kind="internal")
        assert ticket.first_responded_at is None
        assert sla_clocks(ticket)[0].state == "running"  # 10 of 30 minutes left: a third
    with at("2026-01-05T10:25:00+00:00"):
        assert sla_clocks(ticket)[0].state == "at_risk"  # 5 of 30 minutes left: under a fifth
    with at("2026-01-05T10:28:00+00:00"):
        ticket_reply(workspace=scoped, actor=owner, ticket=ticket, body="On it")
    first, resolution = sla_clocks(ticket, now=dt.datetime(2026, 1, 6, 9, tzinfo=dt.UTC))
    assert first.state == "met"
    assert resolution.state == "breached"  # 4h target: due Mon 14:00
    assert ticket.status == TicketStatus.OPEN


def test_a_solved_ticket_reopens_when_the_customer_replies_and_closed_stays_closed(
    policy, scoped, owner, ann
):
    ticket = new_ticket(scoped, owner, ann)
    ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="solved")
    assert ticket.solved_at is not None
    ticket_reply(workspace=scoped, actor=None, ticket=ticket, body="Not fixed", contact=ann)
    assert (ticket.status, ticket.solved_at) == ("open", None)
    ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="closed")
    with pytest.raises(ServiceValidationError):
        ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="open")


def test_tier_policies_apply_to_their_customers(policy, scoped, owner):
    from rapport.contacts.services import custom_field_create

    custom_field_create(
        workspace=scoped,
        actor=owner,
        data={"entity": "contact", "label": "Tier", "field_type": "choice", "choices": ["gold"]},
    )
    gold = sla_policy_create(
        workspace=scoped,
        actor=owner,
        data={
            "name": "Gold",
            "tier": "gold",
            "calendar_id": policy.calendar_id,
            "targets": {"normal": {"first_response": 15, "resolution": 60}},
        },
    )
    vip = make_contact(scoped, owner, custom_fields={"tier": "gold"})
    assert new_ticket(scoped, owner, vip).sla_policy == gold
    assert new_ticket(scoped, owner, make_contact(scoped, owner)).sla_policy == policy


def test_bad_calendars_and_policies_name_the_field(scoped, owner):
    with pytest.raises(ServiceValidationError) as exc:
        calendar_create(
            workspace=scoped,
            actor=owner,
            data={
                "name": "x",
                "timezone": "Mars/Olympus",
                "weekly_hours": {"mon": ["17:00-09:00"]},
                "country": "ZZ",
                "closed_days": ["31/12/2026"],
            },
        )
    assert set(exc.value.as_dict()) == {"timezone", "weekly_hours", "country", "closed_days.0"}
    with pytest.raises(ServiceValidationError) as exc:
        sla_policy_create(
            workspace=scoped,
            actor=owner,
            data={"name": "p", "calendar_id": 999, "targets": {"normal": {"first_response": 0}}},
        )
    assert {"calendar_id", "targets.normal.first_response", "targets.normal.resolution"} <= set(
        exc.value.as_dict()
    )


def test_a_requester_of_another_workspace_is_refused(scoped, owner, other_workspace, outsider):
    theirs = make_contact(other_workspace, outsider)
    with pytest.raises(ServiceValidationError) as exc:
        new_ticket(scoped, owner, theirs)
    assert "requester_id" in exc.value.as_dict()


def test_ticket_writes_are_audited(policy, scoped, owner, ann):
    ticket = new_ticket(scoped, owner, ann)
    ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="on_hold")
    actions = list(
        AuditEntry.objects.filter(entity="service.ticket").values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "update"]


def agents(workspace, n):
    users = [user_create(username=f"agent{i}", password="x" * 12) for i in range(n)]
    for u in users:
        membership_add(workspace=workspace, user=u, role="member")
    return users


def test_round_robin_shares_tickets_evenly_and_skips_agents_away(policy, scoped, owner, ann):
    a, b, c = agents(scoped, 3)
    team = team_create(
        workspace=scoped,
        actor=owner,
        name="Support",
        assignment="round_robin",
        member_ids=[a.pk, b.pk, c.pk],
    )
    counts = Counter(new_ticket(scoped, owner, ann, team_id=team.pk).assignee_id for _ in range(9))
    assert counts == {a.pk: 3, b.pk: 3, c.pk: 3}
    team_member_set_away(workspace=scoped, actor=owner, member=team.members.get(user=b), away=True)
    counts = Counter(new_ticket(scoped, owner, ann, team_id=team.pk).assignee_id for _ in range(6))
    assert counts == {a.pk: 3, c.pk: 3}


def test_least_loaded_gives_the_ticket_to_the_agent_with_fewest_open(policy, scoped, owner, ann):
    a, b = agents(scoped, 2)
    team = team_create(
        workspace=scoped, actor=owner, name="L2", assignment="least_loaded", member_ids=[a.pk, b.pk]
    )
    for _ in range(3):
        new_ticket(scoped, owner, ann, assignee_id=a.pk)
    assert new_ticket(scoped, owner, ann, team_id=team.pk).assignee_id == b.pk
    solved = [new_ticket(scoped, owner, ann, assignee_id=b.pk) for _ in range(3)]
    for t in solved:
        ticket_set_status(workspace=scoped, actor=owner, ticket=t, status="solved")
    assert new_ticket(scoped, owner, ann, team_id=team.pk).assignee_id == b.pk  # 1 open vs 3
