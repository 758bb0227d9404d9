"""An admin sets up a pipeline and a product from the settings pages, then uses them."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_new_pipeline_opens_as_an_empty_board_and_a_product_joins_the_catalogue(
    page, log_in, workspace, owner
):
    log_in("olivia")
    page.goto("/settings/pipelines/")
    page.get_by_label("Name").fill("Partners")
    page.get_by_label("Stages").fill("Intro, 10\nPilot, 50\nSigned, won\nDropped, lost")
    page.get_by_role("button", name="Create pipeline").click()
    expect(page.locator(".flash")).to_contain_text("Created the pipeline “Partners”")
    page.get_by_role("link", name="Open board").click()
    board = page.locator(".board")
    for stage in ("Intro", "Pilot", "Signed", "Dropped"):
        expect(board).to_contain_text(stage)
    page.goto("/products/")
    page.get_by_label("SKU").fill("SEAT")
    page.get_by_label("Name").fill("Seat licence")
    page.get_by_label("Prices").fill("USD 49.00")
    page.get_by_role("button", name="Add product").click()
    expect(page.locator("table")).to_contain_text("49.00 USD")
