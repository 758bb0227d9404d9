"""Writes on pipelines, deals, products, orders and exchange rates."""

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_change, audited_delete, non_empty, snapshot
from rapport.contacts.models import Company, Contact
from rapport.contacts.services import (
    Actor,
    Data,
    _Collector,
    _external_id,
    _owner,
    _text,
    _unknown_keys,
)
from rapport.core.errors import ServiceValidationError
from rapport.core.money import AMOUNT_LIMIT, amount_clean, currency_clean
from rapport.sales.campaign_link import campaign_id_clean
from rapport.sales.models import (
    ContactRole,
    Deal,
    DealContact,
    DealLine,
    DealStageChange,
    ExchangeRate,
    ForecastCategory,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Pipeline,
    Product,
    ProductPrice,
    Stage,
    StageOutcome,
)
from rapport.tenancy.data_version import data_changed
from rapport.tenancy.models import Workspace

# --- exchange rates ------------------------------------------------------------------------


# The rate column keeps 20 digits, 10 of them after the point; one whole digit is kept in
# reserve for SQLite's floats, as for amounts (`core.money`).
RATE_WHOLE_DIGITS = 9


def exchange_rate_set(
    *, workspace: Workspace, actor: Actor, currency: str, day: dt.date, rate: Any
) -> ExchangeRate:
    currency = currency_clean(currency)
    if currency == workspace.base_currency:
        raise ServiceValidationError.single("currency", "the base currency has no rate")
    try:
        value = Decimal(str(rate))
    except ArithmeticError as exc:
        raise ServiceValidationError.single("rate", "must be a decimal number") from exc
    if not value.is_finite() or value <= 0:
        raise ServiceValidationError.single("rate", "must be greater than 0")
    if value >= Decimal(10) ** RATE_WHOLE_DIGITS:
        raise ServiceValidationError.single(
            "rate", f"at most {RATE_WHOLE_DIGITS} digits before the decimal point"
        )
    with transaction.atomic():
        existing = ExchangeRate.objects.filter(currency=currency, day=day).first()
        before = snapshot(existing, ["currency", "day", "rate"]) if existing else {}
        obj, created = ExchangeRate.objects.update_or_create(
            workspace=workspace, currency=currency, day=day, defaults={"rate": value}
        )
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            instance=obj,
            before=before,
            after=snapshot(obj, ["currency", "day", "rate"]),
        )
    return obj


# --- pipelines and stages ------------------------------------------------------------------

STAGE_FIELDS = ["name", "probability", "outcome"]


def _stages_clean(stages: Any, c: _Collector) -> list[dict[str, Any]]:
    if not isinstance(stages, list) or not stages:
        c.add("stages", "a pipeline needs at least one stage")
        return []
    out = []
    names: set[str] = set()
    for i, raw in enumerate(stages):
        if not isinstance(raw, dict):
            c.add(f"stages.{i}", "must be an object")
            continue
        name = str(raw.get("name") or "").strip()
        if not name or len(name) > 100:
            c.add(f"stages.{i}.name", "is required (at most 100 characters)")
        elif name.lower() in names:
            c.add(f"stages.{i}.name", f"'{name}' appears twice")
        names.add(name.lower())
        outcome = raw.get("outcome", StageOutcome.OPEN)
        if outcome not in StageOutcome.values:
            c.add(f"stages.{i}.outcome", "must be open, won or lost")
        default = {"won": 100, "lost": 0}.get(outcome)
        try:
            probability = Decimal(str(raw.get("probability", default)))
            if not 0 <= probability <= 100:
                raise ValueError
        except (ArithmeticError, ValueError):
            c.add(f"stages.{i}.probability", "must be a number from 0 to 100")
            probability = Decimal(0)
        out.append({"name": name, "probability": probability, "outcome": outcome, "position": i})
    outcomes = {s["outcome"] for s in out}
    if out and not {"won", "lost"} <= outcomes:
        c.add("stages", "a pipeline needs a won stage and a lost stage")
    return out


