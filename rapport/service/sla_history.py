"""A ticket's SLA history: each step of its clocks, kept with the business-time figures of
that moment, so an agent (or a dispute with a customer) can see why a clock stands where it
does.

The services that move a ticket record steps inside their own transaction; the periodic sweep
records near-breaches and breaches. Outcomes (near breach, breach, met) exist at most once per
clock, enforced by a unique constraint and inserted with conflicts ignored, so a sweep that
runs twice, or two sweeps at once, add nothing the second time.
"""

import datetime as dt
from collections.abc import Iterable

from rapport.service.business_hours import Calendar
from rapport.service.models import SlaClock, SlaEvent, SlaEventKind, Ticket, TicketStatus
from rapport.service.sla import calendar_of


def business_duration(seconds: int) -> str:
    """Seconds of business time as "7h 05m" ("-0h 30m" once past due)."""
    sign, minutes = ("-" if seconds < 0 else ""), abs(seconds) // 60
    return f"{sign}{minutes // 60}h {minutes % 60:02d}m"


def _seconds(delta: dt.timedelta) -> int:
    return int(delta.total_seconds())


def _remaining(calendar: Calendar, now: dt.datetime, due: dt.datetime | None) -> int | None:
    if due is None:
        return None
    if due >= now:
        return _seconds(calendar.between(now, due))
    return -_seconds(calendar.between(due, now))


def sla_event_build(
    ticket: Ticket,
    kind: SlaEventKind,
    *,
    now: dt.datetime,
    clock: SlaClock = SlaClock.BOTH,
    note: str = "",
    calendar: Calendar | None = None,
) -> SlaEvent | None:
    """The step with its figures, or None when no policy governs the ticket (no clocks)."""
    if ticket.sla_policy is None:
        return None
    calendar = calendar or calendar_of(ticket.sla_policy.calendar)
    paused = ticket.paused_seconds
    if ticket.pending_since is not None:
        paused += _seconds(calendar.between(ticket.pending_since, now))
    elapsed = _seconds(calendar.between(ticket.created_at, now)) - paused
    due = (
        ticket.first_response_due_at
        if clock == SlaClock.FIRST_RESPONSE
        else ticket.resolution_due_at
    )
    return SlaEvent(
        workspace_id=ticket.workspace_id,
        ticket=ticket,
        kind=kind,
        clock=clock,
        occurred_at=now,
        first_response_due_at=ticket.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at,
        business_elapsed_seconds=max(elapsed, 0),
        business_remaining_seconds=_remaining(calendar, now, due),
        business_paused_seconds=paused,
        note=note[:200],
    )


def sla_events_save(events: Iterable[SlaEvent | None]) -> None:
    """Insert the steps; an outcome its clock already has is skipped, not duplicated."""
    SlaEvent.objects.bulk_create([e for e in events if e is not None], ignore_conflicts=True)


def sla_event_record(
    ticket: Ticket,
    kind: SlaEventKind,
    *,
    now: dt.datetime,
    clock: SlaClock = SlaClock.BOTH,
    note: str = "",
) -> None:
    sla_events_save([sla_event_build(ticket, kind, now=now, clock=clock, note=note)])


def sla_start_record(ticket: Ticket) -> None:
    """A new ticket: its policy and the start of both clocks."""
    now = ticket.created_at
    sla_events_save(
        [
            sla_event_build(ticket, SlaEventKind.POLICY_APPLIED, now=now, note=policy_note(ticket)),
            sla_event_build(ticket, SlaEventKind.STARTED, now=now),
        ]
    )


def sla_outcome_record(ticket: Ticket, clock: SlaClock, *, now: dt.datetime) -> None:
    """A clock stopped (first answer, or solved): met if it stopped by its due time."""
    due = (
        ticket.first_response_due_at
        if clock == SlaClock.FIRST_RESPONSE
        else ticket.resolution_due_at
    )
    if due is None:
        return
    kind = SlaEventKind.MET if now <= due else SlaEventKind.BREACHED
    sla_event_record(ticket, kind, now=now, clock=clock)


def policy_note(ticket: Ticket) -> str:
    """ "Standard (London office), priority high: 30 / 240 business minutes"."""
    policy = ticket.sla_policy
    if policy is None:
        return ""
    target = policy.targets.get(ticket.priority)
    where = f"{policy.name} ({policy.calendar.name}), priority {ticket.priority}"
    if target is None:
        return f"{where}: no target"
    return f"{where}: {target['first_response']} / {target['resolution']} business minutes"


DERIVED = "derived from the ticket's stored times"


def sla_history_derive(
    ticket: Ticket, *, now: dt.datetime, calendar: Calendar | None = None
) -> list[SlaEvent]:
    """The history a ticket written without one (before SLA history existed, or in bulk by
    the demo) would have had, from its stored clock times. A breach is dated when the clock ran
    out. Pauses are stored only as a total, so the figures are those of today's due times."""
    if ticket.sla_policy is None:
        return []
    calendar = calendar or calendar_of(ticket.sla_policy.calendar)

    def step(kind: SlaEventKind, at: dt.datetime, clock: SlaClock, note: str = DERIVED) -> None:
        event = sla_event_build(ticket, kind, now=at, clock=clock, note=note, calendar=calendar)
        if event is not None:
            events.append(event)

    events: list[SlaEvent] = []
    step(SlaEventKind.POLICY_APPLIED, ticket.created_at, SlaClock.BOTH, policy_note(ticket))
    step(SlaEventKind.STARTED, ticket.created_at, SlaClock.BOTH)
    waiting = ticket.status == TicketStatus.PENDING  # its resolution due time will still move
    for clock, due, stopped in (
        (SlaClock.FIRST_RESPONSE, ticket.first_response_due_at, ticket.first_responded_at),
        (SlaClock.RESOLUTION, ticket.resolution_due_at, ticket.solved_at),
    ):
        if due is None:
            continue
        if stopped is not None and stopped <= due:
            step(SlaEventKind.MET, stopped, clock)
        elif (stopped or now) > due and not (clock == SlaClock.RESOLUTION and waiting):
            step(SlaEventKind.BREACHED, due, clock)
    if ticket.pending_since is not None:
        step(SlaEventKind.PAUSED, ticket.pending_since, SlaClock.RESOLUTION)
    return sorted(events, key=lambda e: e.occurred_at)
