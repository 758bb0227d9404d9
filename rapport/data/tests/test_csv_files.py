import io

import pytest

from rapport.core.errors import ServiceValidationError
from rapport.data.csv_files import FIELD_LIMIT, csv_layout, csv_rows, detect_encoding
from rapport.data.importers import importer_get, mapping_suggest


def _read(raw: bytes):
    fh = io.BytesIO(raw)
    layout = csv_layout(fh)
    return layout, list(csv_rows(fh, layout))


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("Name\nZoë\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "Name\nZoë\n".encode(), "utf-8-sig"),
        ("Name\nZoë\n".encode("utf-16"), "utf-16"),
        ("Name\nZoë € café\n".encode("cp1252"), "cp1252"),
        # 0x81 is undefined in Windows-1252: only Latin-1 reads this file
        (b"Name\nZo\xeb\x81\n", "latin-1"),
    ],
)
def test_it_detects_the_encoding(raw, encoding):
    assert detect_encoding(io.BytesIO(raw)) == encoding


def test_it_reads_a_windows_file_as_its_author_wrote_it():
    layout, rows = _read("First Name;Last Name\nJürgen;Müller €\n".encode("cp1252"))

    assert layout.delimiter == ";"
    assert layout.columns == ["First Name", "Last Name"]
    assert rows[0].cells == ["Jürgen", "Müller €"]


def test_a_bom_does_not_end_up_in_the_first_column_name():
    layout, _ = _read(b"\xef\xbb\xbfEmail,Phone\na@x.io,1\n")

    assert layout.columns == ["Email", "Phone"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_detects_the_delimiter(delimiter):
    text = "\n".join(delimiter.join(r) for r in [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"]])

    layout, rows = _read(text.encode())

    assert layout.delimiter == delimiter
    assert [r.cells for r in rows] == [["1", "2", "3"], ["4", "5", "6"]]


def test_a_one_column_file_falls_back_to_a_comma():
    layout, rows = _read(b"Email\na@x.io\nb@x.io\n")

    assert layout.delimiter == ","
    assert [r.cells for r in rows] == [["a@x.io"], ["b@x.io"]]


@pytest.mark.parametrize("raw", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused_clearly(raw):
    with pytest.raises(ServiceValidationError) as exc:
        csv_layout(io.BytesIO(raw))

    assert exc.value.as_dict() == {"file": ["the file is empty"]}


@pytest.mark.parametrize(
    "raw",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00",
        bytes(range(256)) * 8,
        b"%PDF-1.7\n" + bytes([7, 200, 3, 150, 17, 4]) * 200,
    ],
)
def test_a_binary_file_is_refused_as_not_a_csv_file(raw):
    with pytest.raises(ServiceValidationError) as exc:
        csv_layout(io.BytesIO(raw))

    assert exc.value.as_dict()["file"][0].startswith("is not a CSV file (it holds binary data)")


def test_a_vertical_tab_within_a_cell_is_still_text():
    layout, rows = _read(b"Name,Notes\nAnn,first line\x0bsecond line\nBob,\n")

    assert layout.columns == ["Name", "Notes"]
    assert [r.cells for r in rows] == [["Ann", "first line\x0bsecond line"], ["Bob", ""]]


def test_a_header_without_a_name_is_refused():
    with pytest.raises(ServiceValidationError) as exc:
        csv_layout(io.BytesIO(b"Email,,Phone\n"))

    assert exc.value.as_dict() == {"file": ["the header row has no name for column 2"]}


def test_ragged_rows_are_reported_and_the_rest_read():
    _, rows = _read(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n\n10,11,12\n")

    assert [(r.number, r.error) for r in rows] == [
        (2, ""),
        (3, "has 2 cells where the header has 3 columns"),
        (4, "has 4 cells where the header has 3 columns"),
        (6, ""),  # row 5 is blank: passed over, but counted as a spreadsheet would
    ]


def test_a_huge_field_is_a_row_error_naming_its_column_and_the_next_rows_are_read():
    huge = "x" * (FIELD_LIMIT + 1)
    _, rows = _read(f'name,notes\nann,"{huge}\nmore"\nbob,short\n'.encode())

    assert rows[0].error_column == "notes"
    assert "more than the 131,072 allowed" in rows[0].error
    assert rows[1].cells == ["bob", "short"]


def test_it_suggests_a_mapping_from_common_export_headers():
    salesforce = ["First Name", "Last Name", "Email", "Mailing City", "Title", "Account Name"]
    hubspot = ["First Name", "Email", "Phone Number", "Company Name", "Job Title", "Notes"]
    importer = importer_get("contacts")

    assert mapping_suggest(importer, salesforce) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Mailing City": "city",
        "Title": "job_title",
        "Account Name": "company",
    }
    assert mapping_suggest(importer, hubspot) == {
        "First Name": "first_name",
        "Email": "email",
        "Phone Number": "phone",
        "Company Name": "company",
        "Job Title": "job_title",
    }
    assert mapping_suggest(importer, ["Email Address", "Work Email"]) == {
        "Email Address": "email",
        "Work Email": "email",
    }