def pipeline_create(
    *, workspace: Workspace, actor: Actor, name: str, stages: list[dict[str, Any]]
) -> Pipeline:
    """A pipeline with its ordered stages; the stages must include a won and a lost stage."""
    c = _Collector()
    name = (name or "").strip()
    if not name:
        c.add("name", "is required")
    elif Pipeline.objects.filter(name__iexact=name).exists():
        c.add("name", f"a pipeline named '{name}' exists already")
    cleaned = _stages_clean(stages, c)
    c.raise_if_any()
    with transaction.atomic():
        position = (Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1
        pipeline = Pipeline.objects.create(workspace=workspace, name=name, position=position)
        Stage.objects.bulk_create(
            Stage(workspace=workspace, pipeline=pipeline, **s) for s in cleaned
        )
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=pipeline,
            before={},
            after={"name": name, "stages": [s["name"] for s in cleaned]},
        )
    return pipeline


# --- deals ---------------------------------------------------------------------------------

DEAL_FIELDS = [
    "name",
    "external_id",
    "amount",
    "currency",
    "expected_close_date",
    "pipeline_id",
    "stage_id",
    "owner_id",
    "company_id",
    "contacts",
    "forecast_category",
    "lost_reason",
    "next_step",
    "lines",
    "campaign_id",
]
DEAL_AUDITED = [
    "name",
    "external_id",
    "amount",
    "currency",
    "expected_close_date",
    "pipeline",
    "stage",
    "owner",
    "company",
    "forecast_category",
    "lost_reason",
    "next_step",
    "campaign",
]


def _date(value: Any, name: str, c: _Collector) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        c.add(name, f"'{value}' is not a date (YYYY-MM-DD)")
        return None


