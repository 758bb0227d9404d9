"""Writes on calendars, SLA policies, teams and tickets."""

import datetime as dt
import zoneinfo
from functools import partial
from typing import Any

import holidays
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_change, audited_delete, snapshot
from rapport.contacts.models import Contact
from rapport.contacts.normalise import email_normalise
from rapport.contacts.services import (
    Actor,
    Data,
    _Collector,
    _owner,
    _text,
    _unknown_keys,
    tags_resolve,
)
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.hooks import records_changed
from rapport.sales.models import Product
from rapport.service.mail_out import new_message_id
from rapport.service.models import (
    AssignmentMethod,
    BusinessCalendar,
    Channel,
    Mailbox,
    MessageKind,
    Priority,
    SlaClock,
    SlaEventKind,
    SlaPolicy,
    Team,
    TeamMember,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from rapport.service.reply_delivery import reply_delivery_start
from rapport.service.sla import (
    parse_targets,
    parse_weekly_hours,
    policy_for,
    sla_apply,
    sla_pause_end,
)
from rapport.service.sla_history import (
    business_duration,
    policy_note,
    sla_event_record,
    sla_outcome_record,
    sla_start_record,
)
from rapport.tenancy.models import Workspace

OPEN_STATUSES = [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD]
SOLVED_STATUSES = [TicketStatus.SOLVED, TicketStatus.CLOSED]


# --- calendars, policies, teams ------------------------------------------------------------


def calendar_create(*, workspace: Workspace, actor: Actor, data: Data) -> BusinessCalendar:
    c = _Collector()
    _unknown_keys(
        data, ["name", "timezone", "weekly_hours", "country", "subdivision", "closed_days"], c
    )
    name = _text(data, "name", 100, c) if "name" in data else ""
    if not name:
        c.add("name", "is required")
    tz = str(data.get("timezone") or "UTC")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        c.add("timezone", f"'{tz}' is not an IANA time zone")
    weekly = c.run(lambda: parse_weekly_hours(data.get("weekly_hours")))
    country = str(data.get("country") or "").upper()
    if country and country not in holidays.list_supported_countries():
        c.add("country", f"no public holidays are known for '{country}'")
    closed = data.get("closed_days") or []
    for i, day in enumerate(closed):
        try:
            dt.date.fromisoformat(str(day))
        except ValueError:
            c.add(f"closed_days.{i}", f"'{day}' is not a date (YYYY-MM-DD)")
    c.raise_if_any()
    with transaction.atomic():
        calendar = BusinessCalendar.objects.create(
            workspace=workspace,
            name=name,
            timezone=tz,
            weekly_hours=weekly,
            country=country,
            subdivision=str(data.get("subdivision") or ""),
            closed_days=[str(d) for d in closed],
        )
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=calendar,
            before={},
            after=snapshot(
                calendar, ["name", "timezone", "weekly_hours", "country", "closed_days"]
            ),
        )
    return calendar


def sla_policy_create(*, workspace: Workspace, actor: Actor, data: Data) -> SlaPolicy:
    c = _Collector()
    _unknown_keys(data, ["name", "tier", "calendar_id", "targets"], c)
    name = _text(data, "name", 100, c) if "name" in data else ""
    if not name:
        c.add("name", "is required")
    tier = str(data.get("tier") or "")
    if SlaPolicy.objects.filter(tier=tier).exists():
        c.add("tier", f"a policy for tier '{tier or 'default'}' exists already")
    calendar = BusinessCalendar.objects.filter(pk=data.get("calendar_id")).first()
    if calendar is None:
        c.add("calendar_id", "no such calendar")
    targets = c.run(lambda: parse_targets(data.get("targets")))
    c.raise_if_any()
    with transaction.atomic():
        policy = SlaPolicy.objects.create(
            workspace=workspace, name=name, tier=tier, calendar=calendar, targets=targets
        )
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=policy,
            before={},
            after=snapshot(policy, ["name", "tier", "calendar", "targets"]),
        )
    return policy


