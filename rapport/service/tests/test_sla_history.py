"""A ticket's SLA history: every step of its clocks with the business-time figures of the
moment, written by the status services and the sweep, once per outcome, per workspace."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from rapport.api.testing import ApiClient
from rapport.contacts.tests.factories import make_contact
from rapport.service.models import SlaEvent
from rapport.service.queries import ticket_sla_history
from rapport.service.services import ticket_reply, ticket_set_status, ticket_update
from rapport.service.sla_history import sla_events_save
from rapport.service.sweep import sla_sweep
from rapport.service.tests.factories import make_calendar, make_policy, make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage

H = 3600


def at(when: str):
    return time_machine.travel(dt.datetime.fromisoformat(when), tick=False)


def utc(when: str) -> dt.datetime:
    return dt.datetime.fromisoformat(when).astimezone(dt.UTC)


def history(workspace, ticket) -> list[SlaEvent]:
    with workspace_scope(workspace):
        return list(ticket_sla_history(ticket=ticket))


def steps(workspace, ticket) -> list[tuple[str, str]]:
    return [(e.kind, e.clock) for e in history(workspace, ticket)]


@pytest.fixture
def ann(workspace, owner):
    return make_contact(workspace, owner, emails=["ann@customer.example"])


@pytest.fixture
def new_york(workspace, owner):
    """Mon-Fri 9-17 in New York (UTC-5 in January), closed on US federal holidays."""
    calendar = make_calendar(
        workspace, owner, name="New York office", timezone="America/New_York", country="US"
    )
    return make_policy(workspace, owner, calendar)


@pytest.fixture
def london(workspace, owner):
    return make_policy(workspace, owner, make_calendar(workspace, owner))


def test_pending_shifts_the_due_time_by_the_business_hours_spent_pending(
    workspace, owner, ann, new_york
):
    # Friday 16 Jan 2026 15:00 New York, 8 business hours to resolve: 2h on Friday, Monday
    # 19 Jan is Martin Luther King Day (closed), 6h on Tuesday → due Tue 15:00 NY (20:00 UTC).
    with at("2026-01-16T15:00:00-05:00"):
        ticket = make_ticket(workspace, owner, ann)
    assert ticket.resolution_due_at == utc("2026-01-20T15:00:00-05:00")
    # Answered and put on the customer at Fri 16:00; the customer replies Tue 11:00. Pending
    # business time: Fri 16-17 (1h) + Tue 9-11 (2h) = 3h, so resolution needs 11h from the
    # start: Fri 2h + Tue 8h + Wed 1h → Wed 21 Jan 10:00 NY.
    with workspace_scope(workspace):
        with at("2026-01-16T16:00:00-05:00"):
            ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Try again?")
            ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="pending")
        with at("2026-01-20T11:00:00-05:00"):
            ticket_reply(workspace=workspace, actor=None, ticket=ticket, body="No", contact=ann)
    assert ticket.resolution_due_at == utc("2026-01-21T10:00:00-05:00")

    events = history(workspace, ticket)
    assert [(e.kind, e.clock) for e in events] == [
        ("policy_applied", ""),
        ("started", ""),
        ("met", "first_response"),
        ("paused", "resolution"),
        ("resumed", "resolution"),
    ]
    applied, _started, met, paused, resumed = events
    assert "Standard (New York office), priority normal: 120 / 480" in applied.note
    assert met.occurred_at == utc("2026-01-16T16:00:00-05:00")
    assert met.business_remaining_seconds == 1 * H  # answered an hour before Fri 17:00
    # At the pause: 1h run, 7h left (Fri 16-17, Tue 9-15), nothing paused yet.
    assert paused.occurred_at == utc("2026-01-16T16:00:00-05:00")
    assert (paused.business_elapsed_seconds, paused.business_remaining_seconds) == (1 * H, 7 * H)
    assert paused.resolution_due_at == utc("2026-01-20T15:00:00-05:00")
    # At the resume: still 1h run, 3h paused, 7h left until the moved due time.
    assert resumed.occurred_at == utc("2026-01-20T11:00:00-05:00")
    assert resumed.business_paused_seconds == 3 * H
    assert (resumed.business_elapsed_seconds, resumed.business_remaining_seconds) == (H, 7 * H)
    assert resumed.resolution_due_at == utc("2026-01-21T10:00:00-05:00")
    assert resumed.note == "pending for 3h 00m of business time"


def test_the_sweep_records_a_near_breach_and_a_breach_once(workspace, owner, ann, london):
    # Mon 5 Jan 2026 10:00 London: first response due 12:00 (2h), resolution Tue 10:00 (8h).
    with at("2026-01-05T10:00:00+00:00"):
        ticket = make_ticket(workspace, owner, ann)
    sla_sweep(workspace=workspace, now=utc("2026-01-05T11:00:00+00:00"))  # 1h left: on track
    assert steps(workspace, ticket) == [("policy_applied", ""), ("started", "")]

    sla_sweep(workspace=workspace, now=utc("2026-01-05T11:40:00+00:00"))  # 20 min < a fifth
    sla_sweep(workspace=workspace, now=utc("2026-01-05T11:50:00+00:00"))
    for _ in range(2):
        sla_sweep(workspace=workspace, now=utc("2026-01-05T12:30:00+00:00"))
    sla_sweep(workspace=workspace, now=utc("2026-01-05T13:00:00+00:00"))

    assert steps(workspace, ticket)[2:] == [
        ("at_risk", "first_response"),
        ("breached", "first_response"),
    ]
    near, breach = history(workspace, ticket)[2:]
    assert near.business_remaining_seconds == 20 * 60
    assert breach.occurred_at == utc("2026-01-05T12:30:00+00:00")
    assert breach.business_remaining_seconds == -30 * 60
    assert breach.business_elapsed_seconds == 150 * 60

    # A late first answer does not record the breach a second time.
    with workspace_scope(workspace), at("2026-01-05T14:00:00+00:00"):
        ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Sorry, looking")
    assert steps(workspace, ticket).count(("breached", "first_response")) == 1


def test_an_outcome_cannot_be_stored_twice_even_past_the_check(workspace, owner, ann, london):
    with at("2026-01-05T10:00:00+00:00"):
        ticket = make_ticket(workspace, owner, ann)
    with workspace_scope(workspace):
        breach = dict(workspace=workspace, ticket=ticket, kind="breached", clock="resolution")
        now = utc("2026-01-06T11:00:00+00:00")
        sla_events_save([SlaEvent(occurred_at=now, **breach), SlaEvent(occurred_at=now, **breach)])
        assert SlaEvent.objects.filter(kind="breached").count() == 1
        with pytest.raises(IntegrityError):
            SlaEvent.objects.create(occurred_at=now, **breach)


def test_solving_in_time_meets_the_resolution_clock_and_reopening_resumes_it(
    workspace, owner, ann, london
):
    with at("2026-01-05T10:00:00+00:00"):
        ticket = make_ticket(workspace, owner, ann, priority="urgent")
    with workspace_scope(workspace):
        with at("2026-01-05T11:00:00+00:00"):
            ticket_update(
                workspace=workspace, actor=owner, ticket=ticket, data={"priority": "normal"}
            )
        with at("2026-01-05T13:00:00+00:00"):
            ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="solved")
        with at("2026-01-05T14:00:00+00:00"):
            ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="open")
    events = history(workspace, ticket)
    assert [(e.kind, e.clock) for e in events] == [
        ("policy_applied", ""),
        ("started", ""),
        ("policy_applied", ""),
        ("met", "resolution"),
        ("resumed", "resolution"),
    ]
    assert "priority urgent: 30 / 240" in events[0].note
    assert "priority normal: 120 / 480" in events[2].note
    assert events[3].business_elapsed_seconds == 3 * H
    assert events[3].business_remaining_seconds == 5 * H
    assert events[4].note == "reopened"


def test_a_ticket_without_a_policy_has_no_history(workspace, owner, ann):
    ticket = make_ticket(workspace, owner, ann)
    sla_sweep(workspace=workspace)
    assert history(workspace, ticket) == []


def test_history_stays_in_its_workspace(
    workspace, owner, ann, london, other_workspace, outsider, owner_client, outsider_client
):
    with at("2026-01-05T10:00:00+00:00"):
        ours = make_ticket(workspace, owner, ann)
    policy = make_policy(other_workspace, outsider, make_calendar(other_workspace, outsider))
    assert policy.workspace_id == other_workspace.pk
    with at("2026-01-05T10:00:00+00:00"):
        theirs = make_ticket(
            other_workspace, outsider, make_contact(other_workspace, outsider, emails=["x@y.io"])
        )
    for ws in (workspace, other_workspace):
        sla_sweep(workspace=ws, now=utc("2026-01-06T12:00:00+00:00"))

    with workspace_scope(workspace):
        assert {e.ticket_id for e in SlaEvent.objects.all()} == {ours.pk}
        assert list(ticket_sla_history(ticket=theirs)) == []

    api = ApiClient.with_token(owner, workspace)
    rows = api.get(f"/service/tickets/{ours.pk}/sla-history").json()
    assert [(r["kind"], r["clock"]) for r in rows][-2:] == [
        ("breached", "first_response"),
        ("breached", "resolution"),
    ]
    assert rows[-1]["occurred_at"].startswith("2026-01-06T12:00:00")
    assert rows[-1]["business_remaining_seconds"] == -2 * H
    assert api.get(f"/service/tickets/{theirs.pk}/sla-history").status_code == 404
    assert outsider_client.get(f"/tickets/{ours.pk}/").status_code == 404


def test_the_ticket_page_lists_the_history_under_the_clocks(
    workspace, owner, ann, london, owner_client
):
    with at("2026-01-05T10:00:00+00:00"):
        ticket = make_ticket(workspace, owner, ann)
    sla_sweep(workspace=workspace, now=utc("2026-01-06T12:00:00+00:00"))
    page = owner_client.get(f"/tickets/{ticket.pk}/").content.decode()
    section = page[page.index('id="sla-history"') :]
    section = section[: section.index("</ol>")]
    assert "Policy applied" in section
    assert "Jan 5, 10:00 UTC" in section
    assert "Breached" in section and "Resolution · " in section
    assert "over by 2h 00m" in section


def test_tickets_without_a_history_get_one_derived_from_their_times(workspace, owner, ann, london):
    with workspace_scope(workspace):
        with at("2026-01-05T10:00:00+00:00"):
            ticket = make_ticket(workspace, owner, ann)
        with at("2026-01-05T13:00:00+00:00"):  # an hour past the first-response target
            ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Looking")
        with at("2026-01-05T15:00:00+00:00"):
            ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="solved")
        SlaEvent.objects.all().delete()  # as written before SLA history, or in bulk
    with at("2026-02-01T00:00:00+00:00"):
        call_command("sla_history_backfill", stdout=StringIO())
        call_command("sla_history_backfill", stdout=StringIO())  # nothing left to do

    events = history(workspace, ticket)
    assert [(e.kind, e.clock, e.occurred_at) for e in events] == [
        ("policy_applied", "", utc("2026-01-05T10:00:00+00:00")),
        ("started", "", utc("2026-01-05T10:00:00+00:00")),
        ("breached", "first_response", utc("2026-01-05T12:00:00+00:00")),
        ("met", "resolution", utc("2026-01-05T15:00:00+00:00")),
    ]
    assert events[3].business_remaining_seconds == 3 * H  # Mon 15-17 and Tue 9-10
    assert events[3].note == "derived from the ticket's stored times"


def test_the_sweep_costs_the_same_queries_for_few_or_many_late_tickets(
    workspace, owner, ann, london
):
    def sweep_queries(tickets: int, now: str) -> int:
        with at("2026-01-05T10:00:00+00:00"):
            for _ in range(tickets):
                make_ticket(workspace, owner, ann)
        with CaptureQueriesContext(connection) as queries:
            sla_sweep(workspace=workspace, now=utc(now))
        # The breach stamp's audit entries are one per ticket by design; the rest is not.
        return sum("audit_auditentry" not in q["sql"] for q in queries.captured_queries)

    assert sweep_queries(2, "2026-01-06T12:00:00+00:00") == sweep_queries(
        5, "2026-01-07T12:00:00+00:00"
    )
    with workspace_scope(workspace):
        assert SlaEvent.objects.filter(kind="breached").count() == 7 * 2
        # Once both clocks of every ticket breached, a run finds nothing to look at.
        with CaptureQueriesContext(connection) as queries:
            sla_sweep(workspace=workspace, now=utc("2026-01-08T12:00:00+00:00"))
        assert not any("INSERT" in q["sql"] for q in queries.captured_queries)