def _deal_contacts(value: Any, c: _Collector) -> list[tuple[int, str]] | None:
    """`[{"id": 3, "role": "decision_maker"}, ...]` or plain ids."""
    if not isinstance(value, list):
        c.add("contacts", "must be a list")
        return None
    out: list[tuple[int, str]] = []
    for i, item in enumerate(value):
        cid, role = (item.get("id"), item.get("role", "")) if isinstance(item, dict) else (item, "")
        if not isinstance(cid, int) or isinstance(cid, bool):
            c.add(f"contacts.{i}.id", "must be a contact id")
        elif role and role not in ContactRole.values:
            c.add(f"contacts.{i}.role", f"must be one of {', '.join(ContactRole.values)}")
        else:
            out.append((cid, role or ""))
    ids = [cid for cid, _ in out]
    found = set(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for cid in ids:
        if cid not in found:
            c.add("contacts", f"no such contact: {cid}")
    return out


# Deal and order line quantities are stored in 12 digits, 3 of them after the point; like
# amounts (`core.money`), one whole digit is kept in reserve for SQLite's floats.
QUANTITY_WHOLE_DIGITS = 8


def _lines_total(lines: list[dict[str, Any]], c: _Collector) -> Decimal | None:
    """What the lines add up to, or None when a line was refused (the collector says why) or
    the sum is longer than an amount column holds."""
    if any(ln["quantity"] is None or ln["unit_price"] is None for ln in lines):
        return None
    total = sum((ln["quantity"] * ln["unit_price"] for ln in lines), Decimal(0))
    if total >= AMOUNT_LIMIT:
        c.add("lines", "the lines add up to more than an amount can hold")
        return None
    return total.quantize(Decimal("0.01"))


def _deal_lines(value: Any, currency: str | None, c: _Collector) -> list[dict[str, Any]] | None:
    """`[{"product_id": 1, "quantity": "2", "unit_price": "9.50"?}]`; price from the catalogue."""
    if not isinstance(value, list):
        c.add("lines", "must be a list")
        return None
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            c.add(f"lines.{i}", "must be an object")
            continue
        product = Product.objects.filter(pk=item.get("product_id")).first()
        if product is None:
            c.add(f"lines.{i}.product_id", "no such product")
            continue
        quantity = c.run(
            partial(
                amount_clean,
                item.get("quantity", 1),
                field=f"lines.{i}.quantity",
                whole_digits=QUANTITY_WHOLE_DIGITS,
            )
        )
        if "unit_price" in item:
            price = c.run(partial(amount_clean, item["unit_price"], field=f"lines.{i}.unit_price"))
        else:
            price_row = product.prices.filter(currency=currency).first()
            if price_row is None:
                c.add(f"lines.{i}.unit_price", f"the product has no {currency} price; give one")
                continue
            price = price_row.unit_price
        out.append({"product": product, "quantity": quantity, "unit_price": price})
    return out


def _deal_clean(*, workspace: Workspace, data: Data, deal: Deal | None) -> Data:
    c = _Collector()
    _unknown_keys(data, DEAL_FIELDS, c)
    clean: Data = {}
    for name, limit in (("name", 200), ("lost_reason", 200), ("next_step", 200)):
        if name in data:
            clean[name] = _text(data, name, limit, c)
    if deal is None and not clean.get("name"):
        c.add("name", "is required")
    if "external_id" in data:
        clean["external_id"] = _external_id(workspace, Deal, data, deal, c)
    if "amount" in data:
        clean["amount"] = c.run(lambda: amount_clean(data["amount"], field="amount"))
    if "currency" in data or deal is None:
        raw = data.get("currency") or workspace.base_currency
        clean["currency"] = c.run(lambda: currency_clean(raw))
    if "expected_close_date" in data:
        clean["expected_close_date"] = _date(data["expected_close_date"], "expected_close_date", c)
    pipeline = deal.pipeline if deal else None
    if "pipeline_id" in data:
        pipeline = Pipeline.objects.filter(pk=data["pipeline_id"]).first()
        if pipeline is None:
            c.add("pipeline_id", "no such pipeline")
    elif deal is None:
        pipeline = Pipeline.objects.order_by("position", "id").first()
        if pipeline is None:
            c.add("pipeline_id", "the workspace has no pipeline yet")
    if pipeline is not None:
        clean["pipeline"] = pipeline
        stage_id = data.get("stage_id", deal.stage_id if deal else None)
        stages = pipeline.stages.all()
        stage = stages.filter(pk=stage_id).first() if stage_id else None
        if stage_id and stage is None:
            c.add("stage_id", "is not a stage of the deal's pipeline")
        elif stage is None:
            stage = stages.order_by("position", "id").first()
        clean["stage"] = stage
        lost_reason = clean.get("lost_reason", deal.lost_reason if deal else "")
        moving = stage is not None and (deal is None or stage.pk != deal.stage_id)
        if moving and stage and stage.outcome == StageOutcome.LOST and not lost_reason:
            c.add("lost_reason", "is required to mark a deal lost")
    if "owner_id" in data:
        clean["owner_id"] = _owner(workspace, data, c)
    if "campaign_id" in data:
        clean["campaign_id"] = campaign_id_clean(workspace, data["campaign_id"], c)
    if "company_id" in data:
        company_id = data["company_id"]
        if company_id is not None and not Company.objects.filter(pk=company_id).exists():
            c.add("company_id", "no such company")
        clean["company_id"] = company_id
    if "forecast_category" in data:
        if data["forecast_category"] not in ForecastCategory.values:
            c.add("forecast_category", f"must be one of {', '.join(ForecastCategory.values)}")
        clean["forecast_category"] = data["forecast_category"]
    if "contacts" in data:
        clean["contacts"] = _deal_contacts(data["contacts"], c)
    if "lines" in data:
        currency = clean.get("currency") or (deal.currency if deal else None)
        clean["lines"] = _deal_lines(data["lines"], currency, c)
        if clean["lines"] and "amount" not in data:
            clean["amount"] = _lines_total(clean["lines"], c)
    c.raise_if_any()
    return clean


def _deal_snapshot(deal: Deal) -> dict[str, Any]:
    snap = snapshot(deal, DEAL_AUDITED)
    snap["contacts"] = sorted(
        [cid, role] for cid, role in deal.contact_links.values_list("contact_id", "role")
    )
    snap["lines"] = [
        [ln.product_id, str(ln.quantity), str(ln.unit_price)] for ln in deal.lines.order_by("id")
    ]
    return snap


def _deal_apply(*, workspace: Workspace, deal: Deal, clean: Data, actor: Actor) -> None:
    now = timezone.now()
    new_stage: Stage | None = clean.get("stage")
    stage_changed = new_stage is not None and new_stage.pk != deal.stage_id
    previous_stage_id = deal.stage_id
    for name, value in clean.items():
        if name not in ("contacts", "lines"):
            setattr(deal, name, value)
    if stage_changed and new_stage is not None:
        deal.outcome = new_stage.outcome
        deal.stage_entered_at = deal.last_activity_at = now
        deal.closed_at = now if new_stage.outcome != StageOutcome.OPEN else None
    deal.workspace = workspace
    creating = deal._state.adding
    deal.save()
    if stage_changed and new_stage is not None:
        DealStageChange.objects.create(
            workspace=workspace,
            deal=deal,
            from_stage_id=None if creating else previous_stage_id,
            to_stage=new_stage,
            changed_at=now,
            actor_id=getattr(actor, "pk", None),
        )
    if "contacts" in clean:
        deal.contact_links.all().delete()
        DealContact.objects.bulk_create(
            DealContact(workspace=workspace, deal=deal, contact_id=cid, role=role)
            for cid, role in clean["contacts"]
        )
    if "lines" in clean:
        deal.lines.all().delete()
        DealLine.objects.bulk_create(
            DealLine(workspace=workspace, deal=deal, **ln) for ln in clean["lines"]
        )


def deal_create(*, workspace: Workspace, actor: Actor, data: Data) -> Deal:
    clean = _deal_clean(workspace=workspace, data=data, deal=None)
    with transaction.atomic():
        now = timezone.now()
        deal = Deal(workspace=workspace, stage_entered_at=now, last_activity_at=now)
        _deal_apply(workspace=workspace, deal=deal, clean=clean, actor=actor)
        after = {k: v for k, v in _deal_snapshot(deal).items() if v not in ("", None, [])}
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=deal,
            before={},
            after=after,
        )
        _after_stage_change(workspace=workspace, actor=actor, deal=deal)
    return deal