def team_create(
    *, workspace: Workspace, actor: Actor, name: str, assignment: str, member_ids: list[int]
) -> Team:
    c = _Collector()
    if not (name or "").strip():
        c.add("name", "is required")
    if assignment not in AssignmentMethod.values:
        c.add("assignment", f"must be one of {', '.join(AssignmentMethod.values)}")
    members = set(workspace.memberships.values_list("user_id", flat=True))
    for i, uid in enumerate(member_ids):
        if uid not in members:
            c.add(f"member_ids.{i}", "is not a member of this workspace")
    c.raise_if_any()
    with transaction.atomic():
        team = Team.objects.create(workspace=workspace, name=name.strip(), assignment=assignment)
        TeamMember.objects.bulk_create(
            TeamMember(workspace=workspace, team=team, user_id=uid) for uid in member_ids
        )
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=team,
            before={},
            after={"name": team.name, "assignment": assignment, "members": member_ids},
        )
    return team


def team_member_set_away(
    *, workspace: Workspace, actor: Actor, member: TeamMember, away: bool
) -> None:
    with transaction.atomic():
        before = member.away
        member.away = away
        member.save(update_fields=["away", "updated_at"])
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=member,
            before={"away": before},
            after={"away": away},
        )


def team_next_assignee(team: Team) -> int | None:
    """Who gets the next ticket: members not away; round robin takes the one who waited
    longest since their last ticket, least loaded the one with fewest open tickets (ties go
    to who waited longest). The chosen member's turn is recorded under a row lock."""
    members = TeamMember.objects.select_for_update().filter(team=team, away=False)
    ordered = list(members.order_by(F("last_assigned_at").asc(nulls_first=True), "id"))
    if not ordered:
        return None
    if team.assignment == AssignmentMethod.LEAST_LOADED:
        loads = dict(
            Ticket.objects.filter(
                status__in=OPEN_STATUSES, assignee_id__in=[m.user_id for m in ordered]
            )
            .values("assignee_id")
            .annotate(n=Count("id"))
            .values_list("assignee_id", "n")
        )
        ordered.sort(key=lambda m: loads.get(m.user_id, 0))  # stable: ties keep waiting order
    chosen = ordered[0]
    chosen.last_assigned_at = timezone.now()
    chosen.save(update_fields=["last_assigned_at", "updated_at"])
    return chosen.user_id


# --- tickets -------------------------------------------------------------------------------

TICKET_FIELDS = [
    "subject",
    "body",
    "requester_id",
    "priority",
    "ticket_type",
    "channel",
    "team_id",
    "assignee_id",
    "tags",
    "root_cause",
    "resolution",
    "product_id",
]
TICKET_AUDITED = [
    "subject",
    "status",
    "priority",
    "ticket_type",
    "channel",
    "requester",
    "company",
    "assignee",
    "team",
    "product",
    "root_cause",
    "resolution",
]


def _choice(data: Data, name: str, choices: Any, c: _Collector) -> Any:
    value = data[name]
    if value not in choices.values:
        c.add(name, f"must be one of {', '.join(choices.values)}")
    return value


def _cause_as_spelt(cause: str, ticket: Ticket | None) -> str:
    """A root cause matching one another ticket uses but for case takes its spelling, so the
    complaint report counts "Courier delay" and "courier delay" as the one cause they are."""
    used = (
        Ticket.objects.filter(root_cause__iexact=cause)
        .exclude(pk=ticket.pk if ticket else None)
        .values_list("root_cause", flat=True)
        .order_by("id")
        .first()
    )
    return used or cause


