"""From a web lead to a won deal: capture, convert, drag across the board, see the money."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rapport.audit.models import AuditEntry
from rapport.sales.leads import web_form_create
from rapport.sales.models import Deal, Lead, Order
from rapport.sales.services import deal_create, deal_update
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser

# Set RAPPORT_SCREENSHOTS=<dir> to keep a picture of each page the journey passes through.
SHOTS = os.environ.get("RAPPORT_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def drag(page, card, column):
    """A real drag with the mouse: press on the card, move in steps, release over the column."""
    start = card.bounding_box()
    target = column.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=4)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 30, steps=20)
    page.mouse.up()


def test_a_web_lead_becomes_a_won_deal_an_order_and_forecast_revenue(
    page, log_in, workspace, owner
):
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace, owner)
        stages = stage_ids(pipeline)
        form = web_form_create(workspace=workspace, actor=owner, name="Website contact")
        # Won earlier this month: the forecast's closed-won figure starts from it.
        earlier = deal_create(
            workspace=workspace, actor=owner, data={"name": "Earlier win", "amount": "1000"}
        )
        deal_update(
            workspace=workspace, actor=owner, deal=earlier, data={"stage_id": stages["Won"]}
        )

    # A visitor fills in the public form: no login.
    page.goto(f"/forms/{form.key}/")
    page.get_by_label("First name").fill("Katherine")
    page.get_by_label("Last name").fill("Johnson")
    page.get_by_label("Email").fill("katherine@orbits.io")
    page.get_by_label("Company name").fill("Orbits Inc")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    with workspace_scope(workspace):
        lead = Lead.objects.get(email="katherine@orbits.io")
    assert lead.source == "web form"

    log_in("olivia")
    page.goto("/forecast/")
    expect(page.locator("#closed-won-now")).to_have_text("1,000")

    # The lead is in the list; converting it with a deal opens the new contact.
    page.get_by_role("link", name="Leads").first.click()
    page.get_by_role("link", name="Katherine Johnson").click()
    shot(page, "lead")
    page.get_by_label("Amount").fill("4200")
    page.get_by_role("button", name="Convert lead").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "created contact Katherine Johnson, created company Orbits Inc, "
        "created deal Orbits Inc deal"
    )
    with workspace_scope(workspace):
        lead.refresh_from_db()
        deal = Deal.objects.get(pk=lead.converted_deal_id)
    expect(page).to_have_url(re.compile(rf"/contacts/{lead.converted_contact_id}/$"))
    expect(page.locator("#purchases")).to_contain_text("No purchases yet")

    # On the board, the new deal is dragged from its first stage to Won.
    page.get_by_role("link", name="Deals").first.click()
    card = page.locator(f"#deal-{deal.pk}")
    expect(page.locator(f'.board-cards[data-stage="{stages["Qualify"]}"] #deal-{deal.pk}'))
    expect(card).to_contain_text("4,200.00")
    shot(page, "board")
    drag(page, card, page.locator(f'.board-cards[data-stage="{stages["Won"]}"]'))
    won_column = page.locator(f'.board-cards[data-stage="{stages["Won"]}"]')
    expect(won_column.locator(f"#deal-{deal.pk}")).to_be_visible()
    # The board is redrawn from the server: the Won column now counts both deals.
    expect(page.locator(f"#col-{stages['Won']} ~ .board-sum")).to_contain_text("2 deals")
    expect(page.locator("#board-message")).to_be_hidden()
    with workspace_scope(workspace):
        deal.refresh_from_db()
        assert deal.outcome == "won"
        entry = AuditEntry.objects.get(entity="sales.deal", object_id=deal.pk, action="update")
        order = Order.objects.get(deal=deal)
    assert entry.source == "ui" and entry.changes["stage"][1] == stages["Won"]
    shot(page, "board-after")

    # The order shows on the contact's purchases, and the forecast counts the win.
    page.goto(f"/contacts/{lead.converted_contact_id}/")
    purchases = page.locator("#purchases")
    expect(purchases).to_contain_text("4,200.00 USD")
    expect(purchases).to_contain_text("1 × Orbits Inc deal")
    expect(page.locator("#lifetime-revenue")).to_have_text("4,200.00 USD")
    assert order.total == deal.amount
    shot(page, "contact")
    page.goto("/forecast/")
    expect(page.locator("#closed-won-now")).to_have_text("5,200")
    expect(page.locator("#forecast-chart")).to_be_visible()
    # The KPI tiles and the deals at risk arrive as panels after the page.
    expect(page.get_by_text("Win rate")).to_be_visible()
    expect(page.locator("#at-risk")).to_be_visible()
    shot(page, "forecast")
    # By quarter: the table's periods are quarters, this one holding both wins.
    page.get_by_role("link", name="Quarters").click()
    expect(page.locator("#forecast-table tbody th").first).to_contain_text("-Q")
    expect(page.locator("#closed-won-now")).to_have_text("5,200")