def deal_update(*, workspace: Workspace, actor: Actor, deal: Deal, data: Data) -> Deal:
    clean = _deal_clean(workspace=workspace, data=data, deal=deal)
    with transaction.atomic():
        before = _deal_snapshot(deal)
        was_won = deal.outcome == StageOutcome.WON
        _deal_apply(workspace=workspace, deal=deal, clean=clean, actor=actor)
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=deal,
            before=before,
            after=_deal_snapshot(deal),
        )
        if not was_won:
            _after_stage_change(workspace=workspace, actor=actor, deal=deal)
    return deal


def deal_move(
    *,
    workspace: Workspace,
    actor: Actor,
    deal: Deal,
    stage_id: int,
    position: float | None = None,
    lost_reason: str = "",
) -> Deal:
    """Move a deal to a stage of its pipeline (the kanban drag) and to its place on the board,
    both or neither. A place is board layout, not audited, but it changes what the board
    shows: it raises the workspace's data version itself (`sales.kept`)."""
    data: Data = {"stage_id": stage_id}
    if lost_reason:
        data["lost_reason"] = lost_reason
    with transaction.atomic():
        deal = deal_update(workspace=workspace, actor=actor, deal=deal, data=data)
        if position is not None:
            Deal.objects.filter(pk=deal.pk).update(position=position)
            deal.position = position
            data_changed(workspace_id=workspace.pk)
    return deal


def deal_delete(*, workspace: Workspace, actor: Actor, deal: Deal) -> None:
    with transaction.atomic():
        Order.objects.filter(deal=deal).update(deal=None)
        audited_delete(
            workspace_id=workspace.pk,
            actor=actor,
            instance=deal,
            before=non_empty(_deal_snapshot(deal)),
        )


def _after_stage_change(*, workspace: Workspace, actor: Actor, deal: Deal) -> None:
    """A deal that reaches a won stage becomes an order, once."""
    if deal.outcome != StageOutcome.WON or Order.objects.filter(deal=deal).exists():
        return
    contact_id = deal.contact_links.order_by("id").values_list("contact_id", flat=True).first()
    lines = [
        {
            "product_id": ln.product_id,
            "sku": ln.product.sku,
            "description": ln.product.name,
            "quantity": ln.quantity,
            "unit_price": ln.unit_price,
        }
        for ln in deal.lines.select_related("product")
    ] or [{"description": deal.name, "quantity": Decimal(1), "unit_price": deal.amount}]
    _order_write(
        workspace=workspace,
        actor=actor,
        order=Order(workspace=workspace),
        clean={
            "ordered_at": deal.closed_at or timezone.now(),
            "status": OrderStatus.PAID,
            "channel": OrderChannel.SALES,
            "currency": deal.currency,
            "contact_id": contact_id,
            "company_id": deal.company_id,
            "deal_id": deal.pk,
            "lines": lines,
            "external_id": "",
        },
    )


# --- products ------------------------------------------------------------------------------


PRODUCT_FIELDS = ["sku", "name", "active", "prices"]


