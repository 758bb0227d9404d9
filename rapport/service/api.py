"""Customer service over `/api/v1/service/`: tickets and their conversation, the SLA breach
list, and the desk's configuration (business calendars, SLA policies, teams, mailboxes).

Each resource has its own router and OpenAPI tag: `/service/tickets` (with `/{id}/status`,
`/{id}/messages`, `/{id}/sla-history` and `/at-risk`), `/service/calendars`,
`/service/sla-policies`, `/service/teams` (with `/{id}/members/{user_id}` for the away flag)
and `/service/mailboxes`.

A ticket shows both SLA clocks, first response and resolution, as a due time and a state
computed at the time of the request. Tickets need the write scope and their deletion the
delete scope; the configuration objects need the settings scope.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict
from typing import Annotated, Literal

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, field_validator

from rapport.api.permissions import DELETE, READ, SETTINGS, WRITE, caller
from rapport.api.records import (
    JSON_INTEGER,
    MAX_ID,
    PageOut,
    PageParams,
    PathId,
    QueryId,
    RecordId,
    WriteSchema,
    query_errors,
)
from rapport.core.pagination import Page
from rapport.service.bulk import BULK_LIMIT, BulkResult, tickets_bulk_change
from rapport.service.desk_queries import (
    calendar_get,
    calendar_list,
    mailbox_list,
    sla_policy_get,
    sla_policy_list,
    team_get,
    team_list,
    team_member_get,
)
from rapport.service.models import (
    AssignmentMethod,
    BusinessCalendar,
    Channel,
    DeliveryState,
    Mailbox,
    MessageKind,
    Priority,
    ReplyDelivery,
    SlaClock,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    Team,
    TeamMember,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketType,
)
from rapport.service.queries import (
    UNSOLVED,
    TicketFilter,
    sla_at_risk,
    ticket_conversation,
    ticket_get,
    ticket_list,
    ticket_sla_history,
)
from rapport.service.services import (
    calendar_create,
    mailbox_create,
    sla_policy_create,
    team_create,
    team_member_set_away,
    ticket_create,
    ticket_delete,
    ticket_reply,
    ticket_set_status,
    ticket_update,
)
from rapport.service.sla import Clock, sla_clocks

router = Router()
tickets = Router(tags=["tickets"])
calendars = Router(tags=["business calendars"])
sla_policies = Router(tags=["SLA policies"])
teams = Router(tags=["teams"])
mailboxes = Router(tags=["mailboxes"])

# --- tickets -------------------------------------------------------------------------------


class TicketUpdate(WriteSchema):
    subject: str | None = None
    requester_id: RecordId | None = Field(None, description="a contact of the workspace")
    priority: Priority | None = None
    ticket_type: TicketType | None = None
    channel: Channel | None = None
    team_id: RecordId | None = Field(None, description="null takes the ticket out of any team")
    assignee_id: RecordId | None = Field(
        None, description="a member of the workspace; null for none"
    )
    tags: list[str] | None = Field(None, description="tag names; missing tags are created")
    root_cause: str | None = Field(None, description="complaints: the root-cause category")
    resolution: str | None = Field(None, description="complaints: how it was resolved")


class TicketCreate(TicketUpdate):
    body: str | None = Field(None, description="the request, the conversation's first message")
    channel: Channel | None = Field(None, description="`api` if omitted")


class ClockOut(Schema):
    due_at: dt.datetime | None = Field(description="null when no SLA target applies")
    state: Literal["met", "breached", "at_risk", "running", "paused", "none"] = Field(
        description="at_risk: less than a fifth of the target left; paused: pending on the "
        "customer (resolution only)"
    )


class SlaOut(Schema):
    first_response: ClockOut
    resolution: ClockOut


class TicketOut(Schema):
    id: int
    number: int = Field(description="per workspace, shown as #1042")
    subject: str
    status: TicketStatus
    priority: Priority
    ticket_type: TicketType
    channel: Channel
    requester_id: int
    company_id: int | None
    assignee_id: int | None
    team_id: int | None
    tags: list[str]
    sla_policy_id: int | None
    sla: SlaOut = Field(description="both SLA clocks as of this response")
    first_responded_at: dt.datetime | None
    solved_at: dt.datetime | None
    root_cause: str
    resolution: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj: Ticket) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_sla(obj: Ticket) -> dict[str, Clock]:
        first_response, resolution = sla_clocks(obj)
        return {"first_response": first_response, "resolution": resolution}


class TicketListParams(PageParams):
    view: Literal["mine", "unassigned", "team", "all"] = Field(
        "all",
        description="mine: assigned to the caller; unassigned: unsolved without an assignee; "
        "team: the queue of `team_id`",
    )
    team_id: QueryId | None = None
    status: TicketStatus | None = Field(
        None, description="`open` means every unsolved ticket: new, open, pending or on hold"
    )
    priority: Priority | None = None
    ticket_type: TicketType | None = None
    requester_id: QueryId | None = None
    company_id: QueryId | None = None
    assignee_id: QueryId | None = None
    channel: Channel | None = None
    breached: bool | None = Field(
        None, description="true: an SLA clock ran out (stamped by the sweep); false: none did"
    )
    tag: str = ""
    q: str = Field(
        "",
        description="words of the subject or the conversation (notes included), "
        "or the ticket number (#1042)",
    )
    # Not the query's "due" order: cursor pages cannot yet step over tickets without a due
    # time (a NULL sort key); `/at-risk` lists tickets by due time instead.
    sort: Literal["-updated", "updated", "-created", "created"] = Field(
        "-updated", description="updated or created; prefix - for newest first"
    )


class AtRiskParams(Schema):
    within_minutes: int = Field(
        60, ge=0, le=60 * 24 * 7, description="also list tickets due within this many minutes"
    )
    limit: int = Field(100, ge=1, le=500)


class TicketStatusIn(WriteSchema):
    status: TicketStatus = Field(
        description="pending pauses the resolution clock; solved and closed stop it; a closed "
        "ticket cannot be reopened; a complaint is solved or closed only once its root_cause "
        "and resolution are set (422 naming each missing one)"
    )


class MessageIn(WriteSchema):
    body: str
    kind: MessageKind = Field(
        MessageKind.PUBLIC,
        description="public replies are mailed to the requester; internal notes are not",
    )


class MessageOut(Schema):
    id: int
    ticket_id: int
    kind: MessageKind
    body: str
    author_id: int | None = Field(description="the agent who wrote it")
    contact_id: int | None = Field(description="the customer who wrote it")
    message_id: str = Field(description="the email Message-ID, for threading")
    created_at: dt.datetime
    delivery: DeliveryState | None = Field(
        description="an agent's public reply: whether it was emailed to the requester"
    )

    @staticmethod
    def resolve_delivery(message: TicketMessage) -> str | None:
        try:
            return message.delivery.state
        except ReplyDelivery.DoesNotExist:
            return None


class SlaEventOut(Schema):
    kind: SlaEventKind
    clock: SlaClock = Field(description="empty when the step concerns both clocks")
    occurred_at: dt.datetime
    first_response_due_at: dt.datetime | None = Field(description="as it stood after the step")
    resolution_due_at: dt.datetime | None
    business_elapsed_seconds: int = Field(
        description="business time the resolution clock had run, pending time excluded"
    )
    business_remaining_seconds: int | None = Field(
        description="business time left until the clock's due time; negative once past it"
    )
    business_paused_seconds: int = Field(description="business time spent pending so far")
    note: str


class BulkIn(WriteSchema):
    action: Literal["assignee", "team", "status", "priority"] = Field(
        description="what every listed ticket is given, as the ticket list's bulk bar does"
    )
    value: int | str | None = Field(
        description="assignee: a member's user id (null unassigns); team: a team id (null "
        "takes the tickets off their team); status or priority: its name"
    )
    ticket_ids: list[RecordId] = Field(
        min_length=1, max_length=BULK_LIMIT, description=f"1 to {BULK_LIMIT} ticket ids"
    )

    @field_validator("value", mode="before")
    @classmethod
    def _not_a_bool(cls, value: object) -> object:
        # Pydantic would read true as the id 1.
        if isinstance(value, bool):
            raise ValueError("must be an id, a name or null")
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise ValueError("no record has this id")
        return value


class BulkTicketOut(Schema):
    id: int
    number: int | None = Field(description="null when not found")
    result: BulkResult = Field(
        description="changed; unchanged (already so, nothing written); refused (`reason` says "
        "why, as a change of that ticket alone would be refused); not_found (no ticket of "
        "this workspace)"
    )
    reason: str


class TicketBulkOut(Schema):
    changed: int
    unchanged: int
    refused: int
    not_found: int
    results: list[BulkTicketOut] = Field(description="one per ticket id, in the order sent")


def _with_ticket_rows(items: Iterable[Ticket]) -> None:
    prefetch_related_objects(list(items), "tags")


def _ticket_out(ticket_id: int) -> Ticket:
    """The ticket as the API shows it, re-read after a write so its tags are current."""
    ticket = ticket_get(ticket_id=ticket_id)
    _with_ticket_rows([ticket])
    return ticket


@tickets.get("", response=PageOut[TicketOut], auth=READ, description="most recently updated first")
def list_tickets(request: HttpRequest, params: Query[TicketListParams]) -> Page[Ticket]:
    given = params.model_dump(exclude={"cursor", "limit", "sort"}, exclude_none=True)
    if given.get("status") == TicketStatus.OPEN:
        given["status"] = UNSOLVED  # as documented above: `open` is every unsolved ticket
    f = TicketFilter(**given, user_id=caller(request).actor.pk)
    with query_errors():
        page = ticket_list(f=f, sort=params.sort, cursor=params.cursor, limit=params.limit)
    _with_ticket_rows(page.items)
    return page


@tickets.post("", response={201: TicketOut}, auth=WRITE)
def create_ticket(request: HttpRequest, payload: TicketCreate) -> Status[Ticket]:
    """The body is the requester's request. A team with automatic assignment picks the
    assignee when none is given; the SLA policy follows the requester's tier."""
    c = caller(request)
    data = {"channel": Channel.API, **payload.service_data()}
    ticket = ticket_create(workspace=c.workspace, actor=c.actor, data=data)
    return Status(201, _ticket_out(ticket.pk))


