"""Phone numbers as spreadsheets leave them: stored as numbers, their + dropped, or rounded."""

import io

import xlsxwriter

from rapport.contacts.models import Contact
from rapport.data.models import ImportRowError
from rapport.tenancy.access import workspace_scope


def test_a_phone_excel_stored_as_a_number_is_read_as_the_international_number_it_was(
    workspace, upload, run_import
):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Email", "Phone"])
    sheet.write_row(1, 0, ["gb@x.io", 447911123456.0])  # typed "+44 7911 123456"
    sheet.write_row(2, 0, ["us@x.io", 4155552671])  # a US workspace's own number
    book.close()

    batch = run_import(upload(workspace, buffer.getvalue(), name="people.xlsx"))

    assert (batch.created, batch.failed) == (2, 0)
    with workspace_scope(workspace):
        assert list(Contact.objects.order_by("pk").values_list("phone", flat=True)) == [
            "+447911123456",
            "+14155552671",
        ]


def test_a_phone_excel_rounded_in_a_csv_is_an_error_that_says_how_to_get_it_back(
    workspace, upload, run_import
):
    batch = run_import(upload(workspace, "Email;Mobile\r\na@x.io;4,47911E+11\r\n"))

    assert batch.failed == 1
    with workspace_scope(workspace):
        [error] = ImportRowError.objects.filter(batch=batch)
    assert (error.row, error.column) == (2, "Mobile")
    assert "a spreadsheet rounded, its last digits lost: format the column as text" in (
        error.message
    )
