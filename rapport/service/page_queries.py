"""Reads the desk pages need beyond the ticket queries: a requester found by email, the
customer's context beside a ticket, and the knowledge base as agents see it (drafts too).

Like every read they run in the request's workspace scope, so another workspace's rows are
simply not there.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from rapport.contacts.models import Contact, ContactEmail
from rapport.contacts.normalise import email_normalise
from rapport.core.errors import ServiceValidationError
from rapport.knowledge.keywords import words_of
from rapport.knowledge.models import Article, Category
from rapport.sales.models import Deal, Order, Product, StageOutcome
from rapport.sales.queries import (
    lifetime_revenue_and_conversion,
    purchase_history,
)
from rapport.service.models import Ticket, TicketType
from rapport.service.queries import customer_tickets
from rapport.service.services import SOLVED_STATUSES
from rapport.tenancy.models import Workspace

CONTEXT_ROWS = 5
ROOT_CAUSES_OFFERED = 100
PRODUCT_SUGGESTIONS = 20
PRODUCT_LABEL = re.compile(r"(?P<name>.+) \((?P<sku>[^()]+)\)")  # as `str(product)` writes it


def contact_by_email(*, email: str) -> Contact | None:
    """The contact one of whose addresses is `email` (addresses are stored normalised)."""
    try:
        address = email_normalise(email)
    except ServiceValidationError:
        return None
    link = (
        ContactEmail.objects.select_related("contact__primary_company")
        .filter(email=address)
        .order_by("-is_primary", "id")
        .first()
    )
    return link.contact if link else None


@dataclass
class CustomerContext:
    other_tickets: list[Ticket]
    other_tickets_total: int  # all of them, where other_tickets shows the latest few
    open_deals: list[Deal]
    recent_orders: list[Order]
    lifetime_revenue: Decimal | None  # None when an order's currency has no rate
    currency: str  # the workspace's base currency, which lifetime_revenue is in
    revenue_converted: bool = False  # some of it was in another currency, converted
    revenue_error: str = ""  # why there is no lifetime revenue, when there is none


def customer_context(*, workspace: Workspace, ticket: Ticket) -> CustomerContext:
    """What the agent should know about the requester: their (and their company's) other
    tickets, open deals, latest orders and what they have spent so far."""
    contact_id, company_id = ticket.requester_id, ticket.company_id
    deals = Q(contacts__id=contact_id) | (Q(company_id=company_id) if company_id else Q(pk__in=[]))
    revenue, converted, revenue_error = _revenue(workspace=workspace, contact_id=contact_id)
    others = customer_tickets(contact_id=contact_id, company_id=company_id, exclude_id=ticket.pk)
    other_tickets = list(others[:CONTEXT_ROWS])
    return CustomerContext(
        other_tickets=other_tickets,
        other_tickets_total=others.count()
        if len(other_tickets) == CONTEXT_ROWS
        else len(other_tickets),
        open_deals=list(
            Deal.objects.filter(deals, outcome=StageOutcome.OPEN)
            .select_related("stage")
            .distinct()
            .order_by("expected_close_date", "id")[:CONTEXT_ROWS]
        ),
        recent_orders=list(purchase_history(contact_id=contact_id)[:CONTEXT_ROWS]),
        lifetime_revenue=revenue,
        currency=workspace.base_currency,
        revenue_converted=converted,
        revenue_error=revenue_error,
    )


def _revenue(*, workspace: Workspace, contact_id: int) -> tuple[Decimal | None, bool, str]:
    """The requester's lifetime revenue in the base currency; whether any order it counts was
    in another currency (so the agent knows the figure is converted, at each order date's
    rate, and not what the customer paid); and, when a rate is missing, why there is no sum."""
    try:
        revenue, converted = lifetime_revenue_and_conversion(
            workspace=workspace, contact_id=contact_id
        )
    except ServiceValidationError as exc:
        return None, True, "; ".join(e.message for e in exc.errors)
    return revenue, converted, ""


def article_list(
    *, q: str = "", status: str = "", visibility: str = "", category_id: int | None = None
) -> QuerySet[Article]:
    """Every article, drafts and internal ones included, newest change first; `q` keeps
    those whose title or text contains each of its words, the others narrow to one status,
    visibility or category."""
    qs = Article.objects.select_related("category", "author")
    for word in words_of(q)[:10]:
        qs = qs.filter(Q(title__icontains=word) | Q(body_markdown__icontains=word))
    if status:
        qs = qs.filter(status=status)
    if visibility:
        qs = qs.filter(visibility=visibility)
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    return qs.order_by("-updated_at", "-id")


def article_get(*, article_id: int) -> Article:
    return Article.objects.select_related("category", "author").get(pk=article_id)


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("position", "name")


def product_suggestions(*, text: str, limit: int = PRODUCT_SUGGESTIONS) -> list[Product]:
    """Active products whose name contains `text` or whose SKU starts with it, by name: what
    the ticket's product box offers while the agent types, at most `limit` of them."""
    text = text.strip()
    if not text:
        return []
    qs = Product.objects.filter(active=True).filter(
        Q(name__icontains=text) | Q(sku__istartswith=text)
    )
    return list(qs.order_by("name", "id")[:limit])


def products_named(*, text: str, keep_id: int | None = None) -> list[Product]:
    """The products `text` names: as the suggestions write them ("Name (SKU)"), or typed as
    a SKU or a whole name (case aside); a name two products share gives both. Only active
    products count, and the ticket's own (`keep_id`) even if retired since, so saving the
    panel does not drop it."""
    qs = Product.objects.filter(Q(active=True) | Q(pk=keep_id) if keep_id else Q(active=True))
    labelled = PRODUCT_LABEL.fullmatch(text)
    if labelled and (found := list(qs.filter(name=labelled["name"], sku=labelled["sku"]))):
        return found
    by_sku = list(qs.filter(sku__iexact=text).order_by("id")[:2])
    return by_sku or list(qs.filter(name__iexact=text).order_by("id")[:2])


def complaint_lacks_outcome(ticket: Ticket) -> bool:
    """An unsolved complaint without its root cause or resolution: the reply box asks for them
    so that the answer can solve it."""
    return (
        ticket.ticket_type == TicketType.COMPLAINT
        and ticket.status not in SOLVED_STATUSES
        and not (ticket.root_cause and ticket.resolution)
    )


def root_causes_used() -> list[str]:
    """Root causes complaints already carry, most used first, offered while typing one so a
    cause is spelt one way and the complaint report groups it as one."""
    rows = (
        Ticket.objects.filter(ticket_type=TicketType.COMPLAINT)
        .exclude(root_cause="")
        .values("root_cause")
        .annotate(n=Count("id"))
        .order_by("-n", "root_cause")
    )
    return [r["root_cause"] for r in rows[:ROOT_CAUSES_OFFERED]]