@tickets.post("/bulk", response=TicketBulkOut, auth=WRITE)
def bulk_change_tickets(request: HttpRequest, payload: BulkIn) -> TicketBulkOut:
    """One change for many tickets, each made (and audited) as if on its own: a ticket
    refused or not found is reported and the others still change."""
    c = caller(request)
    outcome = tickets_bulk_change(
        workspace=c.workspace,
        actor=c.actor,
        ticket_ids=payload.ticket_ids,
        action=payload.action,
        value=payload.value,
        missing_refuses_all=False,
    )
    return TicketBulkOut(
        changed=outcome.count(BulkResult.CHANGED),
        unchanged=outcome.count(BulkResult.UNCHANGED),
        refused=outcome.count(BulkResult.REFUSED),
        not_found=outcome.count(BulkResult.NOT_FOUND),
        results=[BulkTicketOut(**asdict(r)) for r in outcome.results],
    )


@tickets.get("/at-risk", response=list[TicketOut], auth=READ)
def list_tickets_at_risk(request: HttpRequest, params: Query[AtRiskParams]) -> list[Ticket]:
    """Unsolved tickets past an SLA due time or within `within_minutes` of one, soonest
    resolution due first. Tickets pending on the customer count only for first response."""
    within = dt.timedelta(minutes=params.within_minutes)
    rows = list(sla_at_risk(within=within)[: params.limit])
    _with_ticket_rows(rows)
    return rows


