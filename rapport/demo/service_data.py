"""The demo's service desk: a calendar, SLA policies, a support team, and a year of tickets
whose SLA outcomes follow from simulated agent behaviour (most answered within target, some
late, a few reopened), written in bulk with their audit entries."""

import datetime as dt
import random

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from rapport.audit.services import audit_bulk_created, snapshot
from rapport.demo.timestamps import keep_given_timestamps
from rapport.service.models import (
    Channel,
    MessageKind,
    Priority,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from rapport.service.services import (
    TICKET_AUDITED,
    calendar_create,
    sla_policy_create,
    team_create,
)
from rapport.service.sla import calendar_of, sla_apply
from rapport.service.sla_history import sla_events_save, sla_history_derive
from rapport.tenancy.models import Workspace

SUBJECTS = {
    TicketType.QUESTION: [
        "How do I export my contacts?",
        "Where is the invoice for March?",
        "Can I add a second admin?",
        "How do I change my plan?",
    ],
    TicketType.INCIDENT: [
        "Login page shows an error",
        "Emails are not arriving",
        "Sync with the web shop stopped",
        "Report takes forever to load",
    ],
    TicketType.PROBLEM: ["Duplicates after every import", "Timezone wrong on meetings"],
    TicketType.COMPLAINT: [
        "Order arrived damaged",
        "Charged twice this month",
        "Support never called back",
        "Delivery two weeks late",
    ],
    TicketType.REQUEST: ["Please add a user", "Request a data export", "Change our address"],
}
ROOT_CAUSES = ["packaging", "billing error", "carrier delay", "missed follow-up"]


def service_demo_fill(
    *,
    workspace: Workspace,
    users: list[AbstractUser],
    contacts: list[tuple[int, int | None]],
    rng: random.Random,
    tickets: int = 1_500,
) -> None:
    actor = users[0]
    calendar = calendar_create(
        workspace=workspace,
        actor=actor,
        data={
            "name": "Support hours",
            "timezone": "America/New_York",
            "country": "US",
            "weekly_hours": {d: ["08:00-18:00"] for d in ["mon", "tue", "wed", "thu", "fri"]},
        },
    )
    targets = {"low": (480, 4800), "normal": (240, 2400), "high": (60, 960), "urgent": (30, 240)}
    policy = sla_policy_create(
        workspace=workspace,
        actor=actor,
        data={
            "name": "Standard support",
            "calendar_id": calendar.pk,
            "targets": {p: {"first_response": f, "resolution": r} for p, (f, r) in targets.items()},
        },
    )
    team = team_create(
        workspace=workspace,
        actor=actor,
        name="Support",
        assignment="round_robin",
        member_ids=[u.pk for u in users],
    )
    now = timezone.now()
    built: list[tuple[Ticket, list[TicketMessage]]] = []
    for n in range(tickets):
        requester_id, company_id = rng.choice(contacts)
        kind = rng.choices(list(SUBJECTS), [40, 25, 8, 12, 15])[0]
        priority = rng.choices(Priority.values, [20, 55, 20, 5])[0]
        created = now - dt.timedelta(days=365 * rng.random() ** 0.8, minutes=rng.randint(0, 600))
        ticket = Ticket(
            workspace=workspace,
            number=n + 1,
            subject=rng.choice(SUBJECTS[kind]),
            ticket_type=kind,
            priority=priority,
            channel=rng.choice(Channel.values),
            requester_id=requester_id,
            company_id=company_id,
            team=team,
            assignee_id=rng.choice(users).pk,
            sla_policy=policy,
            created_at=created,
        )
        sla_apply(ticket)
        first_target, _ = targets[priority]
        # Agents usually answer well within target; one ticket in eight waits too long.
        late = rng.random() < 0.12
        first_after = dt.timedelta(
            minutes=first_target * (rng.uniform(1.1, 3) if late else rng.uniform(0.05, 0.9))
        )
        messages = [
            TicketMessage(
                workspace=workspace,
                kind=MessageKind.PUBLIC,
                contact_id=requester_id,
                body="(see subject)",
                created_at=created,
                updated_at=created,
            )
        ]
        answered = created + first_after
        if answered < now:
            ticket.first_responded_at = answered
            messages.append(
                TicketMessage(
                    workspace=workspace,
                    kind=MessageKind.PUBLIC,
                    author_id=ticket.assignee_id,
                    body="Thanks, on it.",
                    created_at=answered,
                    updated_at=answered,
                )
            )
        solve_after = dt.timedelta(hours=rng.expovariate(1 / (20 if not late else 60)))
        solved = answered + solve_after
        if solved < now - dt.timedelta(days=2):
            ticket.status = TicketStatus.CLOSED if rng.random() < 0.7 else TicketStatus.SOLVED
            ticket.solved_at = solved
            ticket.reopened_count = 1 if rng.random() < 0.06 else 0
        elif ticket.first_responded_at:
            ticket.status = rng.choice([TicketStatus.OPEN, TicketStatus.PENDING])
        if ticket.resolution_due_at and (
            (ticket.solved_at or now) > ticket.resolution_due_at
            or (ticket.first_responded_at or now) > (ticket.first_response_due_at or now)
        ):
            ticket.sla_breached_at = min(
                filter(None, [ticket.resolution_due_at, ticket.first_response_due_at])
            )
        if kind == TicketType.COMPLAINT and ticket.solved_at:
            ticket.root_cause = rng.choice(ROOT_CAUSES)
            ticket.resolution = "Refunded and apologised."
        ticket.updated_at = ticket.solved_at or answered if answered < now else created
        built.append((ticket, messages))
    with keep_given_timestamps(Ticket, TicketMessage):
        Ticket.objects.bulk_create([t for t, _ in built], batch_size=500)
        for ticket, messages in built:
            for m in messages:
                m.ticket = ticket
        TicketMessage.objects.bulk_create([m for _, ms in built for m in ms], batch_size=1000)
    calendars = {p.pk: calendar_of(p.calendar) for p in {t.sla_policy for t, _ in built} if p}
    sla_events_save(
        event
        for t, _ in built
        if t.sla_policy is not None
        for event in sla_history_derive(t, now=now, calendar=calendars[t.sla_policy.pk])
    )
    audit_bulk_created(
        workspace_id=workspace.pk,
        actor=None,
        created=[(t, snapshot(t, TICKET_AUDITED)) for t, _ in built],
    )
