"""Reads for sales: the board, purchase history, and the figures forecasts and KPIs use."""

from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDate

from rapport.sales.currency import RateBook
from rapport.sales.models import Deal, Order, OrderStatus, Pipeline, Stage
from rapport.tenancy.models import Workspace

BOARD_CARDS_PER_STAGE = 50


def pipeline_list() -> QuerySet[Pipeline]:
    return Pipeline.objects.prefetch_related("stages")


def pipeline_get(*, pipeline_id: int) -> Pipeline:
    return Pipeline.objects.get(pk=pipeline_id)


def deal_get(*, deal_id: int) -> Deal:
    return Deal.objects.select_related("stage", "pipeline", "owner", "company").get(pk=deal_id)


def board(
    *, pipeline: Pipeline, owner_id: int | None = None
) -> list[tuple[Stage, list[Deal], int, Decimal]]:
    """Each stage with its first cards (by board position), its deal count and amount total.

    Totals are per currency-agnostic sum of amounts in the deals' own currencies only when
    one currency is used; the board shows counts and the cards, the forecast does the money.
    """
    stages = list(pipeline.stages.order_by("position", "id"))
    deals = Deal.objects.filter(pipeline=pipeline)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    totals = {
        row["stage_id"]: (row["n"], row["total"] or Decimal(0))
        for row in deals.values("stage_id").annotate(n=Count("id"), total=Sum("amount"))
    }
    out = []
    for stage in stages:
        cards = list(
            deals.filter(stage=stage)
            .select_related("owner", "company")
            .order_by("position", "id")[:BOARD_CARDS_PER_STAGE]
        )
        n, total = totals.get(stage.pk, (0, Decimal(0)))
        out.append((stage, cards, n, total))
    return out


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
    qs = purchase_history(contact_id=contact_id, company_id=company_id).filter(
        status__in=[OrderStatus.PAID, OrderStatus.FULFILLED]
    )
    rows = (
        qs.order_by()
        .annotate(day=TruncDate("ordered_at"))
        .values("currency", "day")
        .annotate(total=Sum("total"))
    )
    book = RateBook(workspace)
    return sum((book.to_base(r["total"], r["currency"], r["day"]) for r in rows), Decimal(0))
