"""Reads of tickets: the agent's views (mine, unassigned, a team's queue, all), SLA breach
lists, and a customer's context."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapport.contacts.models import tag_key
from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page, SortKey, paginate
from rapport.service.models import SlaEvent, TeamMember, Ticket, TicketMessage, TicketStatus
from rapport.service.search import tickets_matching
from rapport.service.services import OPEN_STATUSES

VIEWS = ["mine", "unassigned", "team", "all"]
# The status filter's "every unsolved ticket" (new, open, pending, on hold); not "open", which
# is one of those statuses and must stay choosable on its own.
UNSOLVED = "unsolved"
SORTS: dict[str, list[SortKey]] = {
    "-updated": [SortKey("updated_at", True)],
    "updated": [SortKey("updated_at", False)],
    "-created": [SortKey("created_at", True)],
    "created": [SortKey("created_at", False)],
    "due": [SortKey("resolution_due_at", False)],
}


@dataclass
class TicketFilter:
    view: str = "all"
    user_id: int | None = None  # who "mine" means
    team_id: int | None = None
    status: str = ""  # one status, or UNSOLVED for every one not yet solved
    priority: str = ""
    ticket_type: str = ""
    requester_id: int | None = None
    company_id: int | None = None
    assignee_id: int | None = None
    channel: str = ""
    breached: bool | None = None  # True: an SLA clock ran out; False: none did
    tag: str = ""
    q: str = ""


def ticket_queryset(f: TicketFilter) -> QuerySet[Ticket]:
    if f.view not in VIEWS:
        raise ServiceValidationError.single("view", f"must be one of {', '.join(VIEWS)}")
    qs = Ticket.objects.all()
    if f.view == "mine":
        qs = qs.filter(assignee_id=f.user_id)
    elif f.view == "unassigned":
        qs = qs.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
    elif f.view == "team":
        if f.team_id is None:
            raise ServiceValidationError.single("team_id", "a team view needs a team")
        qs = qs.filter(team_id=f.team_id)
    if f.status == UNSOLVED:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif f.status:
        if f.status not in TicketStatus.values:
            raise ServiceValidationError.single("status", "is not a ticket status")
        qs = qs.filter(status=f.status)
    for name in ("priority", "ticket_type", "requester_id", "company_id", "assignee_id", "channel"):
        value = getattr(f, name)
        if value not in ("", None):
            qs = qs.filter(**{name: value})
    if f.breached is not None:
        qs = qs.filter(sla_breached_at__isnull=not f.breached)
    if f.tag:
        qs = qs.filter(tags__key=tag_key(f.tag))
    text = f.q.strip()
    if text:
        # By number, or words of the subject or conversation, internal notes included
        # (this serves agents; the portal has its own).
        qs = qs.filter(tickets_matching(text))
    return qs


def queue_counts(
    *, user_id: int, team_id: int | None, fallback_team_id: int | None
) -> dict[str, int]:
    """Unsolved tickets in each queue, in one query, for the view chips: an agent sees at a
    glance where work waits. The team count is of `team_id`, else of the team the team queue
    opens on (the agent's own first team, else `fallback_team_id`)."""
    mine = Q(assignee_id=user_id)
    if team_id is not None:
        team = Q(team_id=team_id)
    else:
        own = TeamMember.objects.filter(user_id=user_id).order_by("team__name")
        team = Q(team_id=Coalesce(Subquery(own.values("team_id")[:1]), Value(fallback_team_id)))
    return Ticket.objects.filter(status__in=OPEN_STATUSES).aggregate(
        mine=Count("pk", filter=mine),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        team=Count("pk", filter=team),
        all=Count("pk"),
    )


def ticket_list(
    *, f: TicketFilter, sort: str = "-updated", cursor: str | None = None, limit: int = 50
) -> Page[Ticket]:
    if sort not in SORTS:
        raise ServiceValidationError.single("sort", f"must be one of {', '.join(SORTS)}")
    qs = ticket_queryset(f).select_related("requester", "assignee", "team", "sla_policy")
    return paginate(qs, keys=SORTS[sort], cursor=cursor, limit=min(max(limit, 1), 200))


def ticket_get(*, ticket_id: int) -> Ticket:
    return Ticket.objects.select_related(
        "requester", "company", "assignee", "team", "sla_policy__calendar", "product"
    ).get(pk=ticket_id)


def ticket_conversation(*, ticket: Ticket, public_only: bool = False) -> QuerySet[TicketMessage]:
    qs = ticket.messages.select_related("author", "contact", "delivery")
    return qs.filter(kind="public") if public_only else qs


def ticket_sla_history(*, ticket: Ticket) -> QuerySet[SlaEvent]:
    """Every step of the ticket's SLA clocks, oldest first."""
    return SlaEvent.objects.filter(ticket=ticket).order_by("occurred_at", "id")


def sla_at_risk(
    *, now: dt.datetime | None = None, within: dt.timedelta = dt.timedelta(hours=1)
) -> QuerySet[Ticket]:
    """Unsolved tickets past a due time or within `within` of one, soonest first."""
    now = now or timezone.now()
    horizon = now + within
    first_due = Q(first_responded_at__isnull=True, first_response_due_at__lte=horizon)
    resolution_due = Q(resolution_due_at__lte=horizon) & ~Q(status=TicketStatus.PENDING)
    return (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .filter(first_due | resolution_due)
        .select_related("requester", "assignee", "sla_policy")
        .order_by("resolution_due_at", "id")
    )


def customer_tickets(
    *, contact_id: int, company_id: int | None = None, exclude_id: int | None = None
) -> QuerySet[Ticket]:
    """The requester's other tickets (and their company's), for the ticket page's context."""
    qs = Ticket.objects.filter(
        Q(requester_id=contact_id) | (Q(company_id=company_id) if company_id else Q(pk__in=[]))
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("-created_at")
