"""Conditions on deals and orders: "an open deal in stage Proposal", "bought product X",
"lifetime revenue over 1,000" (in the workspace's base currency).

Amounts are converted in SQL with the same rule as `sales.currency`: the latest rate on or
before the day (an order's date; a won or lost deal's closing day; today for an open deal).
An amount with no rate for its day counts as unknown and is left out of sums, as the reports
refuse to guess it.
"""

from decimal import Decimal
from typing import Any, Literal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce, Now
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from pydantic import Field

from rapport.core.errors import FieldError
from rapport.marketing.conditions.registry import (
    ConditionType,
    Input,
    Params,
    condition_type_register,
)
from rapport.sales.models import (
    DealContact,
    ExchangeRate,
    Order,
    OrderLine,
    OrderStatus,
    Pipeline,
    Product,
    Stage,
)
from rapport.tenancy.models import Workspace

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=10)
REVENUE_STATUSES = [OrderStatus.PAID, OrderStatus.FULFILLED]
AMOUNT_OPS = {"gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}
AMOUNT_CHOICES = [("gt", ">"), ("gte", "≥"), ("lt", "<"), ("lte", "≤")]


def in_base_currency(amount: str, currency: str, day: Any, *, workspace: Workspace) -> Expression:
    """`amount` (a column of the current row, in `currency`) in the base currency at `day`."""
    rate = (
        ExchangeRate.objects.filter(currency=OuterRef(currency), day__lte=day)
        .order_by("-day")
        .values("rate")[:1]
    )
    factor = Case(
        When(**{currency: workspace.base_currency}, then=Value(Decimal(1))),
        default=Subquery(rate, output_field=MONEY),
        output_field=MONEY,
    )
    return F(amount) * factor


class DealParams(Params):
    op: Literal["has", "has_not"] = "has"
    status: Literal["any", "open", "won", "lost"] = "any"
    pipeline_id: int | None = None
    stage_id: int | None = None
    min_amount: Decimal | None = Field(None, ge=0, description="in the base currency")


@condition_type_register
class DealCondition(ConditionType):
    key = "deal"
    label = "Deal"
    params = DealParams

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        errors = []
        if (
            params.pipeline_id is not None
            and not Pipeline.objects.filter(pk=params.pipeline_id).exists()
        ):
            errors.append(FieldError("pipeline_id", "no such pipeline"))
        if params.stage_id is not None:
            stage = Stage.objects.filter(pk=params.stage_id).first()
            if stage is None:
                errors.append(FieldError("stage_id", "no such stage"))
            elif params.pipeline_id is not None and stage.pipeline_id != params.pipeline_id:
                errors.append(FieldError("stage_id", "is not a stage of the pipeline"))
        return params, errors

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        links = DealContact.objects.filter(contact_id=OuterRef("pk"))
        if params.status != "any":
            links = links.filter(deal__outcome=params.status)
        if params.pipeline_id is not None:
            links = links.filter(deal__pipeline_id=params.pipeline_id)
        if params.stage_id is not None:
            links = links.filter(deal__stage_id=params.stage_id)
        if params.min_amount is not None:
            day = Coalesce(OuterRef("deal__closed_at"), Now())
            amount = in_base_currency("deal__amount", "deal__currency", day, workspace=workspace)
            links = links.alias(base_amount=amount).filter(base_amount__gte=params.min_amount)
        return Q(Exists(links)) if params.op == "has" else ~Q(Exists(links))

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        stages = Stage.objects.select_related("pipeline").order_by("pipeline__position", "position")
        return [
            Input("op", "Comparison", [("has", "has"), ("has_not", "has no")]),
            Input(
                "status",
                "Status",
                [("any", "any"), ("open", "open"), ("won", "won"), ("lost", "lost")],
            ),
            Input(
                "stage_id",
                "Stage",
                [("", "any stage"), *[(str(s.pk), f"{s.pipeline.name}: {s.name}") for s in stages]],
            ),
            Input("min_amount", f"Amount at least ({workspace.base_currency})", kind="number"),
        ]


class BoughtParams(Params):
    op: Literal["bought", "not_bought"] = "bought"
    product_id: int


@condition_type_register
class BoughtProductCondition(ConditionType):
    key = "bought_product"
    label = "Bought product"
    params = BoughtParams

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        if not Product.objects.filter(pk=params.product_id).exists():
            return params, [FieldError("product_id", "no such product")]
        return params, []

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        lines = OrderLine.objects.filter(
            order__contact_id=OuterRef("pk"),
            order__status__in=REVENUE_STATUSES,
            product_id=params.product_id,
        )
        return Q(Exists(lines)) if params.op == "bought" else ~Q(Exists(lines))

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        products = Product.objects.order_by("name")
        return [
            Input("op", "Comparison", [("bought", "bought"), ("not_bought", "never bought")]),
            Input(
                "product_id",
                "Product",
                [(str(p.pk), f"{p.name} ({p.sku})") for p in products],
                empty="No products yet — add one first",
            ),
        ]


class RevenueParams(Params):
    op: Literal["gt", "gte", "lt", "lte"] = "gt"
    amount: Decimal = Field(..., ge=0, description="in the workspace's base currency")


@condition_type_register
class LifetimeRevenueCondition(ConditionType):
    key = "lifetime_revenue"
    label = "Lifetime revenue"
    params = RevenueParams

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        per_contact = (
            Order.objects.filter(contact_id=OuterRef("pk"), status__in=REVENUE_STATUSES)
            .order_by()
            .values("contact_id")
            .annotate(
                revenue=Sum(
                    in_base_currency(
                        "total", "currency", OuterRef("ordered_at"), workspace=workspace
                    ),
                    output_field=MONEY,
                )
            )
            .values("revenue")
        )
        revenue = Coalesce(
            Subquery(per_contact, output_field=MONEY), Value(Decimal(0)), output_field=MONEY
        )
        return Q(AMOUNT_OPS[params.op](revenue, params.amount))

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        return [
            Input("op", "Comparison", AMOUNT_CHOICES),
            Input("amount", f"Amount ({workspace.base_currency})", kind="number"),
        ]
