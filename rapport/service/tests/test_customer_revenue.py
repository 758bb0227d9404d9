"""The ticket page's customer card gives the requester's lifetime revenue in the workspace's
base currency and says when it converted orders in other currencies to get there (at the
rate of each order's date), or why there is no figure at all."""

import datetime as dt
import html
import re

import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.sales.services import exchange_rate_set, order_upsert
from rapport.service.page_queries import customer_context
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, emails=["ann@acme.io"])


@pytest.fixture
def ticket(workspace, owner, ann):
    return make_ticket(workspace, owner, ann, subject="Where is my parcel?")


@pytest.fixture
def eur_rates(workspace, owner):
    with workspace_scope(workspace):
        for day, rate in ((dt.date(2026, 1, 1), "1.10"), (dt.date(2026, 3, 1), "1.20")):
            exchange_rate_set(workspace=workspace, actor=owner, currency="EUR", day=day, rate=rate)


def order(workspace, owner, contact, ref, currency, price, day, status="paid"):
    with workspace_scope(workspace):
        order_upsert(
            workspace=workspace,
            actor=owner,
            data={
                "external_id": ref,
                "ordered_at": f"{day}T10:00:00+00:00",
                "currency": currency,
                "status": status,
                "contact_id": contact.pk,
                "lines": [{"sku": "MUG", "description": "Mug", "quantity": 1, "unit_price": price}],
            },
        )


def revenue_on_card(client, ticket) -> str:
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "{#" not in page and "comment %}" not in page  # no template comment shows
    card = page[page.index('id="customer-revenue">') + len('id="customer-revenue">') :]
    card = card[: card.index("</div>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", card)).split())


def test_orders_in_other_currencies_are_summed_at_each_dates_rate_and_said_so(
    owner_client, workspace, owner, ann, ticket, eur_rates
):
    order(workspace, owner, ann, "A-1", "USD", "1000.00", "2026-01-20")
    order(workspace, owner, ann, "A-2", "EUR", "100.00", "2026-02-10")  # at 1.10: 110.00
    order(workspace, owner, ann, "A-3", "EUR", "100.00", "2026-03-05")  # at 1.20: 120.00
    assert revenue_on_card(owner_client, ticket) == (
        "Lifetime revenue 1,230.00 USD (converted to USD)"
    )
    with workspace_scope(workspace):
        customer = customer_context(workspace=workspace, ticket=ticket)
    assert (str(customer.lifetime_revenue), customer.currency) == ("1230.00", "USD")
    assert customer.revenue_converted and customer.revenue_error == ""


def test_a_figure_all_in_the_base_currency_is_not_called_converted(
    owner_client, workspace, owner, ann, ticket, eur_rates
):
    order(workspace, owner, ann, "A-1", "USD", "1000.00", "2026-01-20")
    # A cancelled order in euros is not counted, so nothing was converted.
    order(workspace, owner, ann, "A-2", "EUR", "100.00", "2026-02-10", status="cancelled")
    assert revenue_on_card(owner_client, ticket) == "Lifetime revenue 1,000.00 USD"


def test_no_orders_is_zero_in_the_base_currency(owner_client, ticket):
    assert revenue_on_card(owner_client, ticket) == "Lifetime revenue 0.00 USD"


def test_an_order_without_a_rate_leaves_no_figure_and_says_why(
    owner_client, workspace, owner, ann, ticket
):
    order(workspace, owner, ann, "A-1", "USD", "1000.00", "2026-01-20")
    order(workspace, owner, ann, "A-2", "GBP", "50.00", "2026-02-10")
    assert revenue_on_card(owner_client, ticket) == (
        "Lifetime revenue — No total in USD: no GBP→USD exchange rate on or before 2026-02-10"
    )
