"""Importers for leads, products, deals and orders, written through the sales services.

They join the import framework's registry as the contacts importers do (the sales app's
`ready` imports this module). Column aliases cover Salesforce's and HubSpot's export headers;
names and emails in a row (a stage, a company, a campaign, a contact) are looked up in the
workspace by `import_values`, an owner as every import names a member (`cell_readers`). An
update returns what it overwrote, as JSON, so undo puts it back through the same services.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import models

from rapport.campaigns.models import Campaign
from rapport.contacts.models import Company, Contact
from rapport.contacts.normalise import date_parse, datetime_parse, email_normalise
from rapport.contacts.services import _Collector
from rapport.core.errors import ServiceValidationError
from rapport.data.cell_readers import Members, amount_text, choice, flag
from rapport.data.contact_importers import OWNER_ALIASES, PERSON_NAME
from rapport.data.importers import (
    Actor,
    ImportContext,
    Importer,
    ImportField,
    ImportRow,
    Values,
    external_id_field,
    external_id_match,
    importer_register,
)
from rapport.sales.import_values import campaign_id, company_id, contact_id, jsonable
from rapport.sales.lead_restores import leads_restore
from rapport.sales.leads import (
    SETTABLE_STATUSES,
    lead_create,
    lead_delete,
    lead_disqualify,
    lead_restore,
)
from rapport.sales.leads import lead_update as lead_service_update
from rapport.sales.models import (
    Deal,
    DealLine,
    ForecastCategory,
    Lead,
    LeadStatus,
    Order,
    OrderChannel,
    OrderStatus,
    Pipeline,
    Product,
    Stage,
)
from rapport.sales.services import (
    deal_create,
    deal_delete,
    deal_update,
    order_delete,
    order_upsert,
    product_create,
    product_delete,
    product_update,
)
from rapport.tenancy.models import Workspace

OWNER = ImportField(
    "owner",
    "Owner",
    (
        *OWNER_ALIASES,
        "owner email address",
        "lead owner",
        "lead owner email",
        "deal owner",
        "deal owner email",
        "opportunity owner",
        "opportunity owner email",
        "contact owner",
    ),
)
CURRENCY = ImportField(
    "currency",
    "Currency",
    ("currency code", "currency iso code", "deal currency code", "opportunity currency"),
)
CAMPAIGN = ImportField("campaign", "Campaign", ("campaign name", "utm campaign"))


def _text_values(row: ImportRow, names: list[str]) -> Values:
    return {name: row.first(name) for name in names if row.has(name)}


def _previous(instance: models.Model, data: Values) -> Values:
    return {name: jsonable(getattr(instance, name)) for name in data}


class _ReadRow:
    """Reads a row's cells, gathering every problem: a bad cell's value (None) is left out
    of what the services get, and refuses the row (`ImportContext.refused`)."""

    def __init__(self, ctx: ImportContext, row: ImportRow) -> None:
        self.ctx, self.row, self.c = ctx, row, _Collector()
        self.region = ctx.workspace.default_region

    def read(self, name: str, reader: Callable[[str], Any]) -> Any:
        return self.c.run(lambda: reader(self.row.first(name)))

    def done(self, data: Values) -> Values:
        if not self.c.errors:
            return data
        self.ctx.refused.extend(self.c.errors)
        return {k: v for k, v in data.items() if v is not None}


def _read_campaign(r: _ReadRow, data: Values) -> None:
    """A lead's or deal's campaign column: the workspace's campaign of that name."""
    if r.row.has("campaign"):
        data["campaign_id"] = r.read(
            "campaign", lambda v: campaign_id(r.ctx.workspace, v, field="campaign")
        )


def _read_owner(r: _ReadRow, data: Values) -> None:
    """A lead's or deal's owner column: a member, named as in every import (`Members`)."""
    if r.row.has("owner"):
        members = Members(r.ctx.workspace)
        data["owner_id"] = r.read("owner", lambda v: members.named(v, field="owner"))


# --- leads ---------------------------------------------------------------------------------

LEAD_STATUS_SYNONYMS = {
    "open": LeadStatus.NEW,
    "opennotcontacted": LeadStatus.NEW,
    "workingcontacted": LeadStatus.WORKING,
    "inprogress": LeadStatus.WORKING,
    "attemptedtocontact": LeadStatus.WORKING,
    "connected": LeadStatus.WORKING,
    "badtiming": LeadStatus.NURTURING,
    "opendeal": LeadStatus.QUALIFIED,
    "unqualified": LeadStatus.DISQUALIFIED,
    "closednotconverted": LeadStatus.DISQUALIFIED,
}
LEAD_TEXT = ["external_id", "first_name", "last_name", "job_title", "company_name", "source"]
LEAD_TEXT += ["message", "domain", "email", "phone"]