def _ticket_clean(*, workspace: Workspace, data: Data, ticket: Ticket | None) -> Data:
    c = _Collector()
    _unknown_keys(data, TICKET_FIELDS, c)
    clean: Data = {}
    for name, limit in (
        ("subject", 200),
        ("body", 100_000),
        ("root_cause", 100),
        ("resolution", 10_000),
    ):
        if name in data:
            clean[name] = _text(data, name, limit, c)
    if clean.get("root_cause"):
        clean["root_cause"] = _cause_as_spelt(clean["root_cause"], ticket)
    if ticket is None:
        if not clean.get("subject"):
            c.add("subject", "is required")
        if not clean.get("body"):
            c.add("body", "describe the request")
    if "requester_id" in data or ticket is None:
        requester = (
            Contact.objects.select_related("primary_company")
            .filter(pk=data.get("requester_id"))
            .first()
        )
        if requester is None:
            c.add("requester_id", "no such contact")
        clean["requester"] = requester
    for name, choices in (
        ("priority", Priority),
        ("ticket_type", TicketType),
        ("channel", Channel),
    ):
        if name in data:
            clean[name] = _choice(data, name, choices, c)
    if "team_id" in data:
        team = Team.objects.filter(pk=data["team_id"]).first() if data["team_id"] else None
        if data["team_id"] and team is None:
            c.add("team_id", "no such team")
        clean["team"] = team
    if "assignee_id" in data:
        # The contacts helper reports under `owner_id`; the client sent `assignee_id`.
        found = _Collector()
        clean["assignee_id"] = _owner(workspace, {"owner_id": data["assignee_id"]}, found)
        for e in found.errors:
            c.add("assignee_id", e.message)
    if "product_id" in data:
        product_id = data["product_id"]
        if product_id is not None and not Product.objects.filter(pk=product_id).exists():
            c.add("product_id", "no such product")
        clean["product_id"] = product_id
    if "tags" in data:
        if not isinstance(data["tags"], list):
            c.add("tags", "must be a list of tag names")
        clean["tags"] = data["tags"]
    c.raise_if_any()
    return clean


COMPLAINT_OUTCOME = {"root_cause": "a root cause", "resolution": "a resolution"}


def _complaint_gaps(*, ticket_type: str, root_cause: str, resolution: str) -> list[FieldError]:
    """What a complaint lacks to be solved: the complaint report groups by root cause and the
    business learns from the resolution, so neither may be left for later."""
    if ticket_type != TicketType.COMPLAINT:
        return []
    given = {"root_cause": root_cause, "resolution": resolution}
    return [
        FieldError(name, f"a complaint needs {what} before it is solved")
        for name, what in COMPLAINT_OUTCOME.items()
        if not (given[name] or "").strip()
    ]


def _next_number() -> int:
    return (Ticket.objects.aggregate(m=Max("number"))["m"] or 0) + 1


def ticket_create(
    *,
    workspace: Workspace,
    actor: Actor,
    data: Data,
    from_contact: bool = True,
    message_id: str = "",
) -> Ticket:
    """Open a ticket; its first message is the request (from the requester by default).

    The SLA policy follows the requester's tier; a team with automatic assignment picks the
    assignee when none is given. Numbers are per workspace: a clash between two concurrent
    creations is retried once.
    """
    clean = _ticket_clean(workspace=workspace, data=data, ticket=None)
    requester: Contact = clean.pop("requester")
    body, tags = clean.pop("body"), clean.pop("tags", None)
    for attempt in range(2):
        try:
            with transaction.atomic():
                ticket = Ticket(
                    workspace=workspace,
                    requester=requester,
                    number=_next_number(),
                    company_id=requester.primary_company_id,
                    **clean,
                )
                if (
                    ticket.team
                    and not ticket.assignee_id
                    and (ticket.team.assignment != AssignmentMethod.MANUAL)
                ):
                    ticket.assignee_id = team_next_assignee(ticket.team)
                ticket.sla_policy = policy_for(requester)
                ticket.created_at = timezone.now()
                sla_apply(ticket)
                ticket.save()
                sla_start_record(ticket)
                if tags:
                    ticket.tags.set(tags_resolve(workspace=workspace, names=tags))
                TicketMessage.objects.create(
                    workspace=workspace,
                    ticket=ticket,
                    kind=MessageKind.PUBLIC,
                    body=body,
                    contact=requester if from_contact else None,
                    author_id=None if from_contact else getattr(actor, "pk", None),
                    message_id=message_id,
                )
                audit_change(
                    workspace_id=workspace.pk,
                    actor=actor,
                    action=AuditAction.CREATE,
                    instance=ticket,
                    before={},
                    after={k: v for k, v in snapshot(ticket, TICKET_AUDITED).items() if v},
                )
                records_changed(entity="service.ticket", workspace_id=workspace.pk, ids=[ticket.pk])
                return ticket
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def ticket_update(*, workspace: Workspace, actor: Actor, ticket: Ticket, data: Data) -> Ticket:
    clean = _ticket_clean(workspace=workspace, data=data, ticket=ticket)
    if "body" in clean:
        raise ServiceValidationError.single("body", "add a message instead of editing the request")
    tags = clean.pop("tags", None)
    if ticket.status in SOLVED_STATUSES and {"ticket_type", *COMPLAINT_OUTCOME} & clean.keys():
        # A solved ticket made a complaint, or a solved complaint's outcome cleared.
        outcome = {n: clean.get(n, getattr(ticket, n)) for n in ["ticket_type", *COMPLAINT_OUTCOME]}
        if gaps := _complaint_gaps(**outcome):
            raise ServiceValidationError(gaps)
    with transaction.atomic():
        before = snapshot(ticket, TICKET_AUDITED)
        for name, value in clean.items():
            setattr(ticket, name, value)
        if "priority" in clean:
            sla_apply(ticket)
        ticket.save()
        if "priority" in clean and before["priority"] != ticket.priority:
            sla_event_record(
                ticket, SlaEventKind.POLICY_APPLIED, now=timezone.now(), note=policy_note(ticket)
            )
        if tags is not None:
            ticket.tags.set(tags_resolve(workspace=workspace, names=tags))
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=ticket,
            before=before,
            after=snapshot(ticket, TICKET_AUDITED),
        )
        # As every other ticket write: listeners (the CSAT survey, any app that follows
        # tickets) learn of it after commit, and the bulk bar's changes reach them too.
        records_changed(entity="service.ticket", workspace_id=workspace.pk, ids=[ticket.pk])
    return ticket


