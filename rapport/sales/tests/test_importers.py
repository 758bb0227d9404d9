"""Leads, products, deals and orders imported from files through the import framework."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from rapport.api.testing import ApiClient, problem_fields
from rapport.campaigns.tests.factories import make_campaign
from rapport.contacts.models import Company
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data.models import ImportRowError
from rapport.data.services import (
    import_create,
    import_dry_run,
    import_process,
    import_start,
    import_undo,
)
from rapport.sales.leads import lead_create
from rapport.sales.models import Deal, Lead, Order, Product
from rapport.sales.services import deal_create, order_upsert, product_create
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope


def _import(workspace, actor, entity, text, *, mode="skip", mapping=None):
    with workspace_scope(workspace):
        batch = import_create(
            workspace=workspace,
            actor=actor,
            entity=entity,
            file=ContentFile(text.encode(), name=f"{entity}.csv"),
        )
        import_start(
            workspace=workspace, actor=actor, batch=batch, mapping=mapping, mode=mode, enqueue=False
        )
        return import_process(workspace=workspace, batch_id=batch.pk)


def _errors(batch):
    with workspace_scope(batch.workspace):
        return [(e.row, e.column, e.message) for e in ImportRowError.objects.filter(batch=batch)]


def _undo(batch, actor):
    with workspace_scope(batch.workspace):
        return import_undo(workspace=batch.workspace, actor=actor, batch=batch)


# --- leads ---------------------------------------------------------------------------------

HUBSPOT_LEADS = (
    "Record ID,First Name,Last Name,Email,Lead Status,Original Source,Company Name,Website,"
    "Lead owner\n"
    """101,ann,LEE,Ann@Acme.io,In Progress,Web,Acme,https://www.acme.io/,o@x.io
102,Bob,Ray,bob@,New,Web,,,
103,Cy,Dee,cy@acme.io,Closed - Not Converted,Web,,,
"""
)


def test_leads_are_imported_from_a_hubspot_export_and_bad_rows_reported(workspace, owner):
    batch = _import(workspace, owner, "leads", HUBSPOT_LEADS)

    assert (batch.created, batch.failed) == (1, 2)
    errors = _errors(batch)
    assert [(row, column) for row, column, _ in errors] == [(3, "Email"), (4, "Lead Status")]
    # (a disqualified lead is imported with its reason: imp19; this row gives none)
    assert errors[1][2] == "a disqualified lead needs a disqualify reason"
    with workspace_scope(workspace):
        lead = Lead.objects.get()
    assert (lead.external_id, lead.first_name, lead.last_name) == ("101", "Ann", "Lee")
    assert (lead.email, lead.status, lead.domain, lead.owner) == (
        "ann@acme.io",
        "working",
        "acme.io",
        owner,
    )


def test_leads_match_by_external_id_then_email_and_undo_restores_them(workspace, owner):
    spring = make_campaign(workspace, owner, name="Spring")
    autumn = make_campaign(workspace, owner, name="Autumn", template_id=spring.template_id)
    with workspace_scope(workspace):
        by_id = lead_create(
            workspace=workspace, actor=owner, data={"external_id": "7", "first_name": "Old"}
        )
        by_email = lead_create(
            workspace=workspace, actor=owner, data={"email": "eve@x.io", "campaign_id": spring.pk}
        )
    text = "Lead ID,First Name,Email,Campaign\n7,New,new@x.io,\n,,eve@x.io,Autumn\n8,Fay,,\n"

    batch = _import(workspace, owner, "leads", text, mode="update")
    assert (batch.updated, batch.created) == (2, 1)
    with workspace_scope(workspace):
        by_id.refresh_from_db()
        by_email.refresh_from_db()
        assert (by_id.first_name, by_id.email, by_email.campaign) == ("New", "new@x.io", autumn)

    _undo(batch, owner)
    with workspace_scope(workspace):
        by_id.refresh_from_db()
        by_email.refresh_from_db()
        assert (by_id.first_name, by_id.email, by_email.campaign) == ("Old", "", spring)
        assert Lead.objects.count() == 2


def test_a_lead_matched_in_skip_mode_is_left_alone(workspace, owner):
    with workspace_scope(workspace):
        lead_create(workspace=workspace, actor=owner, data={"email": "eve@x.io", "source": "Ad"})

    batch = _import(workspace, owner, "leads", "Email,Lead Source\nEVE@x.io,Web\n")

    assert (batch.skipped, batch.created) == (1, 0)
    with workspace_scope(workspace):
        assert Lead.objects.get().source == "Ad"


# --- products ------------------------------------------------------------------------------

SALESFORCE_PRODUCTS = """Product Code,Product Name,List Price,Currency ISO Code,Active
GEN-1,Generator,"$1,299.00",USD,true
GEN-1,Generator,"1.199,00",EUR,true
PUMP,Pump,abc,USD,yes
VALVE,Valve,10,ZZZ,no
"""


def test_products_are_imported_with_a_price_per_row_and_currency(workspace, owner):
    batch = _import(workspace, owner, "products", SALESFORCE_PRODUCTS, mode="update")

    assert (batch.created, batch.updated, batch.failed) == (1, 1, 2)
    assert [(row, column) for row, column, _ in _errors(batch)] == [
        (4, "List Price"),
        (5, "Currency ISO Code"),
    ]
    with workspace_scope(workspace):
        product = Product.objects.get()
        prices = {p.currency: p.unit_price for p in product.prices.all()}
    assert (product.sku, product.name, product.active) == ("GEN-1", "Generator", True)
    assert prices == {"USD": Decimal("1299.00"), "EUR": Decimal("1199.00")}


def test_a_product_update_is_undone_price_by_price(workspace, owner):
    with workspace_scope(workspace):
        product = product_create(
            workspace=workspace,
            actor=owner,
            data={"sku": "GEN-1", "name": "Gen", "prices": {"USD": "10.00"}},
        )
    text = "SKU,Name,Unit Price,Currency,Active\nGEN-1,Generator,12,USD,no\nGEN-1,,9,EUR,\n"

    batch = _import(workspace, owner, "products", text, mode="update")
    assert batch.updated == 2
    _undo(batch, owner)

    with workspace_scope(workspace):
        product.refresh_from_db()
        prices = {p.currency: p.unit_price for p in product.prices.all()}
    assert (product.name, product.active, prices) == ("Gen", True, {"USD": Decimal("10.00")})


# --- deals ---------------------------------------------------------------------------------

SALESFORCE_DEALS = (
    "Opportunity ID,Opportunity Name,Amount,Currency ISO Code,Stage,Close Date,"
    "Opportunity Owner Email,Account Name,Website\n"
    """006A,Big deal,"12,500.50",EUR,Proposal,12/31/2024,o@x.io,Initech,initech.com
