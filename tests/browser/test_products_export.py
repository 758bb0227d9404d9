"""The catalogue page exports its products as CSV, a row per price, as the products import
reads them back."""

import csv
import io
from pathlib import Path

import pytest

from rapport.sales.services import product_create
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_the_catalogue_downloads_as_csv_a_row_per_price(page, log_in, workspace, owner):
    with workspace_scope(workspace):
        product_create(
            workspace=workspace,
            actor=owner,
            data={"sku": "GEN-1", "name": "Generator", "prices": {"EUR": "10.50", "USD": "12"}},
        )
    log_in("olivia")
    page.goto("/products/")

    with page.expect_download() as info:
        page.locator("#export-csv").click()
    text = Path(info.value.path()).read_bytes().decode()

    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["sku"], r["unit_price"], r["currency"]) for r in rows] == [
        ("GEN-1", "10.50", "EUR"),
        ("GEN-1", "12.00", "USD"),
    ]