def ticket_set_status(*, workspace: Workspace, actor: Actor, ticket: Ticket, status: str) -> Ticket:
    """Move a ticket; pending pauses the resolution clock, solved stops it, reopening resumes.
    A complaint is solved (or closed) only once its root cause and resolution are named."""
    if status not in TicketStatus.values:
        raise ServiceValidationError.single(
            "status", f"must be one of {', '.join(TicketStatus.values)}"
        )
    if ticket.status == TicketStatus.CLOSED and status != TicketStatus.CLOSED:
        raise ServiceValidationError.single("status", "a closed ticket cannot be reopened")
    if status == ticket.status:
        return ticket
    if status in SOLVED_STATUSES and (
        gaps := _complaint_gaps(
            ticket_type=ticket.ticket_type,
            root_cause=ticket.root_cause,
            resolution=ticket.resolution,
        )
    ):
        raise ServiceValidationError(gaps)
    now = timezone.now()
    with transaction.atomic():
        before = snapshot(ticket, TICKET_AUDITED)
        was_solved = ticket.solved_at is not None
        reopening = ticket.status == TicketStatus.SOLVED and status != TicketStatus.CLOSED
        if reopening:
            sla_event_record(
                ticket, SlaEventKind.RESUMED, now=now, clock=SlaClock.RESOLUTION, note="reopened"
            )
        if ticket.status == TicketStatus.PENDING:
            paused_before = ticket.paused_seconds
            sla_pause_end(ticket, now)
            sla_apply(ticket)
            sla_event_record(
                ticket,
                SlaEventKind.RESUMED,
                now=now,
                clock=SlaClock.RESOLUTION,
                note=f"pending for {business_duration(ticket.paused_seconds - paused_before)} "
                "of business time",
            )
        if status == TicketStatus.PENDING:
            ticket.pending_since = now
            sla_event_record(ticket, SlaEventKind.PAUSED, now=now, clock=SlaClock.RESOLUTION)
        if status in SOLVED_STATUSES:
            ticket.solved_at = ticket.solved_at or now
            if not was_solved:
                sla_outcome_record(ticket, SlaClock.RESOLUTION, now=now)
        else:
            if reopening:
                ticket.reopened_count += 1
            ticket.solved_at = None
        ticket.status = status
        ticket.save()
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=ticket,
            before=before,
            after=snapshot(ticket, TICKET_AUDITED),
        )
        records_changed(entity="service.ticket", workspace_id=workspace.pk, ids=[ticket.pk])
    return ticket


