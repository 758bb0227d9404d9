"""Filter the contacts list, download it as CSV and as Excel with that filter, then open the
data quality dashboard."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.data.tests.workbooks import sheet_rows

pytestmark = pytest.mark.browser


def _download(page, link_id: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f"#{link_id}").click()
    return Path(info.value.path()).read_bytes()


def test_a_filtered_list_exports_as_csv_and_excel(page, log_in, workspace, owner):
    make_contact(workspace, first_name="Lena", last_name="Lead", lifecycle_stage="lead")
    make_contact(workspace, first_name="Carl", last_name="Customer", lifecycle_stage="customer")
    make_contact(workspace, first_name="Cleo", last_name="Client", lifecycle_stage="customer")
    log_in("olivia")
    page.goto("/contacts/")
    page.get_by_label("Lifecycle stage").select_option("customer")
    expect(page.locator("#record-table")).not_to_contain_text("Lena Lead")
    expect(page).to_have_url(re.compile(r"lifecycle_stage=customer"))
    # The buttons came back with the filtered table: they export what it shows.
    expect(page.locator("#export-csv")).to_have_attribute(
        "href", re.compile(r"lifecycle_stage=customer")
    )

    rows = list(csv.DictReader(io.StringIO(_download(page, "export-csv").decode())))
    assert sorted(r["first_name"] for r in rows) == ["Carl", "Cleo"]
    assert {r["lifecycle_stage"] for r in rows} == {"customer"}

    sheet = sheet_rows(_download(page, "export-xlsx"))
    first = sheet[0].index("first_name")
    assert sorted(r[first] for r in sheet[1:]) == ["Carl", "Cleo"]

    page.get_by_role("link", name="Data quality").click()
    expect(page.get_by_role("heading", name="Data quality")).to_be_visible()
    contacts = page.locator(".quality-section").first
    expect(contacts).to_contain_text("(3 records)")
    expect(contacts.locator("tr[data-figure='Last name']")).to_contain_text("100%")


def test_a_background_workbook_is_prepared_then_downloaded_from_the_exports_page(
    page, log_in, workspace, owner, settings
):
    settings.RAPPORT_EXPORT_INLINE_XLSX_ROWS = 1
    make_contact(workspace, first_name="Lena", last_name="Lead", lifecycle_stage="lead")
    make_contact(workspace, first_name="Carl", last_name="Customer", lifecycle_stage="customer")
    make_contact(workspace, first_name="Cleo", last_name="Client", lifecycle_stage="customer")
    log_in("olivia")
    page.goto("/contacts/")
    page.get_by_label("Lifecycle stage").select_option("customer")
    expect(page.locator("#export-xlsx-background")).to_have_attribute(
        "href", re.compile(r"lifecycle_stage=customer.*background=1|background=1.*lifecycle")
    )
    page.locator("#export-xlsx-background").click()
    expect(page).to_have_url(re.compile(r"/exports/$"))
    expect(page.get_by_role("status")).to_contain_text("being prepared")
    row = page.locator("#export-table tbody tr").first
    expect(row).to_have_attribute("data-status", "done")
    expect(row).to_contain_text("Lifecycle stage: Customer")
    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    sheet = sheet_rows(Path(info.value.path()).read_bytes())
    first = sheet[0].index("first_name")
    assert sorted(r[first] for r in sheet[1:]) == ["Carl", "Cleo"]