@tickets.get("/{int:ticket_id}", response=TicketOut, auth=READ)
def get_ticket(request: HttpRequest, ticket_id: PathId) -> Ticket:
    return _ticket_out(ticket_id)


@tickets.patch("/{int:ticket_id}", response=TicketOut, auth=WRITE)
def update_ticket(request: HttpRequest, ticket_id: PathId, payload: TicketUpdate) -> Ticket:
    """Only the fields sent change; a new priority recomputes the SLA due times."""
    c = caller(request)
    ticket = ticket_get(ticket_id=ticket_id)
    ticket_update(workspace=c.workspace, actor=c.actor, ticket=ticket, data=payload.service_data())
    return _ticket_out(ticket.pk)


@tickets.delete("/{int:ticket_id}", response={204: None}, auth=DELETE)
def delete_ticket(request: HttpRequest, ticket_id: PathId) -> Status[None]:
    c = caller(request)
    ticket_delete(workspace=c.workspace, actor=c.actor, ticket=ticket_get(ticket_id=ticket_id))
    return Status(204, None)


@tickets.post("/{int:ticket_id}/status", response=TicketOut, auth=WRITE)
def set_ticket_status(request: HttpRequest, ticket_id: PathId, payload: TicketStatusIn) -> Ticket:
    c = caller(request)
    ticket = ticket_get(ticket_id=ticket_id)
    ticket_set_status(workspace=c.workspace, actor=c.actor, ticket=ticket, status=payload.status)
    return _ticket_out(ticket.pk)


