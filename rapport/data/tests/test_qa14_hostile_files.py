"""Hostile and messy import files, as a user migrating from another CRM or a spreadsheet
brings them: old Mac encodings, damaged workbooks, odd line endings, cards left unclosed.
Each goes through the real entry points (the upload service, the API, the CLI)."""

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
