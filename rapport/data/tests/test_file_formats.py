"""Excel workbooks and vCard files imported like CSV: recognised by content, not by name."""

import datetime as dt
import io
from io import StringIO

import pytest
import xlsxwriter
from django.core.management import call_command

from rapport.contacts.models import Contact
from rapport.core.errors import ServiceValidationError
from rapport.data.file_formats import detect_format
from rapport.data.models import ImportRowError
from rapport.tenancy.access import workspace_scope


def xlsx(rows, *, sheets=None, date_cells=()):
    """A workbook whose first sheet holds `rows` (a None row is left blank); `date_cells` are
    (row, column, date) written as real Excel dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    for name in sheets or []:
        book.add_worksheet(name)
    sheet = book.add_worksheet("People")
    for r, row in enumerate(rows):
        if row is not None:
            sheet.write_row(r, 0, row)
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, c, value in date_cells:
        sheet.write_datetime(r, c, value, date_format)
    book.close()
    return buffer.getvalue()


def _errors(batch):
    with workspace_scope(batch.workspace):
        return [(e.row, e.column, e.message) for e in ImportRowError.objects.filter(batch=batch)]


# --- Excel ---------------------------------------------------------------------------------


def test_an_xlsx_workbook_is_imported_with_numbers_and_row_numbers_as_excel_shows_them(
    workspace, upload, run_import
):
    raw = xlsx(
        [
            None,  # a title line left blank above the header
            ["First Name", "Last Name", "Email", "Phone", "Postal code"],
            ["ann", "LEE", "ann@acme.io", 4155552671, 94107],
            None,
            ["Bob", "Ray", "not-an-email", None, None],
        ]
    )

    batch = upload(workspace, raw, name="people.xlsx")
    assert (batch.file_format, batch.columns[:2]) == ("xlsx", ["First Name", "Last Name"])
    assert batch.mapping["Email"] == "email"
    assert batch.file.name.endswith(".xlsx")
    batch = run_import(batch)

    assert (batch.rows, batch.created, batch.failed) == (2, 1, 1)
    assert [(row, column) for row, column, _ in _errors(batch)] == [(5, "Email")]
    with workspace_scope(workspace):
        ann = Contact.objects.get()
    assert (ann.first_name, ann.last_name) == ("Ann", "Lee")  # names' casing normalised
    assert (ann.phone, ann.postal_code) == ("+14155552671", "94107")  # not "94107.0"


def test_the_first_visible_sheet_with_data_is_read_whatever_the_file_is_called(workspace, upload):
    raw = xlsx([["Email"], ["a@x.io"]], sheets=["Empty"])

    batch = upload(workspace, raw, name="export.csv")

    assert (batch.file_format, batch.columns) == ("xlsx", ["Email"])


def test_excel_dates_and_serial_numbers_reach_the_importer_as_dates(workspace, upload):
    from rapport.data.file_formats import batch_layout, file_rows

    raw = xlsx(
        [["Email", "Since", "Serial"], ["a@x.io", None, 45657]],
        date_cells=[(1, 1, dt.datetime(2024, 12, 31))],
    )
    batch = upload(workspace, raw, name="people.xlsx")

    with batch.file.open("rb") as fh:
        [row] = list(file_rows(fh, batch_layout(batch)))
    assert row.cells == ["a@x.io", "2024-12-31", "45657"]


def test_cells_right_of_the_header_are_an_error_only_when_they_hold_something(
    workspace, upload, run_import
):
    raw = xlsx([["Email", "Name"], ["a@x.io", "Ann", "stray"], ["b@x.io", "Bob"]])

    batch = run_import(upload(workspace, raw, name="people.xlsx"))

    assert (batch.created, batch.failed) == (1, 1)
    assert _errors(batch) == [(2, "", "has 3 cells where the header has 2 columns")]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"PK\x03\x04 this is no workbook", "'broken.xlsx': is not a readable Excel workbook"),
        (xlsx([]), "'broken.xlsx': the workbook has no data in any visible sheet"),
        (
            xlsx([["Email", "", "Name"]]),
            "'broken.xlsx': sheet 'People': the header row has no name for column 2",
        ),
    ],
)
def test_a_corrupt_or_empty_workbook_is_refused_naming_the_file(workspace, upload, raw, message):
    with pytest.raises(ServiceValidationError) as exc:
        upload(workspace, raw, name="broken.xlsx")

    [error] = exc.value.errors
    assert error.field == "file"
    assert error.message.startswith(message)


# --- vCard ---------------------------------------------------------------------------------

CARDS = """BEGIN:VCARD\r
VERSION:3.0\r
UID:card-1\r
N:Lee;Ann;;Dr.;\r
FN:Dr. Ann Lee\r
ORG:Acme Inc.;Sales\r
TITLE:VP Sales\r
EMAIL;TYPE=WORK:ann@acme.io\r
item1.EMAIL:ann@home.org\r
TEL;TYPE=CELL:+44 20 7946 0958\r
ADR;TYPE=WORK:;;1 Main St;London;;SW1A 1AA;United Kingdom\r
CATEGORIES:vip,fair\r
NOTE:Met at the fair\\, nice\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:3.0\r
N;;broken\r
END:VCARD\r
BEGIN:VCARD\r
VERSION:2.1\r
N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen\r
TEL;WORK:+49 30 901820\r
END:VCARD\r
"""


def test_a_vcard_file_is_imported_card_by_card(workspace, upload, run_import):
    batch = upload(workspace, CARDS.encode(), name="contacts.vcf")
    assert batch.file_format == "vcard"
    assert batch.columns[:5] == ["UID", "First Name", "Last Name", "Email", "Email 2"]
    assert {"Email 2": "email", "UID": "external_id", "Organization": "company"}.items() <= (
        batch.mapping.items()
    )

    batch = run_import(batch)

    assert (batch.rows, batch.created, batch.failed) == (3, 2, 1)
    [(row, column, message)] = _errors(batch)
    assert (row, column) == (2, "")  # the second card
    assert "is not a readable vCard" in message
    with workspace_scope(workspace):
        ann = Contact.objects.get(external_id="card-1")
        assert (ann.first_name, ann.last_name, ann.job_title) == ("Ann", "Lee", "VP Sales")
        assert [e.email for e in ann.emails.all()] == ["ann@acme.io", "ann@home.org"]
        assert (ann.phone, ann.city, ann.postal_code, ann.country) == (
            "+442079460958",
            "London",
            "SW1A 1AA",
            "GB",
        )
        assert ann.primary_company.name == "Acme Inc."
        assert sorted(t.name for t in ann.tags.all()) == ["fair", "vip"]
        assert Contact.objects.get(last_name="Müller").phone == "+4930901820"


@pytest.mark.parametrize(
    "raw", [b"BEGIN:VCARD\r\n", b"\xef\xbb\xbfBEGIN:VCARD\r\n\r\nBEGIN:VCARD\r\n"]
)
def test_a_vcard_file_without_any_card_is_refused_naming_the_file(workspace, upload, raw):
    with pytest.raises(ServiceValidationError) as exc:
        upload(workspace, raw, name="contacts.vcf")

    assert exc.value.as_dict() == {
        "file": ["'contacts.vcf': holds no vCard (no BEGIN:VCARD ... END:VCARD block)"]
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"PK\x03\x04...", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...", "xls"),
        (b"\xef\xbb\xbfbegin:vcard\r\n", "vcard"),
        ("BEGIN:VCARD\n".encode("utf-16"), "vcard"),
        (b"Email\na@x.io\n", "csv"),
    ],
)
def test_the_format_is_told_by_the_content(raw, expected):
    assert detect_format(io.BytesIO(raw)) == expected


# --- the command ---------------------------------------------------------------------------


def test_the_import_file_command_reads_a_workbook(workspace, owner, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx([["Email", "First Name"], ["ann@x.io", "Ann"]]))
    out = StringIO()

    call_command(
        "import_file", str(path), "--workspace", workspace.slug, "--entity", "contacts", stdout=out
    )

    assert "1 rows, 1 created" in out.getvalue()
    with workspace_scope(workspace):
        assert Contact.objects.get().email == "ann@x.io"


def test_a_workbook_that_would_unpack_beyond_the_limit_is_refused_before_it_is_read(
    workspace, upload, monkeypatch
):
    monkeypatch.setattr("rapport.data.spreadsheet_files.MAX_UNPACKED_BYTES", 1000)

    with pytest.raises(ServiceValidationError) as exc:
        upload(workspace, xlsx([["Email"], ["a@x.io"]]), name="big.xlsx")

    assert "'big.xlsx': the workbook unpacks to more than" in exc.value.errors[0].message


def test_the_api_takes_a_workbook_and_lists_the_sales_importers(workspace, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rapport.api.testing import ApiClient

    api = ApiClient.with_token(owner, workspace)
    upload = SimpleUploadedFile("people.xlsx", xlsx([["Email"], ["a@x.io"]]))

    created = api.client.post(
        "/api/v1/data/imports", {"file": upload, "entity": "contacts"}, headers=api.headers
    )
    importers = api.get("/data/importers").json()

    assert created.status_code == 201, created.content
    assert (created.json()["file_format"], created.json()["delimiter"]) == ("xlsx", "")
    assert {"leads", "products", "deals", "orders"} <= {i["entity"] for i in importers}
