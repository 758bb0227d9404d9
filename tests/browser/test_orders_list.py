"""The orders list's filters reload the table in place and keep the export links in step."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.sales.services import order_upsert
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_orders_filter_by_status_and_number(page, log_in, workspace, owner):
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner, first_name="Ann", last_name="Buyer")
        for number, status in [("SHOP-100", "paid"), ("SHOP-200", "refunded"), ("ERP-300", "paid")]:
            order_upsert(
                workspace=workspace,
                actor=owner,
                data={
                    "external_id": number,
                    "ordered_at": "2026-03-01T10:00:00+00:00",
                    "status": status,
                    "contact_id": ann.pk,
                    "lines": [{"description": "Mug", "quantity": 1, "unit_price": "1500"}],
                },
            )
    log_in("olivia")
    page.goto("/orders/")
    table = page.locator("#order-table")
    expect(table).to_contain_text("1,500.00 USD")
    page.get_by_label("Status").select_option("refunded")
    expect(table).not_to_contain_text("SHOP-100")
    expect(table).to_contain_text("SHOP-200")
    expect(page).to_have_url(re.compile(r"status=refunded"))
    expect(page.locator("#export-csv")).to_have_attribute("href", re.compile(r"status=refunded"))
    page.get_by_label("Status").select_option("")
    page.get_by_label("Order number").fill("erp")
    expect(table).not_to_contain_text("SHOP-200")
    expect(table).to_contain_text("ERP-300")