class LeadImporter(Importer):
    entity = "leads"
    label = "Leads"
    model = Lead
    match_help = "an existing lead with the row's external id, else its email"
    fields = [
        external_id_field("lead id"),
        *PERSON_NAME,
        ImportField("email", "Email", ("email address", "e-mail", "primary email")),
        ImportField("phone", "Phone", ("phone number", "mobile", "mobile phone", "telephone")),
        ImportField("job_title", "Job title", ("title", "position")),
        ImportField("company_name", "Company", ("company name", "account name", "organization")),
        ImportField("domain", "Website", ("domain", "company domain name", "website url")),
        ImportField("source", "Source", ("lead source", "original source")),
        CAMPAIGN,
        ImportField("message", "Message", ("description", "notes", "note")),
        ImportField("status", "Status", ("lead status",)),
        ImportField(
            "disqualify_reason",
            "Disqualify reason (of a disqualified lead)",
            ("disqualification reason", "unqualified reason"),
        ),
        ImportField(
            "campaign_unlinked",
            "Campaign matching none (kept unlinked, on a new lead)",
            ("unlinked campaign",),
        ),
        OWNER,
    ]
    error_fields = {"owner_id": "owner", "disqualify_reason": "status", "campaign_id": "campaign"}

    def match(self, *, workspace: Workspace, row: ImportRow) -> models.Model | None:
        by_id = external_id_match(Lead, workspace=workspace, row=row)
        if by_id is not None or not row.has("email"):
            return by_id
        try:
            email = email_normalise(row.first("email"))
        except ServiceValidationError:
            return None
        return Lead.objects.filter(workspace=workspace, email=email).order_by("pk").first()

    def _data(self, ctx: ImportContext, row: ImportRow) -> tuple[Values, str]:
        """The row's values for the lead services, and the reason a lead the row marks
        disqualified is disqualified for ("" if it is not): a status `lead_disqualify`
        sets, not `lead_update`."""
        r = _ReadRow(ctx, row)
        data = _text_values(row, LEAD_TEXT)
        reason = ""
        if row.has("status"):
            status = r.read(
                "status",
                lambda v: choice(v, LeadStatus, field="status", synonyms=LEAD_STATUS_SYNONYMS),
            )
            if status == LeadStatus.DISQUALIFIED:
                reason = row.first("disqualify_reason")
                if not reason:
                    r.c.add("status", "a disqualified lead needs a disqualify reason")
            elif status is not None and status not in SETTABLE_STATUSES:
                r.c.add("status", f"'{row.first('status')}' cannot be imported as a status")
            else:
                data["status"] = status
        _read_owner(r, data)
        _read_campaign(r, data)
        return r.done(data), reason

    def create(self, *, ctx: ImportContext, row: ImportRow) -> models.Model:
        data, reason = self._data(ctx, row)
        unlinked = "" if "campaign_id" in data else row.first("campaign_unlinked")
        lead = lead_create(
            workspace=ctx.workspace, actor=ctx.actor, data=data, unlinked_campaign=unlinked
        )
        if reason:
            lead_disqualify(workspace=ctx.workspace, actor=ctx.actor, lead=lead, reason=reason)
        return lead

    def update(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        assert isinstance(instance, Lead)
        data, reason = self._data(ctx, row)
        previous = _previous(instance, data)
        if "status" in data or reason:
            previous["status"] = instance.status
            previous["disqualify_reason"] = instance.disqualify_reason
        lead_service_update(workspace=ctx.workspace, actor=ctx.actor, lead=instance, data=data)
        if reason:
            lead_disqualify(workspace=ctx.workspace, actor=ctx.actor, lead=instance, reason=reason)
        return previous

    def restore(
        self, *, workspace: Workspace, actor: Actor, instance: models.Model, previous: Values
    ) -> None:
        assert isinstance(instance, Lead)
        lead_restore(workspace=workspace, actor=actor, lead=instance, data=self._alive(previous))

    def restore_many(
        self, *, workspace: Workspace, actor: Actor, restores: list[tuple[int, Values]]
    ) -> None:
        """In bulk (`lead_restores`): the same leads and audit entries as one by one."""
        restores = [(pk, self._alive(previous)) for pk, previous in restores]
        leads_restore(workspace=workspace, actor=actor, restores=restores)

    @staticmethod
    def _alive(previous: Values) -> Values:
        """What an update replaced, a campaign deleted since left out."""
        values = dict(previous)
        if values.get("campaign_id") and not Campaign.objects.filter(pk=values["campaign_id"]):
            values["campaign_id"] = None  # deleted since
        return values

    def delete(self, *, workspace: Workspace, actor: Actor, instance: models.Model) -> None:
        assert isinstance(instance, Lead)
        lead_delete(workspace=workspace, actor=actor, lead=instance)

    def stored(self, instance: models.Model) -> Values:
        assert isinstance(instance, Lead)
        owner = instance.owner
        return {
            **{name: getattr(instance, name) for name in LEAD_TEXT},
            "status": instance.status,
            "disqualify_reason": instance.disqualify_reason,
            "owner": owner.username if owner else "",
            "campaign": instance.campaign_label,
        }


# --- products ------------------------------------------------------------------------------


class ProductImporter(Importer):
    entity = "products"
    label = "Products"
    model = Product
    match_help = "an existing product with the row's SKU (each row sets one currency's price)"
    error_fields = {"prices": "currency"}
    # A product's further rows (its export's row per price) add their price to it.
    group_field = "sku"
    fields = [
        ImportField("sku", "SKU", ("product code", "item code", "product sku", "item sku")),
        ImportField("name", "Name", ("product name", "product", "item name")),
        ImportField("unit_price", "Unit price", ("list price", "price", "unit cost"), decimal=True),
        CURRENCY,
        ImportField("active", "Active", ("is active", "status")),
    ]

    def match(self, *, workspace: Workspace, row: ImportRow) -> models.Model | None:
        if not row.has("sku"):
            return None
        return Product.objects.filter(workspace=workspace, sku=row.first("sku")).first()

    def _data(self, ctx: ImportContext, row: ImportRow) -> Values:
        r = _ReadRow(ctx, row)
        data = _text_values(row, ["sku", "name"])
        if row.has("active"):
            data["active"] = r.read("active", lambda v: flag(v, field="active"))
        if row.has("unit_price"):
            price = r.read("unit_price", lambda v: amount_text(v, field="unit_price"))
            if price is not None:
                currency = row.first("currency") or ctx.workspace.base_currency
                data["prices"] = {currency: price}
        return r.done(data)

    def create(self, *, ctx: ImportContext, row: ImportRow) -> models.Model:
        return product_create(workspace=ctx.workspace, actor=ctx.actor, data=self._data(ctx, row))

    def update(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        assert isinstance(instance, Product)
        data = self._data(ctx, row)
        previous = _previous(instance, {k: v for k, v in data.items() if k != "prices"})
        if "prices" in data:
            before = {p.currency: str(p.unit_price) for p in instance.prices.all()}
            previous["prices"] = {cur: before.get(cur.upper()) for cur in data["prices"]}
        product_update(workspace=ctx.workspace, actor=ctx.actor, product=instance, data=data)
        return previous

    def extend(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        return self.update(ctx=ctx, instance=instance, row=row)

    def restore(
        self, *, workspace: Workspace, actor: Actor, instance: models.Model, previous: Values
    ) -> None:
        assert isinstance(instance, Product)
        product_update(workspace=workspace, actor=actor, product=instance, data=previous)

    def delete(self, *, workspace: Workspace, actor: Actor, instance: models.Model) -> None:
        """A product a deal has taken onto its lines since is deactivated, not deleted."""
        assert isinstance(instance, Product)
        if DealLine.objects.filter(product=instance).exists():
            product_update(
                workspace=workspace, actor=actor, product=instance, data={"active": False}
            )
        else:
            product_delete(workspace=workspace, actor=actor, product=instance)

    def stored(self, instance: models.Model) -> Values:
        assert isinstance(instance, Product)
        return {
            "sku": instance.sku,
            "name": instance.name,
            "active": instance.active,
            "prices": {p.currency: str(p.unit_price) for p in instance.prices.all()},
        }


# --- deals ---------------------------------------------------------------------------------

FORECAST_SYNONYMS = {"bestcase": ForecastCategory.BEST_CASE, "closed": ForecastCategory.COMMIT}
DEAL_TEXT = ["external_id", "name", "lost_reason", "next_step", "currency"]


def _stage(
    workspace: Workspace, row: ImportRow, deal: Deal | None
) -> tuple[Pipeline, Stage | None]:
    """The pipeline the row names (else the deal's, else the first) and its stage named."""
    if row.has("pipeline"):
        pipeline = Pipeline.objects.filter(workspace=workspace, name__iexact=row.first("pipeline"))
        found = pipeline.first()
        if found is None:
            names = ", ".join(
                Pipeline.objects.filter(workspace=workspace).values_list("name", flat=True)
            )
            raise ServiceValidationError.single(
                "pipeline", f"no pipeline named '{row.first('pipeline')}'; one of: {names}"
            )
    else:
        found = deal.pipeline if deal else Pipeline.objects.filter(workspace=workspace).first()
        if found is None:
            raise ServiceValidationError.single("pipeline", "the workspace has no pipeline yet")
    if not row.has("stage"):
        return found, None
    stage = found.stages.filter(name__iexact=row.first("stage")).first()
    if stage is None:
        names = ", ".join(found.stages.values_list("name", flat=True))
        raise ServiceValidationError.single(
            "stage",
            f"'{row.first('stage')}' is not a stage of the {found.name} pipeline; one of: {names}",
        )
    return found, stage


class DealImporter(Importer):
    entity = "deals"
    label = "Deals"
    model = Deal
    match_help = "an existing deal with the row's external id"
    fields = [
        external_id_field("deal id", "opportunity id"),
        ImportField("name", "Name", ("deal name", "opportunity name", "deal", "opportunity")),
        ImportField(
            "amount", "Amount", ("deal amount", "opportunity amount", "value"), decimal=True
        ),
        CURRENCY,
        ImportField("pipeline", "Pipeline", ("deal pipeline", "sales pipeline")),
        ImportField("stage", "Stage", ("deal stage", "opportunity stage", "stage name")),
        ImportField(
            "expected_close_date",
            "Expected close date",
            ("close date", "expected close", "closing date"),
        ),
        OWNER,
        ImportField(
            "company",
            "Company",
            ("account name", "company name", "associated company", "account"),
        ),
        ImportField(
            "company_domain", "Company domain", ("company domain name", "website", "domain")
        ),
        ImportField("forecast_category", "Forecast category", ("forecast category name",)),
        ImportField("lost_reason", "Lost reason", ("closed lost reason", "loss reason")),
        ImportField("next_step", "Next step", ()),
        CAMPAIGN,
    ]
    error_fields = {
        "pipeline_id": "pipeline",
        "stage_id": "stage",
        "owner_id": "owner",
        "company_id": "company",
        "campaign_id": "campaign",
    }

    def match(self, *, workspace: Workspace, row: ImportRow) -> models.Model | None:
        return external_id_match(Deal, workspace=workspace, row=row)

    def _data(self, ctx: ImportContext, row: ImportRow, deal: Deal | None) -> Values:
        r = _ReadRow(ctx, row)
        data = _text_values(row, DEAL_TEXT)
        if row.has("amount"):
            data["amount"] = r.read("amount", lambda v: amount_text(v, field="amount"))
        if row.has("expected_close_date"):
            data["expected_close_date"] = r.read(
                "expected_close_date",
                lambda v: date_parse(v, region=r.region, field="expected_close_date"),
            )
        if row.has("pipeline") or row.has("stage") or deal is None:
            found = r.c.run(lambda: _stage(ctx.workspace, row, deal))
            if found is not None:
                data["pipeline_id"] = found[0].pk
                if found[1] is not None:
                    data["stage_id"] = found[1].pk
        _read_owner(r, data)
        if row.has("company") or row.has("company_domain"):
            data["company_id"] = r.c.run(
                lambda: company_id(
                    ctx, row, name_field="company", domain_field="company_domain", create=True
                )
            )
        if row.has("forecast_category"):
            data["forecast_category"] = r.read(
                "forecast_category",
                lambda v: choice(
                    v, ForecastCategory, field="forecast_category", synonyms=FORECAST_SYNONYMS
                ),
            )
        _read_campaign(r, data)
        return r.done(data)

    def create(self, *, ctx: ImportContext, row: ImportRow) -> models.Model:
        data = self._data(ctx, row, None)
        return deal_create(workspace=ctx.workspace, actor=ctx.actor, data=data)

    def update(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        assert isinstance(instance, Deal)
        data = self._data(ctx, row, instance)
        previous = _previous(instance, data)
        deal_update(workspace=ctx.workspace, actor=ctx.actor, deal=instance, data=data)
        return previous

    def restore(
        self, *, workspace: Workspace, actor: Actor, instance: models.Model, previous: Values
    ) -> None:
        assert isinstance(instance, Deal)
        values = dict(previous)
        if values.get("company_id") and not Company.objects.filter(pk=values["company_id"]):
            values["company_id"] = None  # deleted since
        if values.get("campaign_id") and not Campaign.objects.filter(pk=values["campaign_id"]):
            values["campaign_id"] = None  # deleted since
        deal_update(workspace=workspace, actor=actor, deal=instance, data=values)

    def delete(self, *, workspace: Workspace, actor: Actor, instance: models.Model) -> None:
        assert isinstance(instance, Deal)
        deal_delete(workspace=workspace, actor=actor, deal=instance)

    def stored(self, instance: models.Model) -> Values:
        assert isinstance(instance, Deal)
        return {
            **{name: getattr(instance, name) for name in DEAL_TEXT},
            "amount": str(instance.amount),
            "pipeline": instance.pipeline.name,
            "stage": instance.stage.name,
            "expected_close_date": jsonable(instance.expected_close_date),
            "owner": instance.owner.username if instance.owner else "",
            "company": instance.company.name if instance.company else "",
            "forecast_category": instance.forecast_category,
            "campaign": instance.campaign.name if instance.campaign else "",
        }


# --- orders --------------------------------------------------------------------------------

ORDER_STATUS_SYNONYMS = {
    "canceled": OrderStatus.CANCELLED,
    "voided": OrderStatus.CANCELLED,
    "complete": OrderStatus.FULFILLED,
    "completed": OrderStatus.FULFILLED,
    "shipped": OrderStatus.FULFILLED,
    "delivered": OrderStatus.FULFILLED,
    "authorized": OrderStatus.PENDING,
    "open": OrderStatus.PENDING,
}


class OrderImporter(Importer):
    """A row is an order line: from its SKU, quantity and unit price columns, or a single line
    for its total. Rows sharing an order id are one order with a line each (as Shopify and
    most shops export them); the first row gives the order's date, status and customer."""

    entity = "orders"
    label = "Orders"
    model = Order
    match_help = "an existing order with the row's external id (as the orders API does)"
    fields = [
        external_id_field("order id", "order number", "order no", "order"),
        ImportField(
            "ordered_at",
            "Order date",
            ("date", "ordered at", "created at", "created", "purchase date", "order date time"),
        ),
        ImportField("status", "Status", ("order status", "financial status")),
        ImportField("channel", "Channel", ("sales channel", "source name")),
        CURRENCY,
        ImportField(
            "contact_email", "Contact email", ("email", "customer email", "contact", "customer")
        ),
        ImportField("company", "Company", ("company name", "account name", "account")),
        ImportField("company_domain", "Company domain", ("domain", "website", "company website")),
        ImportField("sku", "SKU", ("product code", "item sku", "lineitem sku")),
        ImportField("description", "Description", ("product name", "item", "lineitem name")),
        ImportField("quantity", "Quantity", ("qty", "lineitem quantity"), decimal=True),
        ImportField(
            "unit_price", "Unit price", ("price", "lineitem price", "item price"), decimal=True
        ),
        ImportField(
            "total", "Total", ("order total", "grand total", "amount", "total amount"), decimal=True
        ),
    ]
    error_fields = {
        "contact_id": "contact_email",
        "company_id": "company",
        "lines.0.quantity": "quantity",
        "lines.0.unit_price": "unit_price",
        "lines": "unit_price",
    }

    group_field = "external_id"

    def error_column(self, row: ImportRow, service_field: str) -> str:
        field = re.sub(r"^lines\.\d+\.", "lines.0.", service_field)
        return super().error_column(row, self.error_fields.get(field, field))

    def match(self, *, workspace: Workspace, row: ImportRow) -> models.Model | None:
        return external_id_match(Order, workspace=workspace, row=row)

    def extend(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        assert isinstance(instance, Order)
        previous = self._as_data(instance)
        r = _ReadRow(ctx, row)
        line = self._line(r)
        r.done({})
        data = {**previous, "lines": [*previous["lines"], line]}
        order_upsert(workspace=ctx.workspace, actor=ctx.actor, data=data)
        return previous

    def _line(self, r: _ReadRow) -> dict[str, Any]:
        row = r.row
        line: dict[str, Any] = _text_values(row, ["sku", "description"])
        if row.has("quantity"):
            line["quantity"] = r.read("quantity", lambda v: amount_text(v, field="quantity"))
        if row.has("unit_price"):
            line["unit_price"] = r.read("unit_price", lambda v: amount_text(v, field="unit_price"))
        elif row.has("total"):
            total = r.read("total", lambda v: amount_text(v, field="total"))
            quantity = line.setdefault("quantity", Decimal(1))
            if total is not None and quantity:
                line["unit_price"] = (total / quantity).quantize(Decimal("0.01"))
        else:
            r.c.add("unit_price", "an order needs a unit price or a total")
        if not line.get("sku"):  # a line for an order's total: named after the order
            line.setdefault("description", row.first("external_id") or "Imported order")
        return {k: jsonable(v) for k, v in line.items() if v is not None}  # None: a bad cell

    def _data(self, ctx: ImportContext, row: ImportRow) -> Values:
        r = _ReadRow(ctx, row)
        data: Values = {"channel": OrderChannel.IMPORT, **_text_values(row, ["external_id"])}
        data["currency"] = row.first("currency") or ctx.workspace.base_currency
        if row.has("ordered_at"):
            data["ordered_at"] = r.read(
                "ordered_at", lambda v: datetime_parse(v, region=r.region, field="ordered_at")
            )
        for name, choices, synonyms in (
            ("status", OrderStatus, ORDER_STATUS_SYNONYMS),
            ("channel", OrderChannel, {}),
        ):
            if row.has(name):
                reader = partial(choice, choices=choices, field=name, synonyms=synonyms)
                data[name] = r.read(name, reader)
        if row.has("contact_email"):
            data["contact_id"] = r.read(
                "contact_email", lambda v: contact_id(ctx.workspace, v, field="contact_email")
            )
        if row.has("company") or row.has("company_domain"):
            data["company_id"] = r.c.run(
                lambda: company_id(
                    ctx, row, name_field="company", domain_field="company_domain", create=False
                )
            )
        data["lines"] = [self._line(r)]
        return r.done(data)

    def create(self, *, ctx: ImportContext, row: ImportRow) -> models.Model:
        data = self._data(ctx, row)
        if data.get("external_id") and external_id_match(Order, workspace=ctx.workspace, row=row):
            # Only in "create" mode: the upsert would update that order, which undo would delete.
            raise ServiceValidationError.single(
                "external_id", f"an order with the external id '{data['external_id']}' exists"
            )
        order, _ = order_upsert(workspace=ctx.workspace, actor=ctx.actor, data=data)
        return order

    def update(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        assert isinstance(instance, Order)
        previous = self._as_data(instance)
        order_upsert(workspace=ctx.workspace, actor=ctx.actor, data=self._data(ctx, row))
        return previous

    @staticmethod
    def _as_data(order: Order) -> Values:
        return {
            "external_id": order.external_id,
            "ordered_at": order.ordered_at.isoformat(),
            "status": order.status,
            "channel": order.channel,
            "currency": order.currency,
            "contact_id": order.contact_id,
            "company_id": order.company_id,
            "lines": [
                {
                    "product_id": ln.product_id,
                    "sku": ln.sku,
                    "description": ln.description,
                    "quantity": str(ln.quantity),
                    "unit_price": str(ln.unit_price),
                }
                for ln in order.lines.order_by("id")
            ],
        }

    def restore(
        self, *, workspace: Workspace, actor: Actor, instance: models.Model, previous: Values
    ) -> None:
        values = dict(previous)
        for name, model in (("contact_id", Contact), ("company_id", Company)):
            if values.get(name) and not model._default_manager.filter(pk=values[name]).exists():
                values[name] = None  # deleted since
        order_upsert(workspace=workspace, actor=actor, data=values)

    def delete(self, *, workspace: Workspace, actor: Actor, instance: models.Model) -> None:
        assert isinstance(instance, Order)
        order_delete(workspace=workspace, actor=actor, order=instance)

    def stored(self, instance: models.Model) -> Values:
        assert isinstance(instance, Order)
        data = self._as_data(instance)
        data["total"] = str(instance.total)
        return data


importer_register(LeadImporter())
importer_register(ProductImporter())
importer_register(DealImporter())
importer_register(OrderImporter())
