"""The shapes of files other tools and spreadsheets save, built here by code: trailing empty
columns, a report's title lines above its header, a workbook opening with a notes sheet,
UTF-16 "Unicode text", quoted newlines."""

import io

import xlsxwriter

from rapport.data.file_formats import file_layout, file_rows


def read(raw: bytes, name="export.csv"):
    fh = io.BytesIO(raw)
    layout = file_layout(fh, filename=name)
    return layout, [(r.number, r.error, r.cells) for r in file_rows(fh, layout)]


def test_empty_columns_right_of_the_header_that_excel_saves_are_no_columns():
    layout, rows = read(b"First Name,Last Name,Email,,\r\nAnn,Lee,ann@x.io,,\r\nBo,Ray,bo@x.io\r\n")

    assert layout.columns == ["First Name", "Last Name", "Email"]
    assert rows == [(2, "", ["Ann", "Lee", "ann@x.io"]), (3, "", ["Bo", "Ray", "bo@x.io"])]


def test_a_value_right_of_the_header_is_still_a_row_error():
    _, rows = read(b"Email,Name,\r\na@x.io,Ann,stray\r\n")

    assert rows == [(2, "has 3 cells where the header has 2 columns", ["a@x.io", "Ann", "stray"])]


def test_a_report_s_title_lines_above_its_header_are_passed_over():
    raw = (
        "Kontakte Export;;;\r\nErstellt: 01.05.2024;;;\r\n\r\n"
        "Vorname;Nachname;E-Mail;Firma\r\nJürgen;Groß;j@x.de;Bäcker € AG\r\n"
    ).encode("cp1252")

    layout, rows = read(raw)

    assert (layout.delimiter, layout.columns) == (";", ["Vorname", "Nachname", "E-Mail", "Firma"])
    assert rows == [(5, "", ["Jürgen", "Groß", "j@x.de", "Bäcker € AG"])]


def test_a_title_line_of_one_cell_is_passed_over_too_and_a_one_column_file_still_reads():
    _, rows = read(b"Contacts export 2024-01-01\r\n\r\nFirst Name,Email\r\nAnn,a@x.io\r\n")
    assert rows == [(4, "", ["Ann", "a@x.io"])]

    layout, rows = read(b"Email\r\na@x.io\r\n")
    assert (layout.columns, rows) == (["Email"], [(2, "", ["a@x.io"])])


def test_unicode_text_from_excel_utf16_with_tabs_and_quoted_newlines():
    text = 'First Name\tLast Name\tStreet\r\nÉlise\tDœ\t"1 rue Pasteur\r\nBât. B"\r\n'
    layout, rows = read(b"\xff\xfe" + text.encode("utf-16-le"), name="contacts.txt")

    assert (layout.encoding, layout.delimiter) == ("utf-16", "\t")
    assert rows == [(2, "", ["Élise", "Dœ", "1 rue Pasteur\r\nBât. B"])]


def test_a_workbook_opening_with_a_notes_sheet_and_a_title_reads_its_contact_sheet():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet("Read me").write(0, 0, "Exported from OtherCRM")
    sheet = book.add_worksheet("Contacts")
    sheet.write(0, 0, "Contacts as of 2024-05-01")
    sheet.merge_range(2, 0, 2, 1, "Person")  # a merged cell above the header
    sheet.write_row(3, 0, ["First Name", "Last Name", "Phone"])
    sheet.write_row(4, 0, ["Ann", "Lee", 4155552671])
    book.close()

    layout, rows = read(buffer.getvalue(), name="contacts.xlsx")

    assert layout.columns == ["First Name", "Last Name", "Phone"]
    assert rows == [(5, "", ["Ann", "Lee", "4155552671"])]