@tickets.get("/{int:ticket_id}/messages", response=list[MessageOut], auth=READ)
def list_ticket_messages(request: HttpRequest, ticket_id: PathId) -> list[TicketMessage]:
    """The conversation, oldest first, public replies and internal notes alike."""
    return list(ticket_conversation(ticket=ticket_get(ticket_id=ticket_id)))


@tickets.get("/{int:ticket_id}/sla-history", response=list[SlaEventOut], auth=READ)
def list_ticket_sla_history(request: HttpRequest, ticket_id: PathId) -> list[SlaEvent]:
    """Each step of the SLA clocks, oldest first: policy applied, started, paused, resumed,
    near breach, breached, met; times in UTC with the business-time figures of the moment."""
    return list(ticket_sla_history(ticket=ticket_get(ticket_id=ticket_id)))


@tickets.post("/{int:ticket_id}/messages", response={201: MessageOut}, auth=WRITE)
def reply_to_ticket(
    request: HttpRequest, ticket_id: PathId, payload: MessageIn
) -> Status[TicketMessage]:
    """A public reply is mailed to the requester once saved; the first one meets the
    first-response SLA and opens a new ticket."""
    c = caller(request)
    ticket = ticket_get(ticket_id=ticket_id)
    message = ticket_reply(
        workspace=c.workspace, actor=c.actor, ticket=ticket, body=payload.body, kind=payload.kind
    )
    return Status(201, message)


# --- business calendars --------------------------------------------------------------------


class CalendarWrite(WriteSchema):
    name: str | None = None
    timezone: str | None = Field(None, description="IANA, e.g. Europe/London; UTC if omitted")
    weekly_hours: dict[str, list[str]] | None = Field(
        None, description='opening hours per day, e.g. {"mon": ["09:00-12:00", "13:00-17:00"]}'
    )
    country: str | None = Field(None, description="ISO 3166 alpha-2: its public holidays close")
    subdivision: str | None = Field(None, description="the state or region for its holidays")
    closed_days: list[str] | None = Field(None, description="extra closed days, YYYY-MM-DD")


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str
    weekly_hours: dict[str, list[str]]
    country: str
    subdivision: str
    closed_days: list[str]
    created_at: dt.datetime


@calendars.get("", response=list[CalendarOut], auth=READ)
def list_calendars(request: HttpRequest) -> list[BusinessCalendar]:
    return list(calendar_list())


@calendars.post("", response={201: CalendarOut}, auth=SETTINGS)
def create_calendar(request: HttpRequest, payload: CalendarWrite) -> Status[BusinessCalendar]:
    c = caller(request)
    data = payload.service_data()
    return Status(201, calendar_create(workspace=c.workspace, actor=c.actor, data=data))


@calendars.get("/{int:calendar_id}", response=CalendarOut, auth=READ)
def get_calendar(request: HttpRequest, calendar_id: PathId) -> BusinessCalendar:
    return calendar_get(calendar_id=calendar_id)


# --- SLA policies --------------------------------------------------------------------------


class SlaPolicyWrite(WriteSchema):
    name: str | None = None
    tier: str | None = Field(None, description="the customers' tier; omit for everyone else")
    calendar_id: RecordId | None = Field(None, description="the business calendar clocks count in")
    targets: dict[str, dict[str, Annotated[int, JSON_INTEGER]]] | None = Field(
        None,
        description="business minutes per priority, e.g. "
        '{"urgent": {"first_response": 30, "resolution": 240}}',
    )


