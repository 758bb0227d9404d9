"""Reads of tickets: the agent's views (mine, unassigned, a team's queue, all), SLA breach
lists, and a customer's context."""

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page, SortKey, paginate
from rapport.service.models import SlaEvent, Ticket, TicketMessage, TicketStatus
from rapport.service.services import OPEN_STATUSES

VIEWS = ["mine", "unassigned", "team", "all"]
FTS_CONFIG = "simple"  # the configuration migration 0006 indexes the message bodies with
WORD = re.compile(r"(-?)(\w+)")
MAX_SEARCH_WORDS = 10
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
    status: str = ""  # one status, or "open" for every unsolved one
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
    if f.status == "open":
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
        qs = qs.filter(tags__name__iexact=f.tag)
    text = f.q.strip()
    if text:
        qs = qs.filter(_search_q(text))
    return qs


def _search_q(text: str) -> Q:
    """A ticket by its number (`#123` or `123`), or by words in its subject or anywhere in
    its conversation, internal notes included (this serves agents; the portal has its own)."""
    said = messages_saying(text).values("ticket_id")
    q = Q(subject__icontains=text) | Q(pk__in=said)
    number = text.lstrip("#")
    return q | Q(number=int(number)) if number.isdigit() else q


def messages_saying(text: str) -> QuerySet[TicketMessage]:
    """Messages with `text` in their body. On PostgreSQL each of its words must be or begin
    a word of the body, read off the full-text GIN index (migration 0006, `simple`
    configuration: no stemming, no stop words, so every word typed counts as typed);
    elsewhere the body must contain `text` as typed, by a scan."""
    words = WORD.findall(text)[:MAX_SEARCH_WORDS]
    # "#1042" is looked for as typed: the full-text parser would drop the "#".
    if connection.vendor != "postgresql" or not words or text.startswith("#"):
        return TicketMessage.objects.filter(body__icontains=text)
    query = SearchQuery(
        " & ".join(_word_prefix(sign, word) for sign, word in words),
        config=FTS_CONFIG,
        search_type="raw",
    )
    return TicketMessage.objects.alias(said=SearchVector("body", config=FTS_CONFIG)).filter(
        said=query
    )


def _word_prefix(sign: str, word: str) -> str:
    """A tsquery term for a typed word's beginning, quoted (word characters only, so it is
    well formed). PostgreSQL's parser reads the "-81" of "ZX-81" as a signed number, so a word
    after a hyphen may begin either lexeme."""
    if sign:
        return f"('{word}':* | '-{word}':*)"
    return f"'{word}':*"


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
    qs = ticket.messages.select_related("author", "contact")
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