def test_a_vcard_2_1_from_a_phone_with_quoted_printable_soft_line_breaks_is_read():
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=4D=C3=BC=6C=6C=65=72;=4A=C3=BC=72=67=65=6E;;;\r\n"
        "TEL;CELL;PREF:+49 151 23456789\r\nEMAIL;INTERNET:j@x.de\r\n"
        "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:B=C3=A4ckerei =\r\nS=C3=BC=C3=9F =\r\nGmbH\r\n"
        "ADR;HOME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;Hauptstra=C3=9Fe 1;Berlin;;10115;=\r\n"
        "Germany\r\nEND:VCARD\r\n"
    )

    layout, rows = read((card * 2).encode(), name="contacts.vcf")

    [(number, error, cells), _] = rows
    values = {c: v for c, v in zip(layout.columns, cells, strict=True) if v}
    assert (number, error) == (1, "")  # the first card
    assert values == {
        "First Name": "Jürgen",
        "Last Name": "Müller",
        "Email": "j@x.de",
        "Phone": "+49 151 23456789",
        "Phone Type": "CELL PREF",
        "Organization": "Bäckerei Süß GmbH",
        "Street": "Hauptstraße 1",
        "City": "Berlin",
        "Postal Code": "10115",
        "Country": "Germany",
    }


def test_a_one_column_file_with_an_unreadable_row_keeps_its_header_and_reports_the_row():
    huge = "x" * (17 * 1024 * 1024)
    layout, rows = read(f'Email\na@x.io\n"{huge}\n'.encode())

    assert layout.columns == ["Email"]
    assert [(n, e.split(":")[0]) for n, e, _ in rows] == [
        (2, ""),
        (3, "unreadable, and so is the rest of the file"),
    ]


def test_a_header_repeating_a_name_keeps_every_column_numbered():
    layout, rows = read(b"Phone,Name,Phone,Phone (2),Phone\r\n1,Ann,2,3,4\r\n")

    assert layout.columns == ["Phone", "Name", "Phone (3)", "Phone (2)", "Phone (4)"]
    assert rows == [(2, "", ["1", "Ann", "2", "3", "4"])]


SALESFORCE_FOOTER = (
    '\n\n"Grand Totals (2 records)"\n\n'
    '"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."\n'
    '"Confidential Information - Do Not Distribute"\n'
    '"Generated By:  Jo Ng  1/5/2024 10:00 AM"\n"Acme Inc"\n'
)


def test_a_salesforce_report_s_footer_is_no_rows_but_one_cell_rows_elsewhere_are_errors():
    body = '"First Name","Email"\n"Ann","a@x.io"\n"Lone"\n\n"Bo","b@x.io"\n\n"Stray"\n"Cy","c@x.io"'

    _, rows = read((body + SALESFORCE_FOOTER).encode())

    assert [(n, e) for n, e, _ in rows] == [
        (2, ""),
        (3, "has 1 cells where the header has 2 columns"),
        (5, ""),
        (7, "has 1 cells where the header has 2 columns"),
        (8, ""),
    ]


def test_a_card_s_damaged_photo_does_not_cost_the_contact():
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Lee;Ann\r\n"
        "PHOTO;ENCODING=BASE64;TYPE=JPEG:\r\n /9j/4AAQSkZJRgABAQAAAQABAAD\r\n /9j/4AAQ\r\n\r\n"
        "EMAIL:a@x.io\r\nitem1.PHOTO;ENCODING=b:broken\r\nTEL;CELL:+14155552671\r\nEND:VCARD\r\n"
    )

    layout, [(number, error, cells)] = read(card.encode(), name="phone.vcf")

    values = {c: v for c, v in zip(layout.columns, cells, strict=True) if v}
    assert (number, error) == (1, "")  # the first card
    assert values == {
        "First Name": "Ann",
        "Last Name": "Lee",
        "Email": "a@x.io",
        "Phone": "+14155552671",
        "Phone Type": "CELL",
    }


def test_a_company_s_card_is_no_person_named_after_the_company():
    cards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:Acme Inc\r\nORG:Acme Inc;\r\n"
        "X-ABShowAs:COMPANY\r\nEMAIL;type=INTERNET;type=WORK:info@acme.io\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane van Doe\r\nORG:Acme Inc\r\nEND:VCARD\r\n"
    )

    layout, rows = read(cards.encode(), name="contacts.vcf")

    named = [
        {c: v for c, v in zip(layout.columns, cells, strict=True) if c.endswith("Name")}
        for _, _, cells in rows
    ]
    assert named == [
        {"First Name": "", "Last Name": ""},
        {"First Name": "Jane", "Last Name": "van Doe"},
    ]