def _product_clean(*, data: Data, product: Product | None) -> Data:
    c = _Collector()
    _unknown_keys(data, PRODUCT_FIELDS, c)
    clean: Data = {}
    for name, limit in (("sku", 64), ("name", 200)):
        if name in data or product is None:
            clean[name] = _text(data, name, limit, c) if name in data else ""
            if clean[name] == "":
                c.add(name, "is required")
    sku = clean.get("sku")
    others = Product.objects.exclude(pk=product.pk) if product else Product.objects.all()
    if sku and others.filter(sku=sku).exists():
        c.add("sku", f"'{sku}' exists already")
    if "active" in data:
        clean["active"] = bool(data["active"])
    prices: dict[str, Decimal | None] = {}
    raw_prices = data.get("prices", {})
    if not isinstance(raw_prices, dict):
        c.add("prices", "must map currencies to unit prices")
        raw_prices = {}
    for cur, amount in raw_prices.items():
        code = c.run(partial(currency_clean, cur, field=f"prices.{cur}"))
        if amount is None and product is not None:  # an update drops that currency's price
            prices[code] = None
        elif code:
            prices[code] = c.run(partial(amount_clean, amount, field=f"prices.{cur}"))
    if "prices" in data:
        clean["prices"] = prices
    c.raise_if_any()
    return clean


def _product_snapshot(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "active": product.active,
        "prices": {p.currency: str(p.unit_price) for p in product.prices.order_by("currency")},
    }


def product_create(*, workspace: Workspace, actor: Actor, data: Data) -> Product:
    clean = _product_clean(data=data, product=None)
    prices = clean.pop("prices", {})
    with transaction.atomic():
        product = Product.objects.create(workspace=workspace, **clean)
        ProductPrice.objects.bulk_create(
            ProductPrice(workspace=workspace, product=product, currency=k, unit_price=v)
            for k, v in prices.items()
        )
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=product,
            before={},
            after={k: v for k, v in _product_snapshot(product).items() if k != "active"},
        )
    return product


def product_update(*, workspace: Workspace, actor: Actor, product: Product, data: Data) -> Product:
    """Change the SKU, name or active flag; `prices` sets the given currencies' unit prices
    (null removes that currency's; a currency not given keeps its price)."""
    clean = _product_clean(data=data, product=product)
    prices = clean.pop("prices", {})
    with transaction.atomic():
        before = _product_snapshot(product)
        for name, value in clean.items():
            setattr(product, name, value)
        product.save()
        for currency, unit_price in prices.items():
            if unit_price is None:
                product.prices.filter(currency=currency).delete()
            else:
                ProductPrice.objects.update_or_create(
                    workspace=workspace,
                    product=product,
                    currency=currency,
                    defaults={"unit_price": unit_price},
                )
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=product,
            before=before,
            after=_product_snapshot(product),
        )
    return product


def product_delete(*, workspace: Workspace, actor: Actor, product: Product) -> None:
    """Delete a product no deal line uses (orders keep their lines' SKU and description)."""
    if DealLine.objects.filter(product=product).exists():
        raise ServiceValidationError.single(
            "product", f"'{product.sku}' is on deals' line items; deactivate it instead"
        )
    audited_delete(
        workspace_id=workspace.pk,
        actor=actor,
        instance=product,
        before=non_empty(_product_snapshot(product)),
    )


# --- orders --------------------------------------------------------------------------------

ORDER_FIELDS = [
    "external_id",
    "ordered_at",
    "status",
    "channel",
    "currency",
    "contact_id",
    "company_id",
    "lines",
]
ORDER_AUDITED = [
    "external_id",
    "ordered_at",
    "status",
    "channel",
    "currency",
    "total",
    "contact",
    "company",
]


def _order_lines(value: Any, c: _Collector) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        c.add("lines", "an order needs at least one line")
        return []
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            c.add(f"lines.{i}", "must be an object")
            continue
        product = None
        sku = str(item.get("sku") or "").strip()[:64]
        if item.get("product_id") is not None:
            product = Product.objects.filter(pk=item["product_id"]).first()
            if product is None:
                c.add(f"lines.{i}.product_id", "no such product")
        elif sku:
            product = Product.objects.filter(sku=sku).first()
        quantity = c.run(
            partial(
                amount_clean,
                item.get("quantity", 1),
                field=f"lines.{i}.quantity",
                whole_digits=QUANTITY_WHOLE_DIGITS,
            )
        )
        price = c.run(partial(amount_clean, item.get("unit_price"), field=f"lines.{i}.unit_price"))
        out.append(
            {
                "product_id": product.pk if product else None,
                "sku": sku or (product.sku if product else ""),
                "description": str(item.get("description") or (product.name if product else ""))[
                    :200
                ],
                "quantity": quantity,
                "unit_price": price,
            }
        )
    return out


