"""Hostile and messy import files, as a user migrating from another CRM or a spreadsheet
brings them: old Mac encodings, damaged workbooks, odd line endings, cards left unclosed.
Each goes through the real entry points (the upload service, the API, the CLI)."""

import datetime as dt
import io
import re
import zipfile

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from rapport.api.testing import ApiClient
from rapport.contacts.models import Contact
from rapport.core.errors import ServiceValidationError
from rapport.data.csv_files import detect_encoding
from rapport.data.models import ImportBatch, ImportRowError
from rapport.sales.models import Deal
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


def _errors(batch):
    with workspace_scope(batch.workspace):
        return [(e.row, e.column, e.message) for e in ImportRowError.objects.filter(batch=batch)]


def _contacts(workspace, *fields):
    with workspace_scope(workspace):
        return list(Contact.objects.order_by("pk").values_list(*fields))


# --- Mac Roman -------------------------------------------------------------------------------

MAC_PEOPLE = (
    "First Name,Last Name,City,Notes\r"  # Excel for Mac ends lines with CR alone
    "Renée,Müller,Zürich,don’t call before 9\r"
    "François,Lefèvre,Besançon,«VIP»\r"
)


def test_an_old_excel_for_mac_csv_in_mac_roman_is_imported_as_written(
    workspace, upload, run_import
):
    raw = MAC_PEOPLE.encode("mac_roman")
    assert b"Ren\x8ee" in raw and b"M\x9fller" in raw and b"don\xd5t" in raw

    batch = upload(workspace, raw)
    assert batch.encoding == "mac_roman"
    batch = run_import(batch)

    assert (batch.created, batch.failed) == (2, 0)
    assert _contacts(workspace, "first_name", "last_name", "city") == [
        ("Renée", "Müller", "Zürich"),
        ("François", "Lefèvre", "Besançon"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        MAC_PEOPLE,
        "Vorname;Nachname\nÖzlem;Groß\nÄnne;Bäcker\n",
        "NOM,VILLE\nRENÉE,MONTRÉAL\n",
        "Name,Amount\nAnn,1\u00a0000\n",
        "Nombre\nJosé Ibáñez\nÁngel Peña\n",
    ],
)
def test_mac_roman_is_told_from_windows_1252_where_the_evidence_is_clear(text):
    assert detect_encoding(io.BytesIO(text.encode("mac_roman"))) == "mac_roman"
    assert detect_encoding(io.BytesIO(text.encode("cp1252"))) == "cp1252"


@pytest.mark.parametrize("text", ["Name\nZoë\n", "Name,Note\nAnn,“VIP”\n"])
def test_a_file_that_reads_sensibly_either_way_stays_windows_1252(text):
    """ "Zoë" in Mac Roman is "Zo’" in Windows-1252, "“VIP”" is "ÒVIPÓ": both could be
    meant, so the usual encoding is kept."""
    assert detect_encoding(io.BytesIO(text.encode("mac_roman"))) == "cp1252"


# --- workbooks whose errors name the sheet -------------------------------------------------