006B,Small deal,100,USD,Negotiation,01/15/2025,,,
006C,Odd deal,100,USD,Qualify,31/31/2024,nobody@x.io,,
"""
)


@pytest.fixture
def pipeline(workspace, owner):
    with workspace_scope(workspace):
        return make_pipeline(workspace, owner)


def test_deals_are_imported_with_stage_owner_company_and_close_date(workspace, owner, pipeline):
    batch = _import(workspace, owner, "deals", SALESFORCE_DEALS)

    assert (batch.created, batch.failed) == (1, 2)
    errors = _errors(batch)
    assert [(row, column) for row, column, _ in errors] == [
        (3, "Stage"),
        (4, "Close Date"),
        (4, "Opportunity Owner Email"),
    ]
    assert "one of: Qualify, Proposal, Won, Lost" in errors[0][2]
    with workspace_scope(workspace):
        deal = Deal.objects.select_related("stage", "company").get()
    assert (deal.external_id, deal.name, deal.amount, deal.currency) == (
        "006A",
        "Big deal",
        Decimal("12500.50"),
        "EUR",
    )
    assert (deal.stage.name, deal.expected_close_date, deal.owner) == (
        "Proposal",
        dt.date(2024, 12, 31),
        owner,
    )
    assert (deal.company.name, deal.company.domain) == ("Initech", "initech.com")


def test_a_deal_is_matched_by_external_id_updated_and_undone(workspace, owner, pipeline):
    with workspace_scope(workspace):
        stages = stage_ids(pipeline)
        acme = make_company(workspace, name="Acme", domain="acme.io")
        deal = deal_create(
            workspace=workspace,
            actor=owner,
            data={"name": "Renewal", "external_id": "D-1", "amount": "100", "currency": "USD"},
        )
    text = (
        "Deal ID,Deal Name,Amount,Deal Stage,Close Date,Company Domain Name\n"
        "D-1,Renewal 2025,250,Proposal,2025-03-01,acme.io\n"
        "D-2,New deal,50,Qualify,,\n"
    )

    batch = _import(workspace, owner, "deals", text, mode="update")
    assert (batch.updated, batch.created) == (1, 1)
    with workspace_scope(workspace):
        deal.refresh_from_db()
        assert (deal.name, deal.amount, deal.stage_id, deal.company_id) == (
            "Renewal 2025",
            Decimal("250.00"),
            stages["Proposal"],
            acme.pk,
        )

    _undo(batch, owner)
    with workspace_scope(workspace):
        deal.refresh_from_db()
        assert (deal.name, deal.amount, deal.stage_id, deal.company_id) == (
            "Renewal",
            Decimal("100.00"),
            stages["Qualify"],
            None,
        )
        assert deal.expected_close_date is None
        assert list(Deal.objects.values_list("external_id", flat=True)) == ["D-1"]


def test_a_deal_in_skip_mode_is_not_touched(workspace, owner, pipeline):
    with workspace_scope(workspace):
        deal_create(workspace=workspace, actor=owner, data={"name": "Keep", "external_id": "D-1"})

    batch = _import(workspace, owner, "deals", "Deal ID,Deal Name\nD-1,Changed\n")

    assert batch.skipped == 1
    with workspace_scope(workspace):
        assert Deal.objects.get().name == "Keep"


# --- orders --------------------------------------------------------------------------------

ORDERS = """Order ID,Order Date,Customer Email,Company Domain,SKU,Quantity,Unit Price,Total,Currency
SO-1,2024-12-31 10:30,ann@acme.io,,GEN-1,2,"1,000.00",,USD
SO-2,31/12/2024,,acme.io,,,,99.90,EUR
SO-3,2024-12-31,nobody@x.io,,,,,5,USD
SO-4,2024-12-31,ann@acme.io,,,,,,USD
"""


@pytest.fixture
def customers(workspace, owner):
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner, first_name="Ann", emails=["ann@acme.io"])
        acme = make_company(workspace, owner, name="Acme", domain="acme.io")
        product_create(workspace=workspace, actor=owner, data={"sku": "GEN-1", "name": "Gen"})
    return ann, acme


def test_orders_are_imported_with_lines_or_a_total(workspace, owner, customers):
    ann, acme = customers

    batch = _import(workspace, owner, "orders", ORDERS)

    assert (batch.created, batch.failed) == (2, 2)
    assert [(row, column) for row, column, _ in _errors(batch)] == [
        (4, "Customer Email"),
        (5, "Unit price"),  # no column to point at: the field the missing line needs
    ]
    with workspace_scope(workspace):
        one = Order.objects.get(external_id="SO-1")
        two = Order.objects.get(external_id="SO-2")
        [line] = one.lines.all()
    assert (one.contact_id, one.total, one.channel) == (ann.pk, Decimal("2000.00"), "import")
    assert one.ordered_at == dt.datetime(2024, 12, 31, 10, 30, tzinfo=dt.UTC)
    assert (line.sku, line.product.sku, line.quantity) == ("GEN-1", "GEN-1", 2)
    assert (two.company_id, two.total, two.currency) == (acme.pk, Decimal("99.90"), "EUR")


def test_orders_are_idempotent_by_external_id_like_the_api(workspace, owner, customers):
    text = "Order ID,Email,Total\nSO-1,ann@acme.io,10\n"
    _import(workspace, owner, "orders", text)

    skipped = _import(workspace, owner, "orders", text)
    updated = _import(workspace, owner, "orders", text.replace(",10", ",12"), mode="update")

    assert (skipped.skipped, updated.updated) == (1, 1)
    with workspace_scope(workspace):
        assert Order.objects.get().total == Decimal("12.00")
    refused = _import(workspace, owner, "orders", text, mode="create")
    assert _errors(refused) == [(2, "Order ID", "an order with the external id 'SO-1' exists")]


def test_an_order_update_is_undone_to_its_lines_and_a_created_one_deleted(
    workspace, owner, customers
):
    ann, _ = customers
    with workspace_scope(workspace):
        order, _ = order_upsert(
            workspace=workspace,
            actor=owner,
            data={
                "external_id": "SO-1",
                "contact_id": ann.pk,
                "lines": [{"sku": "GEN-1", "quantity": 1, "unit_price": "5.00"}],
            },
        )
    text = "Order ID,Email,Total,Status\nSO-1,ann@acme.io,80,Refunded\nSO-2,ann@acme.io,7,paid\n"

    batch = _import(workspace, owner, "orders", text, mode="update")
    assert (batch.updated, batch.created) == (1, 1)
    _undo(batch, owner)

    with workspace_scope(workspace):
        order.refresh_from_db()
        [line] = order.lines.all()
        assert (order.total, order.status, line.sku) == (Decimal("5.00"), "paid", "GEN-1")
        assert list(Order.objects.values_list("external_id", flat=True)) == ["SO-1"]


SHOPIFY_LINES = """Name,Created at,Email,Lineitem sku,Lineitem name,Lineitem quantity,Lineitem price
#1001,2024-12-31,ann@acme.io,GEN-1,Gen,2,10.00
#1002,2024-12-31,ann@acme.io,,Cable,1,3.50
#1001,,,,Case,1,4.00
#1001,,,,Strap,x,1.00
#1001,,,,Strap,3,1.00
"""
SHOPIFY_MAPPING = {
    "Name": "external_id",
    "Created at": "ordered_at",
    "Email": "contact_email",
    "Lineitem sku": "sku",
    "Lineitem name": "description",
    "Lineitem quantity": "quantity",
    "Lineitem price": "unit_price",
}


def test_rows_sharing_an_order_id_are_one_order_with_a_line_each(workspace, owner, customers):
    ann, _ = customers

    batch = _import(workspace, owner, "orders", SHOPIFY_LINES, mapping=SHOPIFY_MAPPING)

    assert (batch.created, batch.updated, batch.failed) == (2, 2, 1)
    assert [(row, column) for row, column, _ in _errors(batch)] == [(5, "Lineitem quantity")]
    with workspace_scope(workspace):
        first = Order.objects.get(external_id="#1001")
        lines = [(ln.description, ln.quantity, ln.unit_price) for ln in first.lines.order_by("id")]
        assert Order.objects.count() == 2
    assert (first.contact_id, first.total) == (ann.pk, Decimal("27.00"))
    assert lines == [
        ("Gen", 2, Decimal("10.00")),
        ("Case", 1, Decimal("4.00")),
        ("Strap", 3, Decimal("1.00")),
    ]


def test_an_order_re_imported_in_update_mode_gets_the_files_lines_not_twice_them(
    workspace, owner, customers
):
    _import(workspace, owner, "orders", SHOPIFY_LINES, mapping=SHOPIFY_MAPPING)

    again = _import(
        workspace, owner, "orders", SHOPIFY_LINES, mode="update", mapping=SHOPIFY_MAPPING
    )
    skipped = _import(workspace, owner, "orders", SHOPIFY_LINES, mapping=SHOPIFY_MAPPING)

    assert (skipped.skipped, skipped.created, skipped.updated) == (5, 0, 0)
    with workspace_scope(workspace):
        assert Order.objects.get(external_id="#1001").lines.count() == 3
    _undo(again, owner)
    with workspace_scope(workspace):
        assert Order.objects.get(external_id="#1001").lines.count() == 3
        assert Order.objects.get(external_id="#1001").total == Decimal("27.00")


def test_undo_removes_an_order_built_from_several_rows(workspace, owner, customers):
    batch = _import(workspace, owner, "orders", SHOPIFY_LINES, mapping=SHOPIFY_MAPPING)

    _undo(batch, owner)

    with workspace_scope(workspace):
        assert not Order.objects.exists()


def test_an_order_never_finds_another_workspaces_contact_or_order(
    workspace, other_workspace, owner, outsider
):
    with workspace_scope(other_workspace):
        theirs = make_contact(other_workspace, outsider, first_name="Zed", emails=["zed@x.io"])
        order_upsert(
            workspace=other_workspace,
            actor=outsider,
            data={"external_id": "SO-1", "contact_id": theirs.pk, "lines": [{"unit_price": 1}]},
        )

    batch = _import(workspace, owner, "orders", "Order ID,Email,Total\nSO-1,zed@x.io,10\n")

    assert _errors(batch) == [(2, "Email", "no contact has the email 'zed@x.io'")]
    with workspace_scope(other_workspace):
        assert Order.objects.get().total == Decimal("1.00")
    with workspace_scope(workspace):
        assert not Company.objects.exists()


# --- external ids through the API ---------------------------------------------------------


def test_leads_and_deals_take_an_external_id_unique_in_the_workspace(workspace, owner, pipeline):
    api = ApiClient.with_token(owner, workspace)

    lead = api.post("/sales/leads", {"first_name": "Ann", "external_id": "L-1"})
    twin = api.post("/sales/leads", {"first_name": "Bob", "external_id": "L-1"})
    deal = api.post("/sales/deals", {"name": "Big", "external_id": "D-1"})

    assert lead.status_code == 201, lead.content
    assert lead.json()["external_id"] == "L-1"
    assert twin.status_code == 422
    assert "already the external id" in problem_fields(twin)["external_id"]
    assert deal.status_code == 201, deal.content
    assert api.get(f"/sales/deals/{deal.json()['id']}").json()["external_id"] == "D-1"


def test_a_dry_run_previews_deals_as_stored_and_writes_nothing(workspace, owner, pipeline):
    with workspace_scope(workspace):
        batch = import_create(
            workspace=workspace,
            actor=owner,
            entity="deals",
            file=ContentFile(SALESFORCE_DEALS.encode(), name="deals.csv"),
        )
        preview = import_dry_run(workspace=workspace, actor=owner, batch=batch)
        assert not Deal.objects.exists()
        assert not Company.objects.exists()

    assert [p.action for p in preview] == ["created", "failed", "failed"]
    assert {"stage": "Proposal", "company": "Initech", "amount": "12500.50"}.items() <= (
        preview[0].values.items()
    )
    assert preview[0].values["expected_close_date"] == "2024-12-31"