def _order_clean(*, workspace: Workspace, data: Data) -> Data:
    c = _Collector()
    _unknown_keys(data, ORDER_FIELDS, c)
    clean: Data = {"external_id": str(data.get("external_id") or "").strip()[:100]}
    raw_at = data.get("ordered_at")
    if isinstance(raw_at, str):
        try:
            raw_at = dt.datetime.fromisoformat(raw_at)
        except ValueError:
            c.add("ordered_at", f"'{raw_at}' is not an ISO 8601 date-time")
    if raw_at is None:
        raw_at = timezone.now()
    if isinstance(raw_at, dt.datetime):
        clean["ordered_at"] = raw_at if timezone.is_aware(raw_at) else raw_at.replace(tzinfo=dt.UTC)
    status = data.get("status", OrderStatus.PAID)
    if status not in OrderStatus.values:
        c.add("status", f"must be one of {', '.join(OrderStatus.values)}")
    clean["status"] = status
    channel = data.get("channel", OrderChannel.MANUAL)
    if channel not in OrderChannel.values:
        c.add("channel", f"must be one of {', '.join(OrderChannel.values)}")
    clean["channel"] = channel
    clean["currency"] = c.run(
        lambda: currency_clean(data.get("currency") or workspace.base_currency)
    )
    for name, model in (("contact_id", Contact), ("company_id", Company)):
        value = data.get(name)
        if value is not None and not model.objects.filter(pk=value).exists():
            c.add(name, "not found")
        clean[name] = value
    if clean["contact_id"] is None and clean["company_id"] is None:
        c.add("contact_id", "an order belongs to a contact or a company")
    clean["lines"] = _order_lines(data.get("lines"), c)
    _lines_total(clean["lines"], c)
    c.raise_if_any()
    return clean


def _order_write(*, workspace: Workspace, actor: Actor, order: Order, clean: Data) -> Order:
    creating = order._state.adding
    before = {} if creating else snapshot(order, ORDER_AUDITED)
    lines = clean.pop("lines")
    for name, value in clean.items():
        setattr(order, name, value)
    order.total = sum((ln["quantity"] * ln["unit_price"] for ln in lines), Decimal(0)).quantize(
        Decimal("0.01")
    )
    order.workspace = workspace
    order.save()
    if not creating:
        order.lines.all().delete()
    OrderLine.objects.bulk_create(
        OrderLine(
            workspace=workspace,
            order=order,
            line_total=(ln["quantity"] * ln["unit_price"]).quantize(Decimal("0.01")),
            **ln,
        )
        for ln in lines
    )
    after = snapshot(order, ORDER_AUDITED)
    if creating:
        after = {k: v for k, v in after.items() if v not in ("", None)}
    audit_change(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        instance=order,
        before=before,
        after=after,
    )
    return order


def order_upsert(*, workspace: Workspace, actor: Actor, data: Data) -> tuple[Order, bool]:
    """Create an order, or update the one with the same `external_id`: pushes are idempotent.

    Returns (order, created). Two concurrent pushes of one id meet the unique constraint; the
    loser retries as an update.
    """
    clean = _order_clean(workspace=workspace, data=data)
    external_id = clean["external_id"]
    for attempt in range(2):
        try:
            with transaction.atomic():
                existing = (
                    Order.objects.select_for_update().filter(external_id=external_id).first()
                    if external_id
                    else None
                )
                order = _order_write(
                    workspace=workspace,
                    actor=actor,
                    order=existing or Order(workspace=workspace),
                    clean=dict(clean),
                )
                return order, existing is None
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def order_delete(*, workspace: Workspace, actor: Actor, order: Order) -> None:
    audited_delete(
        workspace_id=workspace.pk,
        actor=actor,
        instance=order,
        before=non_empty(snapshot(order, ORDER_AUDITED)),
    )
