"""Orders and products exported, then imported into another workspace, come back the same:
an order with each of its lines (a row per line, the order's columns repeated), its total
and currency; a product with each of its prices and its active flag."""

import csv
import io
from decimal import Decimal

import pytest

from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.data.services import import_undo
from rapport.sales.models import Order, Product
from rapport.sales.services import order_upsert, product_create, product_update
from rapport.sales.tests.test_importers import _errors, _import
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import workspace_create
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


@pytest.fixture
def second(owner):
    return workspace_create(name="Second", owner=owner, default_region="US")


def _export(client, entity):
    response = client.get(f"/exports/{entity}.csv")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def _line(ln):
    product = ln.product.sku if ln.product else None
    return (product, ln.sku, ln.description, ln.quantity, ln.unit_price, ln.line_total)


def orders_of(workspace):
    with workspace_scope(workspace):
        orders = Order.objects.select_related("contact").order_by("external_id")
        return [
            {
                "order": (o.external_id, o.ordered_at, o.status, o.contact.email),
                "money": (o.total, o.currency),
                "lines": [_line(ln) for ln in o.lines.select_related("product").order_by("id")],
            }
            for o in orders
        ]


def test_orders_export_a_row_per_line_and_import_back_with_their_lines(
    owner_client, workspace, owner, second
):
    for ws in (workspace, second):
        with workspace_scope(ws):
            make_contact(ws, owner, first_name="Ann", emails=["ann@acme.example"])
            product_create(workspace=ws, actor=owner, data={"sku": "GEN-1", "name": "Gen"})
    with workspace_scope(workspace):
        ann = Contact.objects.get()
        for number, lines in (
            (
                "SO-1",
                [
                    {"sku": "GEN-1", "quantity": "2", "unit_price": "1000.00"},
                    {"description": "Setup", "quantity": "1.5", "unit_price": "20.00"},
                    {"sku": "X-9", "description": "Cable", "quantity": "3", "unit_price": "0.99"},
                ],
            ),
            ("SO-2", [{"sku": "GEN-1", "quantity": "1", "unit_price": "10.00"}]),
        ):
            order_upsert(
                workspace=workspace,
                actor=owner,
                data={
                    "external_id": number,
                    "ordered_at": "2025-01-02T08:00:00+00:00",
                    "currency": "EUR",
                    "contact_id": ann.pk,
                    "lines": lines,
                },
            )
    text = _export(owner_client, "orders")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["external_id"], r["sku"], r["quantity"], r["total"]) for r in rows] == [
        ("SO-1", "GEN-1", "2.000", "2032.97"),
        ("SO-1", "", "1.500", "2032.97"),
        ("SO-1", "X-9", "3.000", "2032.97"),
        ("SO-2", "GEN-1", "1.000", "10.00"),
    ]

    batch = _import(second, owner, "orders", text)

    assert (batch.created, batch.updated, batch.failed, _errors(batch)) == (2, 2, 0, [])
    assert orders_of(second) == orders_of(workspace)
    assert orders_of(second)[0]["money"] == (Decimal("2032.97"), "EUR")
    with workspace_scope(second):
        import_undo(workspace=second, actor=owner, batch=batch)
        assert not Order.objects.exists()


def test_an_order_reimported_in_update_mode_keeps_its_lines(owner_client, workspace, owner):
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner, first_name="Ann", emails=["ann@acme.example"])
        order_upsert(
            workspace=workspace,
            actor=owner,
            data={
                "external_id": "SO-1",
                "contact_id": ann.pk,
                "lines": [
                    {"sku": "A", "quantity": "1", "unit_price": "5.00"},
                    {"sku": "B", "quantity": "2", "unit_price": "7.00"},
                ],
            },
        )
    before = orders_of(workspace)

    batch = _import(workspace, owner, "orders", _export(owner_client, "orders"), mode="update")

    assert (batch.updated, batch.failed) == (2, 0)
    assert orders_of(workspace) == before


def products_of(workspace):
    with workspace_scope(workspace):
        return [
            (p.sku, p.name, p.active, sorted((x.currency, x.unit_price) for x in p.prices.all()))
            for p in Product.objects.order_by("sku")
        ]


def test_products_export_and_import_back_with_every_price(owner_client, workspace, owner, second):
    with workspace_scope(workspace):
        product_create(
            workspace=workspace,
            actor=owner,
            data={"sku": "GEN-1", "name": "Generator", "prices": {"EUR": "10.50", "USD": "12"}},
        )
        old = product_create(
            workspace=workspace, actor=owner, data={"sku": "OLD", "name": "=Old, kit"}
        )
        product_update(workspace=workspace, actor=owner, product=old, data={"active": False})
    text = _export(owner_client, "products")
    assert [r["sku"] for r in csv.DictReader(io.StringIO(text))] == ["OLD", "GEN-1", "GEN-1"]

    batch = _import(second, owner, "products", text)

    assert (batch.created, batch.updated, batch.failed, _errors(batch)) == (2, 1, 0, [])
    assert products_of(second) == products_of(workspace)
    assert products_of(second)[0] == (
        "GEN-1",
        "Generator",
        True,
        [("EUR", Decimal("10.50")), ("USD", Decimal("12.00"))],
    )
    with workspace_scope(second):
        import_undo(workspace=second, actor=owner, batch=batch)
        assert not Product.objects.exists()


def test_the_catalogue_page_links_its_csv_export(owner_client, workspace, owner):
    response = owner_client.get("/products/")

    assert response.status_code == 200
    assert "/exports/products.csv" in response.content.decode()
