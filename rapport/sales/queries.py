"""Reads for sales: the board, purchase history, and the figures forecasts and KPIs use."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page, SortKey, paginate
from rapport.sales import board_sql
from rapport.sales.currency import CENT, RateBook
from rapport.sales.models import (
    Deal,
    DealStageChange,
    DealStageTotal,
    ExchangeRate,
    Lead,
    Order,
    OrderStatus,
    Pipeline,
    Product,
    ScoringRule,
    Stage,
    StageOutcome,
    WebForm,
)
from rapport.tenancy.models import Workspace

# Enough to work a column; the rest is one click away in the list (a board of 300 cards costs
# more to render than all its queries together).
BOARD_CARDS_PER_STAGE = 25


def pipeline_list() -> QuerySet[Pipeline]:
    return Pipeline.objects.prefetch_related("stages")


def pipeline_get(*, pipeline_id: int) -> Pipeline:
    return Pipeline.objects.get(pk=pipeline_id)


def deal_get(*, deal_id: int) -> Deal:
    return Deal.objects.select_related("stage", "pipeline", "owner", "company").get(pk=deal_id)


# What a page's board card shows (`sales.board_cards`), read as plain values: 150 cards as
# deal, owner and company instances cost more CPU than all of the board's queries
# (docs/performance.md, "Sales, fourth round" and "sixth round"). The API reads the columns
# of its own card schema the same way.
CARD_COLUMNS = (
    "id",
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "outcome",
    "stage_id",
    "owner_id",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "company__name",
    "position",
)


@dataclass(slots=True)
class BoardCard:
    """A deal as its board card shows it; `owner_name` is the full name, else the username
    (as `User.get_full_name`), empty without an owner."""

    pk: int
    name: str
    amount: Decimal
    currency: str
    expected_close_date: dt.date | None
    outcome: str
    stage: Stage
    owner_id: int | None
    owner_name: str
    company_name: str | None


def _board_card(row: tuple[Any, ...], stage: Stage) -> BoardCard:
    # SQLite's rows end with the window's rank as well.
    pk, name, amount, currency, close, outcome, _, owner_id, first, last, username, firm, *_ = row
    owner_name = (f"{first} {last}".strip() or username) if owner_id is not None else ""
    return BoardCard(pk, name, amount, currency, close, outcome, stage, owner_id, owner_name, firm)


def board(
    *,
    workspace: Workspace,
    pipeline: Pipeline,
    owner_id: int | None = None,
    columns: tuple[str, ...] | None = None,
    times_as_json: bool = False,
) -> list[tuple[Stage, list[Any], int, Decimal]]:
    """Each stage with its first cards (by board position), its deal count and its amount in
    the base currency, converted at the latest rate (the deals are not closed: no rate of
    their closing day exists yet). A currency without any rate is a ServiceValidationError.

    Without `columns` the cards are `BoardCard`s: what a page's card shows, the owner's
    name and the company's name included, each card's `stage` the pipeline's stage, not read
    again. With `columns` (which must name `id`, `stage_id` and `position`: the order) they
    are the `values_list` rows of those columns of the deal (the API's cards): plain rows
    cost a fraction of the CPU of model instances (docs/performance.md, "Sales, seventh
    round"). `times_as_json` (with `columns`): on PostgreSQL the deal's days and times come
    as the text the API's JSON holds (`board_sql`); elsewhere they stay days and times.

    Three queries whatever the number of stages (the stages when not prefetched, the counts
    and totals, the cards), plus the exchange rates."""
    stages = sorted(pipeline.stages.all(), key=lambda s: (s.position, s.pk))
    book = RateBook(workspace)
    today = timezone.now().date()
    totals: dict[int, tuple[int, Decimal]] = {}
    for row in stage_totals(pipeline=pipeline, owner_id=owner_id):
        n, total = totals.get(row["stage_id"], (0, Decimal(0)))
        converted = book.to_base(row["total"] or Decimal(0), row["currency"], today)
        totals[row["stage_id"]] = (n + row["n"], total + converted)
    by_id = {stage.pk: stage for stage in stages}
    cards: dict[int, list[Any]] = {stage.pk: [] for stage in stages}
    rows = _card_rows(
        workspace=workspace,
        pipeline=pipeline,
        owner_id=owner_id,
        stage_ids=list(by_id),
        columns=CARD_COLUMNS if columns is None else columns,
        times_as_json=times_as_json and columns is not None,
    )
    if columns is None:
        for row in rows:
            stage = by_id[row[6]]
            cards[stage.pk].append(_board_card(row, stage))
    else:
        at = columns.index("stage_id")
        for row in rows:
            cards[row[at]].append(row)
    return [(stage, cards[stage.pk], *totals.get(stage.pk, (0, Decimal(0)))) for stage in stages]


def stage_totals(*, pipeline: Pipeline, owner_id: int | None = None) -> QuerySet[Any]:
    """The deal count and amount per (stage, currency) of the pipeline, optionally of one
    owner, from the kept sums (`DealStageTotal`): a few rows per stage instead of every deal.
    """
    kept = DealStageTotal.objects.filter(pipeline=pipeline)
    if owner_id is not None:
        kept = kept.filter(owner_key=owner_id)
    return (
        kept.values("stage_id", "currency").annotate(n=Sum("deals"), total=Sum("amount")).order_by()
    )


def _card_rows(
    *,
    workspace: Workspace,
    pipeline: Pipeline,
    owner_id: int | None,
    stage_ids: list[int],
    columns: tuple[str, ...],
    times_as_json: bool,
) -> list[Any]:
    """The board's first cards as `values_list(*columns)` rows in board order: on PostgreSQL
    from the statement `board_sql` writes once per process (the ORM compiled it on every
    request: a third of the API board's CPU), elsewhere through the ORM."""
    if board_sql.applies():
        return board_sql.first_cards_rows(
            workspace_id=workspace.pk,
            pipeline_id=pipeline.pk,
            stage_ids=stage_ids,
            owner_id=owner_id,
            columns=columns,
            per_stage=BOARD_CARDS_PER_STAGE,
            times_as_json=times_as_json,
        )
    deals = Deal.objects.filter(pipeline=pipeline)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    return _first_cards(deals.values_list(*columns), stage_ids, BOARD_CARDS_PER_STAGE)


def _first_cards(deals: QuerySet[Any], stage_ids: list[int], per_stage: int) -> list[Any]:
    """The first `per_stage` deals (or their `values_list` rows) of every stage in board
    order, in one query.

    PostgreSQL: one LIMIT per stage, joined by UNION ALL, each a short scan of `deal_board_idx`
    (a window function numbers every deal of the pipeline first: 1.5 s over 100,000 deals).
    SQLite cannot limit the parts of a UNION: there a window function numbers the deals.
    """
    if not stage_ids:
        return []
    ordered = deals.order_by("position", "id")
    if connection.features.supports_slicing_ordering_in_compound:
        first, *rest = [ordered.filter(stage_id=pk)[:per_stage] for pk in stage_ids]
        return list(first.union(*rest, all=True).order_by("stage_id", "position", "id"))
    ranked = ordered.annotate(
        board_rank=Window(
            RowNumber(), partition_by=[F("stage_id")], order_by=[F("position"), F("id")]
        )
    )
    return list(ranked.filter(board_rank__lte=per_stage))


def purchase_history(
    *, contact_id: int | None = None, company_id: int | None = None
) -> QuerySet[Order]:
    qs = Order.objects.prefetch_related(Prefetch("lines"))
    if contact_id is not None:
        qs = qs.filter(contact_id=contact_id)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    return qs.order_by("-ordered_at", "-id")


def lifetime_revenue(
    *, workspace: Workspace, contact_id: int | None = None, company_id: int | None = None
) -> Decimal:
    """Paid and fulfilled orders, each converted to the base currency at its order date."""
    total, _ = lifetime_revenue_and_conversion(
        workspace=workspace, contact_id=contact_id, company_id=company_id
    )
    return total


def lifetime_revenue_and_conversion(
    *, workspace: Workspace, contact_id: int | None = None, company_id: int | None = None
) -> tuple[Decimal, bool]:
    """`lifetime_revenue`, and whether an order it counts was in another currency than the
    base: then the total is converted at each order date's rate, not what the customer paid.
    Both from the one grouped query."""
    groups = _counted_groups(purchase_history(contact_id=contact_id, company_id=company_id))
    converted = any(g["currency"] != workspace.base_currency for g in groups)
    return _groups_in_base(RateBook(workspace), groups), converted


def _counted_groups(orders: QuerySet[Order]) -> list[dict[str, Any]]:
    """The paid and fulfilled of `orders`, summed per currency and day in SQL."""
    return list(
        orders.filter(status__in=[OrderStatus.PAID, OrderStatus.FULFILLED])
        .order_by()
        .annotate(day=TruncDate("ordered_at"))
        .values("currency", "day")
        .annotate(total=Sum("total"))
    )


def _groups_in_base(rates: RateBook, groups: list[dict[str, Any]]) -> Decimal:
    return sum((rates.to_base(g["total"], g["currency"], g["day"]) for g in groups), Decimal(0))


def revenue_in_base(
    *, workspace: Workspace, orders: QuerySet[Order], book: RateBook | None = None
) -> Decimal:
    """The paid and fulfilled of `orders`, summed per currency and day in SQL, then each sum
    converted at that day's rate (so a million orders cost a few thousand conversions).
    `book`: the caller's rate book of the workspace, reused rather than loaded again."""
    return _groups_in_base(book or RateBook(workspace), _counted_groups(orders))


# --- lists and lookups for the API: cursor pages, fetched within the caller's workspace -------

NEWEST_FIRST = [SortKey("created_at", True)]


@dataclass
class LeadFilter:
    status: str = ""
    owner_id: int | None = None
    source: str = ""
    q: str = ""
    campaign_id: int | None = None


def lead_list(*, f: LeadFilter, cursor: str | None = None, limit: int = 50) -> Page[Lead]:
    """Newest first."""
    return paginate(lead_queryset(f=f), keys=NEWEST_FIRST, cursor=cursor, limit=limit)


def lead_queryset(*, f: LeadFilter) -> QuerySet[Lead]:
    """`q` matches the start of a name, the email or the company name."""
    qs = Lead.objects.all()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.owner_id is not None:
        qs = qs.filter(owner_id=f.owner_id)
    if f.source:
        qs = qs.filter(source__iexact=f.source)
    if f.campaign_id is not None:
        qs = qs.filter(campaign_id=f.campaign_id)
    text = f.q.strip()
    if text:
        qs = qs.filter(
            Q(first_name__istartswith=text)
            | Q(last_name__istartswith=text)
            | Q(email__istartswith=text)
            | Q(company_name__istartswith=text)
        )
    return qs


def lead_get(*, lead_id: int) -> Lead:
    return Lead.objects.select_related(
        "campaign", "converted_contact", "converted_company", "converted_deal"
    ).get(pk=lead_id)


def web_form_list() -> QuerySet[WebForm]:
    return WebForm.objects.select_related("static_list").order_by("name", "id")


def web_form_get(*, form_id: int) -> WebForm:
    return WebForm.objects.get(pk=form_id)


def scoring_rule_list() -> QuerySet[ScoringRule]:
    return ScoringRule.objects.all()


def scoring_rule_get(*, rule_id: int) -> ScoringRule:
    return ScoringRule.objects.get(pk=rule_id)


@dataclass
class DealFilter:
    q: str = ""
    pipeline_id: int | None = None
    stage_id: int | None = None
    owner_id: int | None = None
    outcome: str = ""
    company_id: int | None = None
    campaign_id: int | None = None
    expected_close_after: dt.date | None = None
    expected_close_before: dt.date | None = None


ZERO = Decimal(0)

# The deal list's orders; "amount" compares amounts as written, whatever their currency.
DEAL_SORTS: dict[str, list[SortKey]] = {
    f"{sign}{name}": [SortKey(column, sign == "-")]
    for name, column in [
        ("name", "name"),
        ("amount", "amount"),
        ("close", "expected_close_date"),
        ("created", "created_at"),
        ("updated", "updated_at"),
    ]
    for sign in ("", "-")
}


def deal_list(
    *, f: DealFilter, sort: str = "-created", cursor: str | None = None, limit: int = 50
) -> Page[Deal]:
    """Newest first unless sorted otherwise. The close range is [after, before): `before` is
    the first day left out."""
    if sort not in DEAL_SORTS:
        raise ServiceValidationError.single("sort", f"must be one of {', '.join(DEAL_SORTS)}")
    return paginate(deal_queryset(f=f), keys=DEAL_SORTS[sort], cursor=cursor, limit=limit)


def deal_totals(*, f: DealFilter) -> list[dict[str, object]]:
    """The filtered deals' count and amount per currency (amounts in different currencies are
    not added up here; the forecast converts)."""
    rows = (
        deal_queryset(f=f)
        .order_by()
        .values("currency")
        .annotate(deals=Count("id"), amount=Sum("amount"))
        .order_by("currency")
    )
    return list(rows)


def deal_total_in_base(*, f: DealFilter, book: RateBook) -> Decimal:
    """The filtered deals' amount in the base currency, valued as the forecast values them
    (`RateBook.deals_to_base`: a closed deal at the rate of the day it closed, an open one at
    the latest known rate). Summed in SQL per (currency, close day) first, so only those
    groups are converted."""
    rows = (
        deal_queryset(f=f)
        .order_by()
        .annotate(day=TruncDate("closed_at"))
        .values("currency", "day")
        .annotate(amount=Sum("amount"))
    )
    groups = ((r["amount"] or ZERO, r["currency"], r["day"]) for r in rows)
    return sum(book.deals_to_base(groups), ZERO).quantize(CENT)


def deal_queryset(*, f: DealFilter) -> QuerySet[Deal]:
    qs = Deal.objects.select_related("stage", "owner", "company")
    if f.q.strip():
        qs = qs.filter(name__icontains=f.q.strip())
    for name in ("pipeline_id", "stage_id", "owner_id", "company_id", "campaign_id"):
        value = getattr(f, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.expected_close_after:
        qs = qs.filter(expected_close_date__gte=f.expected_close_after)
    if f.expected_close_before:
        qs = qs.filter(expected_close_date__lt=f.expected_close_before)
    return qs


def deal_detail(*, deal_id: int) -> Deal:
    """A deal with its contacts and roles, its lines, and its stage history, oldest first."""
    return (
        Deal.objects.select_related("stage")
        .prefetch_related(
            "contact_links",
            "lines",
            Prefetch(
                "stage_changes", queryset=DealStageChange.objects.order_by("changed_at", "id")
            ),
        )
        .get(pk=deal_id)
    )


PRODUCTS_BY_NAME = [SortKey("name", False)]


def product_list(
    *, active: bool | None = None, cursor: str | None = None, limit: int = 50
) -> Page[Product]:
    qs = Product.objects.prefetch_related("prices")
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs, keys=PRODUCTS_BY_NAME, cursor=cursor, limit=limit)


def product_get(*, product_id: int) -> Product:
    return Product.objects.prefetch_related("prices").get(pk=product_id)


@dataclass
class OrderFilter:
    contact_id: int | None = None
    company_id: int | None = None
    status: str = ""
    channel: str = ""
    external_id: str = ""
    q: str = ""
    ordered_after: dt.datetime | None = None
    ordered_before: dt.datetime | None = None


ORDERS_NEWEST_FIRST = [SortKey("ordered_at", True)]


def order_list(*, f: OrderFilter, cursor: str | None = None, limit: int = 50) -> Page[Order]:
    """Most recent first: the purchase history of a contact or company when filtered so."""
    qs = order_queryset(f=f).select_related("contact", "company")
    return paginate(qs, keys=ORDERS_NEWEST_FIRST, cursor=cursor, limit=limit)


def order_queryset(*, f: OrderFilter) -> QuerySet[Order]:
    qs = purchase_history(contact_id=f.contact_id, company_id=f.company_id)
    for name in ("status", "channel", "external_id"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{name: value})
    if f.q:
        qs = qs.filter(external_id__icontains=f.q.strip())
    if f.ordered_after:
        qs = qs.filter(ordered_at__gte=f.ordered_after)
    if f.ordered_before:
        qs = qs.filter(ordered_at__lt=f.ordered_before)
    return qs


def order_get(*, order_id: int) -> Order:
    return Order.objects.prefetch_related("lines").get(pk=order_id)


def exchange_rate_list(
    *, currency: str = "", cursor: str | None = None, limit: int = 50
) -> Page[ExchangeRate]:
    """Newest day first."""
    qs = ExchangeRate.objects.all()
    if currency:
        qs = qs.filter(currency=currency.upper())
    return paginate(qs, keys=[SortKey("day", True)], cursor=cursor, limit=limit)


@dataclass
class RecordDeals:
    """A contact's or company's deals for its page: open ones soonest to close first, then
    the latest closed, each list cut at its limit with its full count beside it."""

    open: list[Deal]
    open_count: int
    closed: list[Deal]
    closed_count: int


def record_deals(
    *, contact_id: int | None = None, company_id: int | None = None, limit: int = 10
) -> RecordDeals:
    qs = Deal.objects.select_related("stage")
    if contact_id is not None:
        qs = qs.filter(contact_links__contact_id=contact_id)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    open_deals = qs.filter(outcome=StageOutcome.OPEN)
    closed = qs.exclude(outcome=StageOutcome.OPEN)
    return RecordDeals(
        open=list(open_deals.order_by(F("expected_close_date").asc(nulls_last=True), "id")[:limit]),
        open_count=open_deals.count(),
        closed=list(closed.order_by(F("closed_at").desc(nulls_last=True), "-id")[: limit // 2]),
        closed_count=closed.count(),
    )