def ticket_reply(
    *,
    workspace: Workspace,
    actor: Actor,
    ticket: Ticket,
    body: str,
    kind: str = MessageKind.PUBLIC,
    contact: Contact | None = None,
    message_id: str = "",
) -> TicketMessage:
    """Add to the conversation. An agent's first public reply meets the first-response SLA
    and opens a new ticket; a customer's reply reopens a pending or solved one."""
    body = (body or "").strip()
    if not body:
        raise ServiceValidationError.single("body", "a message cannot be empty")
    if kind not in MessageKind.values:
        raise ServiceValidationError.single("kind", "must be public or internal")
    if contact is not None and kind == MessageKind.INTERNAL:
        raise ServiceValidationError.single("kind", "customers cannot write internal notes")
    with transaction.atomic():
        message = TicketMessage.objects.create(
            workspace=workspace,
            ticket=ticket,
            kind=kind,
            body=body,
            contact=contact,
            author_id=None if contact else getattr(actor, "pk", None),
            message_id=message_id,
        )
        if contact is not None:
            if ticket.status in (TicketStatus.PENDING, TicketStatus.SOLVED):
                ticket_set_status(
                    workspace=workspace, actor=actor, ticket=ticket, status=TicketStatus.OPEN
                )
        elif kind == MessageKind.PUBLIC:
            message.message_id = new_message_id()
            message.save(update_fields=["message_id"])
            reply_delivery_start(workspace=workspace, message=message)
            if ticket.first_responded_at is None:
                ticket.first_responded_at = message.created_at
                ticket.save(update_fields=["first_responded_at", "updated_at"])
                sla_outcome_record(ticket, SlaClock.FIRST_RESPONSE, now=message.created_at)
            if ticket.status == TicketStatus.NEW:
                ticket_set_status(
                    workspace=workspace, actor=actor, ticket=ticket, status=TicketStatus.OPEN
                )
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=message,
            before={},
            after={"ticket": ticket.pk, "kind": kind, "body": body[:500]},
        )
    return message


def ticket_delete(*, workspace: Workspace, actor: Actor, ticket: Ticket) -> None:
    """Delete a ticket and its conversation; the audit entry keeps what it was."""
    before = {k: v for k, v in snapshot(ticket, TICKET_AUDITED).items() if v}
    audited_delete(
        workspace_id=workspace.pk,
        actor=actor,
        instance=ticket,
        before={"number": ticket.number, **before},
    )


# --- mailboxes -----------------------------------------------------------------------------


def mailbox_create(*, workspace: Workspace, actor: Actor, data: Data) -> Mailbox:
    """An inbound address for this workspace. Addresses are unique across all workspaces
    (mail-in routes by address alone), so a taken address is refused without saying whose."""
    c = _Collector()
    _unknown_keys(data, ["address", "default_team_id", "active"], c)
    address = c.run(partial(email_normalise, str(data.get("address") or ""), field="address"))
    if address and Mailbox.unscoped.filter(address=address).exists():
        c.add("address", f"'{address}' is already in use")
    team = None
    if data.get("default_team_id") is not None:
        team = Team.objects.filter(pk=data["default_team_id"]).first()
        if team is None:
            c.add("default_team_id", "no such team")
    active = data.get("active", True)
    if not isinstance(active, bool):
        c.add("active", "must be true or false")
    c.raise_if_any()
    try:
        with transaction.atomic():
            mailbox = Mailbox.objects.create(
                workspace=workspace, address=address, default_team=team, active=active
            )
            audit_change(
                workspace_id=workspace.pk,
                actor=actor,
                action=AuditAction.CREATE,
                instance=mailbox,
                before={},
                after=snapshot(mailbox, ["address", "default_team", "active"]),
            )
    except IntegrityError as exc:
        # Another workspace took the address between the check and the insert.
        raise ServiceValidationError.single("address", f"'{address}' is already in use") from exc
    return mailbox
