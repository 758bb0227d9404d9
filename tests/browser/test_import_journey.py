"""Importing contacts in the browser: upload a CSV with some bad rows, map its columns, read
the preview, start, watch the progress as a worker runs the import, download the error report
and undo the whole import, watching the undo run."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PEOPLE = b"""First Name,Last Name,Email Address,Cell,Company
Ann,Lee,ann@acme.io,+1 415 555 2671,Acme
Bob,Ray,not-an-email,,Acme
Cy,Dee,cy@acme.io,12,
Di,Eve,di@acme.io,+1 415 555 2674,Globex
Ed,Fox,ed@acme.io,,
"""


@pytest.fixture
def queued_tasks(settings):
    """Tasks go to the database queue, as in production, and run only when the test runs the
    worker: the batch page is seen queued, then polled until done."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_a_member_imports_contacts_reads_the_errors_and_undoes_the_import(
    page, log_in, workspace, owner, queued_tasks, tmp_path
):
    log_in("olivia")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.locator("#import-table")).to_contain_text("No import yet.")
    page.get_by_role("link", name="New import").click()

    # 1. Upload.
    page.get_by_label("What to import").select_option("contacts")
    page.get_by_label("File").set_input_files(
        [{"name": "people.csv", "mimeType": "text/csv", "buffer": PEOPLE}]
    )
    page.get_by_role("button", name="Upload and map columns").click()

    # 2. Mapping: known headers are suggested; "Cell" is not, and is mapped by hand. A second
    # column fed into a single field is refused next to that column.
    expect(page.locator("h1")).to_have_text("Map columns")
    expect(page.locator(".page-head")).to_contain_text("5 data rows")
    expect(page.get_by_label("First Name")).to_have_value("first_name")
    expect(page.get_by_label("Email Address")).to_have_value("email")
    expect(page.get_by_label("Cell")).to_have_value("")
    page.get_by_label("Cell").select_option("phone")
    page.get_by_label("Company").select_option("first_name")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#field-column_4")).to_contain_text(
        "'First name' is already fed by column 'First Name'"
    )
    summary = page.locator("#mapping-errors")
    expect(summary).to_be_in_viewport()
    summary.get_by_role("link", name="Company").click()
    expect(page.locator("#field-column_4")).to_be_in_viewport()
    page.get_by_label("Company").select_option("company")
    page.get_by_role("button", name="Preview").click()

    # 3. Preview: the rows as they will be stored, and why two of them will not be.
    preview = page.locator("#preview-table")
    expect(preview).to_contain_text("+14155552671")
    expect(page.locator("#preview-failing")).to_contain_text("2 of these rows would not be")
    bob = preview.locator("tr", has_text="not-an-email")
    expect(bob).to_contain_text("Failed")
    expect(preview.locator("tbody tr").nth(2)).to_contain_text("Cell:")
    # Back to the mapping: the hand-made choice was kept.
    page.get_by_role("link", name="← Back to mapping").click()
    expect(page.get_by_label("Cell")).to_have_value("phone")
    page.get_by_role("button", name="Preview").click()

    # 4. Start: the batch waits for a worker; its page polls and shows the run end.
    page.get_by_role("button", name="Start import").click()
    status = page.locator("#import-status")
    expect(status).to_contain_text("Queued")
    expect(status).to_contain_text("0 of 5 rows read (0%)")
    expect(status.get_by_role("button", name="Cancel import")).to_be_visible()
    batch_url = page.url

    run_worker()

    expect(status).to_contain_text("Done", timeout=15_000)
    expect(status).to_contain_text("All 5 rows read")
    expect(page.locator("#import-bar")).to_have_attribute("value", "5")
    expect(status.get_by_role("button", name="Cancel import")).to_have_count(0)
    expect(page.locator("#count-created")).to_have_text("3")
    expect(page.locator("#count-failed")).to_have_text("2")
    expect(page.locator("#import-errors")).to_contain_text("not a valid email")

    # The state lives in the database: a reload shows the same.
    page.reload()
    assert page.url == batch_url
    expect(page.locator("#count-created")).to_have_text("3")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("Email Address")
    expect(errors.nth(1)).to_contain_text("Cell")

    # The error report.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download errors as CSV").click()
    report = Path(tmp_path) / "errors.csv"
    download.value.save_as(report)
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["row", "column", "error", *PEOPLE.decode().splitlines()[0].split(",")]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("3", "Email Address", "Bob"),
        ("4", "Cell", "Cy"),
    ]
    assert "not a valid email" in rows[1][2]

    # The imported contacts are there...
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    for name in ("Ann Lee", "Di Eve", "Ed Fox"):
        expect(page.locator("main")).to_contain_text(name)

    # ...until the import is undone, after a confirmation.
    page.goto(batch_url)
    page.get_by_role("link", name="Undo import").click()
    expect(page.locator("h1")).to_contain_text("Undo the import of people.csv?")
    expect(page.locator("form.confirm")).to_contain_text("deletes the 3 records")
    page.get_by_role("button", name="Undo import").click()
    expect(page.locator(".flash-success")).to_contain_text("Undoing the import")
    # The undo is queued: the page says so and polls, with no cancel, until a worker runs it;
    # it takes back the 3 contacts and the 2 companies the rows named.
    expect(status).to_contain_text("Being undone")
    expect(status).to_contain_text("Undoing: 0 of 5 records taken back")
    expect(status.get_by_role("button", name="Cancel import")).to_have_count(0)

    run_worker()

    expect(status).to_contain_text("Undone", timeout=15_000)
    expect(status).to_contain_text("the records it created are deleted")
    expect(page.get_by_role("link", name="Undo import")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    for name in ("Ann Lee", "Di Eve", "Ed Fox"):
        expect(page.locator("main")).not_to_contain_text(name)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    row = page.locator("#import-table tbody tr", has_text="people.csv")
    expect(row).to_contain_text("Undone")
    expect(row).to_contain_text("5 / 5")


def test_on_a_phone_the_preview_shows_why_a_row_fails_without_scrolling_sideways(
    page, log_in, workspace, owner
):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("olivia")
    page.goto("/imports/new/")
    page.get_by_label("What to import").select_option("contacts")
    page.get_by_label("File").set_input_files(
        [{"name": "people.csv", "mimeType": "text/csv", "buffer": PEOPLE}]
    )
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_label("Cell").select_option("phone")
    page.get_by_role("button", name="Preview").click()

    bob = page.locator("#preview-table tr", has_text="not-an-email")
    expect(bob).to_contain_text("Failed")
    reason = bob.get_by_text("'not-an-email' is not a valid email")
    expect(reason).to_be_in_viewport(ratio=0.5)