def _workbook(rows, name="Kunden"):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet("Notes").write(0, 0, "exported from OtherCRM")
    sheet = book.add_worksheet(name)
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def _sheet_xml_changed(raw, change):
    """The workbook with its second sheet's XML passed through `change` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = change(data)
            if data is not None:
                target.writestr(info, data)
    return out.getvalue()


PEOPLE_SHEET = _workbook([["Email", "First Name"], ["ann@x.io", "Ann"], ["bob@x.io", "Bob"]])
BROKEN_SHEETS = {
    # a text cell pointing past the shared strings
    "bad cell": (
        _sheet_xml_changed(PEOPLE_SHEET, lambda d: d.replace(b"<v>3</v>", b"<v>999</v>", 1)),
        "sheet 'Kunden' is unreadable (Cell string index not found",
    ),
    "cut short": (
        _sheet_xml_changed(PEOPLE_SHEET, lambda d: d[: len(d) // 2]),
        "sheet 'Kunden' is unreadable (syntax error",
    ),
    "missing": (
        _sheet_xml_changed(PEOPLE_SHEET, lambda d: None),
        "sheet 'Kunden' is unreadable (Kunden)",
    ),
}


@pytest.mark.parametrize("case", BROKEN_SHEETS)
def test_a_damaged_sheet_is_refused_naming_the_file_and_the_sheet(workspace, upload, case):
    raw, message = BROKEN_SHEETS[case]

    with pytest.raises(ServiceValidationError) as exc:
        upload(workspace, raw, name="crm.xlsx")

    [error] = exc.value.errors
    assert error.field == "file"
    assert error.message.startswith(f"'crm.xlsx': {message}")


def test_the_wizard_api_and_cli_show_the_sheet_at_fault(workspace, owner, owner_client, tmp_path):
    raw, message = BROKEN_SHEETS["bad cell"]

    page = owner_client.post(
        "/imports/new/",
        {"entity": "contacts", "file": SimpleUploadedFile("crm.xlsx", raw)},
    )
    api = ApiClient.with_token(owner, workspace)
    response = api.client.post(
        "/api/v1/data/imports",
        {"file": SimpleUploadedFile("crm.xlsx", raw), "entity": "contacts"},
        headers=api.headers,
    )
    path = tmp_path / "crm.xlsx"
    path.write_bytes(raw)
    with pytest.raises(CommandError) as cli:
        call_command(
            "import_file", str(path), "--workspace", workspace.slug, "--entity", "contacts"
        )

    field = re.search(r'id="field-file".*?</div>', page.content.decode(), re.S)
    assert field is not None and message in field.group(0).replace("&#x27;", "'")
    assert response.status_code == 422 and message in response.content.decode()
    assert message in str(cli.value)
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()


# --- text files ----------------------------------------------------------------------------

PEOPLE = "First Name,Last Name,Email\r\nZoë,Müller,zoe@x.io\r\nBo,Ray,bo@x.io\r\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_bom_is_read_as_utf16(workspace, upload, run_import, encoding):
    batch = upload(workspace, PEOPLE.encode(encoding))
    assert (batch.encoding, batch.columns) == (encoding, ["First Name", "Last Name", "Email"])

    batch = run_import(batch)

    assert (batch.created, batch.failed) == (2, 0)
    assert _contacts(workspace, "first_name", "email") == [("Zoë", "zoe@x.io"), ("Bo", "bo@x.io")]


def test_nul_bytes_in_a_damaged_file_are_dropped_not_stored(workspace, upload, run_import):
    raw = b"First Name,Last\x00 Name,Email\r\nAnn,L\x00ee,ann\x00@x.io\r\nBo,Ray,bo@x.io\r\n"

    batch = upload(workspace, raw)
    batch = run_import(batch)

    assert batch.columns == ["First Name", "Last Name", "Email"]
    assert (batch.created, batch.failed) == (2, 0)
    assert _contacts(workspace, "last_name", "email") == [("Lee", "ann@x.io"), ("Ray", "bo@x.io")]


def test_a_quote_never_closed_is_named_as_the_likely_cause_of_a_row_error(
    workspace, upload, run_import
):
    raw = b'First Name,Last Name,Email\r\nAnn,Lee,ann@x.io\r\nBo,"Ray,bo@x.io\r\nCy,Wu,cy@x.io\r\n'

    batch = run_import(upload(workspace, raw))

    assert (batch.created, batch.failed) == (1, 1)
    assert _errors(batch) == [
        (
            3,
            "Last Name",
            "has 2 cells where the header has 3 columns; the value in 'Last Name' runs over "
            "2 lines: is its closing quote missing?",
        )
    ]


def test_mixed_line_endings_and_a_quoted_line_break_keep_every_row(workspace, upload, run_import):
    raw = b'First Name,Last Name,Email\r\nAnn,Lee,ann@x.io\nBo,"Ray\r\nJr",bo@x.io\rCy,Wu,cy@x.io'

    batch = run_import(upload(workspace, raw))

    assert (batch.created, batch.failed) == (3, 0)
    assert _contacts(workspace, "last_name") == [("Lee",), ("Ray Jr",), ("Wu",)]


# --- workbooks: merged cells ---------------------------------------------------------------


def test_a_value_merged_down_belongs_to_each_row_and_one_merged_across_to_its_first_column(
    workspace, upload, run_import
):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("People")
    sheet.write_row(0, 0, ["Company", "First Name", "Last Name", "Email"])
    sheet.merge_range(1, 0, 3, 0, "Acme")  # the company beside its three people
    for r, person in enumerate([("Ann", "Lee"), ("Bo", "Ray"), ("Cy", "Wu")], start=1):
        sheet.write_row(r, 1, [*person, f"{person[0].lower()}@x.io"])
    sheet.merge_range(4, 1, 4, 2, "Dee")  # a name across both name columns
    sheet.write(4, 3, "dee@x.io")
    sheet.merge_range(5, 0, 6, 0, "Initech")  # merged below the last row written
    sheet.write_row(5, 1, ["Eve", "Ng", "eve@x.io"])
    book.close()

    batch = run_import(upload(workspace, buffer.getvalue(), name="people.xlsx"))

    assert (batch.created, batch.failed) == (5, 0)
    assert _contacts(workspace, "first_name", "last_name", "primary_company__name") == [
        ("Ann", "Lee", "Acme"),
        ("Bo", "Ray", "Acme"),
        ("Cy", "Wu", "Acme"),
        ("Dee", "", None),
        ("Eve", "Ng", "Initech"),
    ]


# --- vCards --------------------------------------------------------------------------------


def test_cards_missing_their_end_are_read_up_to_the_next_card_or_the_end_of_the_file(
    workspace, upload, run_import
):
    raw = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nEMAIL:ann@x.io\r\n"
        "NOTE:a note folded\r\n  over two lines\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ray;Bo;;;\r\nEMAIL:bo@x.io\r\n"  # no END
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Wu;Cy;;;\r\nEMAIL:cy@x.io\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Dee;Di;;;\r\nEMAIL:di@x.io\r\n"  # cut short
    )

    batch = upload(workspace, raw, name="contacts.vcf")
    assert batch.total_rows == 4
    batch = run_import(batch)

    assert (batch.created, batch.failed) == (4, 0)
    assert _contacts(workspace, "first_name", "email") == [
        ("Ann", "ann@x.io"),
        ("Bo", "bo@x.io"),
        ("Cy", "cy@x.io"),
        ("Di", "di@x.io"),
    ]


def test_a_vcard_file_in_utf16_without_its_bom_is_told_a_vcard(workspace, upload, run_import):
    raw = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Müller;Zoë;;;\r\nEMAIL:zoe@x.io\r\nEND:VCARD\r\n"

    batch = upload(workspace, raw.encode("utf-16-le"), name="contacts.vcf")
    assert (batch.file_format, batch.encoding) == ("vcard", "utf-16-le")
    batch = run_import(batch)

    assert _contacts(workspace, "first_name", "last_name") == [("Zoë", "Müller")]


# --- dates ---------------------------------------------------------------------------------


def test_dates_follow_the_workspace_s_region_unless_only_one_reading_fits(
    workspace, owner, upload, run_import
):
    """The workspace (US) writes the month first, but 13/02/2024 can only be 13 February:
    the column is day first (`column_dates`), so 01/02/2024 is 1 February; a dotted date is
    always day first, an Excel serial is a date."""
    with workspace_scope(workspace):
        make_pipeline(workspace, owner)
    raw = (
        "Deal Name,Amount,Stage,Close Date\r\n"
        "A,1,Proposal,01/02/2024\r\nB,1,Proposal,13/02/2024\r\n"
        "C,1,Proposal,01.02.2024\r\nD,1,Proposal,45657\r\nE,1,Proposal,31/02/2024\r\n"
    )

    batch = run_import(upload(workspace, raw, entity="deals", name="deals.csv"))

    assert (batch.created, batch.failed) == (4, 1)
    assert [(row, column) for row, column, _ in _errors(batch)] == [(6, "Close Date")]
    with workspace_scope(workspace):
        dates = dict(Deal.objects.values_list("name", "expected_close_date"))
    assert dates == {
        "A": dt.date(2024, 2, 1),
        "B": dt.date(2024, 2, 13),
        "C": dt.date(2024, 2, 1),
        "D": dt.date(2024, 12, 31),
    }