class SlaPolicyOut(Schema):
    id: int
    name: str
    tier: str
    calendar_id: int
    targets: dict[str, dict[str, int]]
    created_at: dt.datetime


@sla_policies.get("", response=list[SlaPolicyOut], auth=READ)
def list_sla_policies(request: HttpRequest) -> list[SlaPolicy]:
    return list(sla_policy_list())


@sla_policies.post("", response={201: SlaPolicyOut}, auth=SETTINGS)
def create_sla_policy(request: HttpRequest, payload: SlaPolicyWrite) -> Status[SlaPolicy]:
    """One policy per tier; new tickets take the policy of their requester's tier."""
    c = caller(request)
    data = payload.service_data()
    return Status(201, sla_policy_create(workspace=c.workspace, actor=c.actor, data=data))


@sla_policies.get("/{int:policy_id}", response=SlaPolicyOut, auth=READ)
def get_sla_policy(request: HttpRequest, policy_id: PathId) -> SlaPolicy:
    return sla_policy_get(policy_id=policy_id)


# --- teams ---------------------------------------------------------------------------------


class TeamCreate(WriteSchema):
    name: str
    assignment: AssignmentMethod = Field(
        AssignmentMethod.ROUND_ROBIN,
        description="how new tickets of the team find an assignee; away members are skipped",
    )
    member_ids: list[RecordId] = Field([], description="user ids of workspace members")


class TeamMemberOut(Schema):
    user_id: int
    away: bool
    last_assigned_at: dt.datetime | None


class TeamOut(Schema):
    id: int
    name: str
    assignment: AssignmentMethod
    members: list[TeamMemberOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_members(obj: Team) -> list[TeamMember]:
        return list(obj.members.all())


class AwayIn(WriteSchema):
    away: StrictBool = Field(description="an away member gets no new tickets")


@teams.get("", response=list[TeamOut], auth=READ)
def list_teams(request: HttpRequest) -> list[Team]:
    return list(team_list())


@teams.post("", response={201: TeamOut}, auth=SETTINGS)
def create_team(request: HttpRequest, payload: TeamCreate) -> Status[Team]:
    c = caller(request)
    team = team_create(
        workspace=c.workspace,
        actor=c.actor,
        name=payload.name,
        assignment=payload.assignment,
        member_ids=list(dict.fromkeys(payload.member_ids)),
    )
    return Status(201, team_get(team_id=team.pk))


@teams.get("/{int:team_id}", response=TeamOut, auth=READ)
def get_team(request: HttpRequest, team_id: PathId) -> Team:
    return team_get(team_id=team_id)


@teams.patch("/{int:team_id}/members/{int:user_id}", response=TeamMemberOut, auth=SETTINGS)
def set_team_member_away(
    request: HttpRequest, team_id: PathId, user_id: PathId, payload: AwayIn
) -> TeamMember:
    c = caller(request)
    member = team_member_get(team=team_get(team_id=team_id), user_id=user_id)
    team_member_set_away(workspace=c.workspace, actor=c.actor, member=member, away=payload.away)
    return member


# --- mailboxes -----------------------------------------------------------------------------


class MailboxWrite(WriteSchema):
    address: str | None = Field(None, description="mail to it becomes tickets; unique")
    default_team_id: RecordId | None = Field(None, description="the team its new tickets go to")
    active: StrictBool | None = Field(None, description="true if omitted")


class MailboxOut(Schema):
    id: int
    address: str
    default_team_id: int | None
    active: bool
    created_at: dt.datetime


@mailboxes.get("", response=list[MailboxOut], auth=READ)
def list_mailboxes(request: HttpRequest) -> list[Mailbox]:
    return list(mailbox_list())


@mailboxes.post("", response={201: MailboxOut}, auth=SETTINGS)
def create_mailbox(request: HttpRequest, payload: MailboxWrite) -> Status[Mailbox]:
    c = caller(request)
    data = payload.service_data()
    return Status(201, mailbox_create(workspace=c.workspace, actor=c.actor, data=data))


router.add_router("/tickets", tickets)
router.add_router("/calendars", calendars)
router.add_router("/sla-policies", sla_policies)
router.add_router("/teams", teams)
router.add_router("/mailboxes", mailboxes)
