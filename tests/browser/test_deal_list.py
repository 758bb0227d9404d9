"""The deal list's search and column sorts reload the table in place, and a filter changed
after a sort keeps the sort; the company's page lists its deals."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_company
from rapport.sales.services import deal_create
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_deals_sort_by_a_column_and_search_by_name(page, log_in, workspace, owner):
    acme = make_company(workspace, name="Acme")
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace, owner)
        for name, amount in [("Initech deal", "300"), ("Acme big", "1200"), ("Acme small", "50")]:
            deal_create(
                workspace=workspace,
                actor=owner,
                data={
                    "name": name,
                    "amount": amount,
                    "pipeline_id": pipeline.pk,
                    "company_id": acme.pk,
                },
            )
    log_in("olivia")
    page.goto("/deals/")
    first = page.locator("#deal-table tbody tr").first
    expect(first).to_contain_text("Acme small")  # newest first

    page.locator("#deal-table th a", has_text="Amount").click()
    expect(first).to_contain_text("Acme big")
    expect(page).to_have_url(re.compile(r"sort=-amount"))
    page.locator("#deal-table th a", has_text="Amount").click()
    expect(first).to_contain_text("Acme small")
    expect(page).to_have_url(re.compile(r"sort=amount"))
    page.locator("#deal-table th a", has_text="Amount").click()
    expect(first).to_contain_text("Acme big")

    page.get_by_label("Search deals by name").fill("acme")
    expect(page.locator("#deal-table")).not_to_contain_text("Initech")
    expect(page.locator("#deal-table tbody tr")).to_have_count(2)
    expect(first).to_contain_text("Acme big")  # still largest first, not newest first
    expect(page).to_have_url(re.compile(r"q=acme.*sort=-amount|sort=-amount.*q=acme"))

    # The company's page lists its deals once loaded, each a link to the deal.
    page.goto(f"/companies/{acme.pk}/")
    card = page.locator("#record-deals")
    expect(card).to_contain_text("3 open · 0 closed")
    card.get_by_role("link", name="Acme big").click()
    expect(page.locator("#record-title")).to_contain_text("Acme big")
