"""The periodic SLA sweep: marks tickets whose clock ran out and tells their assignee once,
and writes near-breaches and breaches into each ticket's SLA history.

Run every few minutes by `rapport sla_sweep` (cron) or as a django-tasks task; each run only
touches tickets that breached since the last one, and history outcomes exist once per clock,
so it is cheap and safe to repeat.
"""

import datetime as dt
from functools import partial

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.service.business_hours import Calendar
from rapport.service.models import SlaClock, SlaEvent, SlaEventKind, SlaPolicy, Ticket, TicketStatus
from rapport.service.services import OPEN_STATUSES
from rapport.service.sla import AT_RISK_SHARE, calendar_of, sla_clocks
from rapport.service.sla_history import sla_event_build, sla_events_save
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

SLA_CLOCKS = (SlaClock.FIRST_RESPONSE, SlaClock.RESOLUTION)  # the order sla_clocks returns
SWEPT_STATES = {"at_risk": SlaEventKind.AT_RISK, "breached": SlaEventKind.BREACHED}


def _tell_assignee(ticket: Ticket) -> None:
    send_mail(
        subject=f"SLA breached: [#{ticket.number}] {ticket.subject}",
        message=f"Ticket #{ticket.number} for {ticket.requester} ran past its SLA.",
        from_email=None,
        recipient_list=[ticket.assignee.email],  # type: ignore[union-attr]
    )


def sla_sweep(*, workspace: Workspace, now: dt.datetime | None = None) -> list[int]:
    """Flag newly breached tickets of `workspace`; returns their ids."""
    now = now or timezone.now()
    first_late = Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
    resolution_late = Q(resolution_due_at__lt=now) & ~Q(status=TicketStatus.PENDING)
    with workspace_scope(workspace), transaction.atomic():
        newly = list(
            Ticket.objects.select_for_update(of=("self",))
            .filter(status__in=OPEN_STATUSES, sla_breached_at__isnull=True)
            .filter(first_late | resolution_late)
            .select_related("assignee", "requester")
        )
        Ticket.objects.filter(pk__in=[t.pk for t in newly]).update(sla_breached_at=now)
        for ticket in newly:
            audit_record(
                workspace_id=workspace.pk,
                actor=None,
                action=AuditAction.UPDATE,
                instance=ticket,
                changes={"sla_breached_at": [None, now.isoformat()]},
            )
            if ticket.assignee is not None and ticket.assignee.email:
                transaction.on_commit(partial(_tell_assignee, ticket))
        _history_sweep(now)
    return [t.pk for t in newly]


def _at_risk_horizon() -> dt.timedelta:
    """How far ahead a clock can be near breach: a fifth of the longest target in use."""
    longest = max(
        (
            max(t["first_response"], t["resolution"])
            for targets in SlaPolicy.objects.values_list("targets", flat=True)
            for t in targets.values()
        ),
        default=0,
    )
    return dt.timedelta(minutes=AT_RISK_SHARE * longest)


def _kept_breach(clock: SlaClock) -> Exists:
    return Exists(
        SlaEvent.objects.filter(ticket=OuterRef("pk"), kind=SlaEventKind.BREACHED, clock=clock)
    )


def _history_sweep(now: dt.datetime) -> None:
    """Record each running clock's near breach and breach, skipping outcomes already kept."""
    soon = now + _at_risk_horizon()
    # A clock whose breach is kept has nothing left to record: skip it in the query, so
    # tickets left open long past due do not weigh on every run.
    first = Q(first_responded_at__isnull=True, first_response_due_at__lt=soon) & ~_kept_breach(
        SlaClock.FIRST_RESPONSE
    )
    resolution = (
        Q(resolution_due_at__lt=soon)
        & ~Q(status=TicketStatus.PENDING)
        & ~_kept_breach(SlaClock.RESOLUTION)
    )
    candidates = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES, sla_policy__isnull=False)
        .filter(first | resolution)
        .select_related("sla_policy__calendar")
    )
    kept = set(
        SlaEvent.objects.filter(
            ticket__in=candidates, kind__in=[SlaEventKind.AT_RISK, SlaEventKind.BREACHED]
        ).values_list("ticket_id", "kind", "clock")
    )
    calendars: dict[int, Calendar] = {}
    events = []
    for ticket in candidates:
        policy = ticket.sla_policy
        if policy.calendar_id not in calendars:
            calendars[policy.calendar_id] = calendar_of(policy.calendar)
        for clock, state in zip(SLA_CLOCKS, sla_clocks(ticket, now), strict=True):
            kind = SWEPT_STATES.get(state.state)
            if kind is None or (ticket.pk, kind, clock) in kept:
                continue
            events.append(
                sla_event_build(
                    ticket, kind, now=now, clock=clock, calendar=calendars[policy.calendar_id]
                )
            )
    sla_events_save(events)


@task()
def sla_sweep_all() -> int:
    return sum(len(sla_sweep(workspace=w)) for w in Workspace.objects.all())
