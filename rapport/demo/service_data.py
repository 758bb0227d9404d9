"""The demo's service desk: a calendar, SLA policies, a support team, and a year of tickets
whose SLA outcomes follow from simulated agent behaviour (most answered within target, some
late, a few reopened), written in bulk with their audit entries."""

import datetime as dt
import random

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from rapport.audit.services import audit_bulk_created, snapshot
from rapport.demo.timestamps import keep_given_timestamps
from rapport.sales.models import Product
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
# What the customer wrote, by subject.
REQUESTS = {
    "How do I export my contacts?": "We need all our contacts in a spreadsheet for an audit. "
    "Is there a way to download them with their companies?",
    "Where is the invoice for March?": "Our accounts team cannot find the March invoice in the "
    "portal. Could you send it again, please?",
    "Can I add a second admin?": "I'm going on leave next month and a colleague should be able "
    "to manage users while I'm away.",
    "How do I change my plan?": "We have grown to 40 people. What does moving to the next plan "
    "cost, and does it take effect straight away?",
    "Login page shows an error": "Since this morning the login page says 'something went "
    "wrong' for three of us. Clearing the cache did not help.",
    "Emails are not arriving": "Customers tell us they never got our order confirmations "
    "since yesterday afternoon. Nothing has changed on our side.",
    "Sync with the web shop stopped": "No new orders have come over from the web shop since "
    "Monday. The last sync shows a timeout.",
    "Report takes forever to load": "The monthly sales report now takes several minutes and "
    "sometimes never finishes.",
    "Duplicates after every import": "Each time we import the trade-show list we end up with "
    "the same people twice.",
    "Timezone wrong on meetings": "Meetings booked by our Berlin office show an hour off for "
    "everyone in London.",
    "Order arrived damaged": "The parcel was crushed and two of the units inside are broken. "
    "Photos attached. We need replacements before the launch.",
    "Charged twice this month": "Our card statement shows the subscription twice for this "
    "month. Please refund the second charge.",
    "Support never called back": "I was promised a call back last week about our renewal and "
    "nobody has been in touch.",
    "Delivery two weeks late": "We ordered on the 2nd and were told five days. It is now two "
    "weeks and the tracking has not moved.",
    "Please add a user": "Please add our new sales rep, Jamie, with the same access as the "
    "rest of the team.",
    "Request a data export": "For our records, could you send a full export of our account's data?",
    "Change our address": "We have moved offices. Please update the billing address on our "
    "invoices.",
}
REPLIES = {
    TicketType.QUESTION: "Thanks for asking. Here is how to do it, step by step; tell us if "
    "anything is unclear.",
    TicketType.INCIDENT: "Thanks for the report. We can reproduce it and are working on a fix; "
    "we'll update you within the hour.",
    TicketType.PROBLEM: "Thanks, this looks like a known problem. We've linked your ticket to "
    "it and will tell you when the fix ships.",
    TicketType.COMPLAINT: "We're sorry about this. We're looking into what happened and will "
    "come back to you today with a solution.",
    TicketType.REQUEST: "Thanks, we're on it and will confirm once it's done.",
}
BACKLOG_DAYS = 5  # the desk's current work: tickets of the last days, many unsolved


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
    products = list(Product.objects.filter(workspace=workspace).values_list("pk", flat=True))
    built: list[tuple[Ticket, list[TicketMessage]]] = []
    # A growing business: more tickets lately than a year ago. Numbered in the order opened.
    opened = sorted(
        now - dt.timedelta(days=365 * rng.random() ** 1.3, minutes=rng.randint(0, 600))
        for _ in range(tickets)
    )
    for n, created in enumerate(opened):
        requester_id, company_id = rng.choice(contacts)
        kind = rng.choices(list(SUBJECTS), [40, 25, 8, 12, 15])[0]
        priority = rng.choices(Priority.values, [20, 55, 20, 5])[0]
        recent = created > now - dt.timedelta(days=BACKLOG_DAYS)
        subject = rng.choice(SUBJECTS[kind])
        ticket = Ticket(
            workspace=workspace,
            number=n + 1,
            subject=subject,
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
        # Agents usually answer well within target; one ticket in eight waits too long. Of
        # the week's tickets a third are still waiting (the newest always), half of those not
        # yet picked up.
        late = rng.random() < 0.12
        waiting = recent and (n == tickets - 1 or rng.random() < 0.35)
        first_after = dt.timedelta(
            minutes=first_target * (rng.uniform(1.1, 3) if late else rng.uniform(0.05, 0.9))
        )
        if waiting:
            first_after = now - created + dt.timedelta(hours=1)
            if rng.random() < 0.5:
                ticket.assignee_id = None
        if kind == TicketType.COMPLAINT and products and rng.random() < 0.8:
            ticket.product_id = rng.choice(products)
        messages = [
            TicketMessage(
                workspace=workspace,
                kind=MessageKind.PUBLIC,
                contact_id=requester_id,
                body=REQUESTS[subject],
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
                    body=REPLIES[kind],
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
        # breached as `sla_history_derive` dates breaches: a pending ticket's resolution
        # clock is not run out, as its due time still moves
        resolution_late = (ticket.solved_at or now) > (ticket.resolution_due_at or now)
        if ticket.resolution_due_at and (
            (resolution_late and ticket.status != TicketStatus.PENDING)
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
