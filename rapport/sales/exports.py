"""Exporters for leads, deals, orders and products: each list's own filter parsing and order
(the sales `AppConfig.ready` imports this module to join the registry). An order is written
a row per line, its own columns repeated on each, so its lines import back."""

from typing import Any

from django.db.models import QuerySet

from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
from rapport.data.exports import (
    ExportColumn,
    Exporter,
    ExportRequest,
    export_filter_names,
    exporter_register,
    form_cleaned,
    model_names,
    ordered,
)
from rapport.sales import queries
from rapport.sales.forms import DealFilterForm, LeadFilterForm, OrderFilterForm
from rapport.sales.models import Deal, Lead, Order, Pipeline, Product, Stage


def _columns(*paths: str, **renamed: str) -> list[ExportColumn]:
    return [ExportColumn("id", "pk"), *(ExportColumn(p, p) for p in paths)] + [
        ExportColumn(header, path) for header, path in renamed.items()
    ]


def _leads(ask: ExportRequest) -> QuerySet[Any]:
    form = form_cleaned(LeadFilterForm(ask.params))
    return ordered(queries.lead_queryset(f=form.lead_filter()), queries.NEWEST_FIRST)


def _deals(ask: ExportRequest) -> QuerySet[Any]:
    form = form_cleaned(DealFilterForm(ask.params))
    sort = queries.DEAL_SORTS[form.cleaned_data.get("sort") or "-created"]
    return ordered(queries.deal_queryset(f=form.deal_filter()), sort)


def _orders(ask: ExportRequest) -> QuerySet[Any]:
    """The list's orders, a row per line (the `lines__` columns join them): each order's
    lines in their order, after one another, as the orders import groups them back."""
    form = form_cleaned(OrderFilterForm(ask.params))
    qs = queries.order_queryset(f=form.order_filter()).prefetch_related(None)
    keys = ordered(qs, queries.ORDERS_NEWEST_FIRST).query.order_by
    return qs.order_by(*keys, "lines__id")


def _products(ask: ExportRequest) -> QuerySet[Any]:
    keys = ordered(Product.objects.all(), queries.PRODUCTS_BY_NAME).query.order_by
    return Product.objects.order_by(*keys, "prices__currency")


exporter_register(
    Exporter(
        entity="leads",
        label="Leads",
        model=Lead,
        columns=lambda: _columns(
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "company_name",
            "domain",
            "source",
            "status",
            "disqualify_reason",
            "message",
            "external_id",
            "score",
            "created_at",
            owner="owner__username",
            campaign="campaign__name",
            campaign_unlinked="campaign_name",
        ),
        queryset=_leads,
        form=LeadFilterForm,
        list_url="sales:lead_list",
    )
)
exporter_register(
    Exporter(
        entity="deals",
        label="Deals",
        model=Deal,
        columns=lambda: _columns(
            "name",
            "amount",
            "currency",
            "expected_close_date",
            "outcome",
            "external_id",
            "created_at",
            "closed_at",
            "forecast_category",
            "lost_reason",
            "next_step",
            pipeline="pipeline__name",
            stage="stage__name",
            company="company__name",
            company_domain="company__domain",
            owner="owner__username",
            campaign="campaign__name",
        ),
        queryset=_deals,
        form=DealFilterForm,
        list_url="sales:deal_list",
    )
)
exporter_register(
    Exporter(
        entity="orders",
        label="Orders",
        model=Order,
        columns=lambda: _columns(
            "external_id",
            "ordered_at",
            "status",
            "channel",
            "total",
            "currency",
            contact_first_name="contact__first_name",
            contact_last_name="contact__last_name",
            contact_email="contact__email",
            company="company__name",
            sku="lines__sku",
            description="lines__description",
            quantity="lines__quantity",
            unit_price="lines__unit_price",
        ),
        queryset=_orders,
        form=OrderFilterForm,
        list_url="sales:orders",
    )
)
exporter_register(
    Exporter(
        entity="products",
        label="Products",
        model=Product,
        # a row per price, as the products import reads one (a product without a price, one
        # row without): the catalogue page's order, each product's currencies after it
        columns=lambda: _columns(
            "sku", "name", "active", unit_price="prices__unit_price", currency="prices__currency"
        ),
        queryset=_products,
        list_url="sales:products",
    )
)
export_filter_names("pipeline")(model_names(Pipeline))
export_filter_names("stage")(model_names(Stage))
export_filter_names("campaign")(model_names(Campaign))


@export_filter_names("contact_id")
def _contact_names(workspace_id: int, ids: set[int]) -> dict[int, str]:
    contacts = Contact._base_manager.filter(workspace_id=workspace_id, pk__in=ids)
    return {c.pk: c.display_name for c in contacts.only("first_name", "last_name", "email")}
