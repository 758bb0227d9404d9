"""Writing exported rows as CSV, XLSX or vCard.

CSV and vCard are produced as a stream of text, a chunk of rows at a time, for a
`StreamingHttpResponse`: nothing holds more than one chunk. An XLSX file is a zip archive
whose parts are only written when the workbook closes, so it cannot go out row by row;
XlsxWriter's `constant_memory` mode writes each row to a temporary file as it comes, and the
finished workbook is then streamed from that file (see docs/architecture.md, "Exports").
"""

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from rapport.data.exports import CHUNK_ROWS, ExportColumn, LinkedValues, formula_safe

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "vcf": "text/vcard; charset=utf-8",
}
# Excel's limit; an export beyond it is refused rather than cut short.
XLSX_MAX_ROWS = 1_048_575


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_cell(value: Any) -> Any:
    # Text first: most cells are, and this runs for every cell of a million rows.
    if value.__class__ is str:
        return formula_safe(value)
    return _text(value)


def _joined(columns: list[ExportColumn], rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    """The rows with each `LinkedValues` list joined into one cell, as the importer reads it."""
    linked = [(at, c.path.join) for at, c in enumerate(columns) if isinstance(c.path, LinkedValues)]
    for row in rows:
        for at, join in linked:
            row[at] = join(row[at])
        yield row


def csv_stream(columns: list[ExportColumn], rows: Iterable[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in columns])
    for n, row in enumerate(_joined(columns, rows), 1):
        writer.writerow([_csv_cell(v) for v in row])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(columns: list[ExportColumn], rows: Iterable[list[Any]]) -> IO[bytes]:
    """The workbook in a temporary file (deleted when closed), positioned at its start."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  (handed to the response, which closes it)
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("Export")
    bold = workbook.add_format({"bold": True})
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.header, bold)
    for r, row in enumerate(_joined(columns, rows), 1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, col, value)
            elif isinstance(value, Decimal):
                # Money stays exact: as text, which spreadsheets still read as a number.
                sheet.write_string(r, col, str(value))
            elif value.__class__ is str:
                sheet.write_string(r, col, formula_safe(value))
            else:
                sheet.write_string(r, col, _text(value))
    workbook.close()
    out.seek(0)
    return out


def _escape(value: Any) -> str:
    text = _text(value)
    return (
        text.replace("\\", "\\\\")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def _fold(line: str) -> str:
    """RFC 6350 line folding: at most 75 octets a line, continued with a leading space."""
    data = line.encode()
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, 74
    return "\r\n ".join(parts) + "\r\n"


# A phone's kind as a vCard TEL type (OTHER is none of vCard 3.0's, which allows such names).
TEL_TYPES = {"mobile": "CELL", "work": "WORK", "home": "HOME", "other": "OTHER"}


def _preferred(lines: list[tuple[str, Any]]) -> list[str]:
    """One line per (property, value), the first (the primary) marked as preferred when there
    are several to choose from: a lone value needs no preference."""
    if len(lines) == 1:
        [(name, value)] = lines
        return [f"{name}:{_escape(value)}"]
    name, value = lines[0]
    first = f"{name},PREF" if ";TYPE=" in name else f"{name};TYPE=PREF"
    return [f"{first}:{_escape(value)}", *(f"{n}:{_escape(v)}" for n, v in lines[1:])]


def _tel(kind: str | None) -> str:
    return f"TEL;TYPE={TEL_TYPES[kind]}" if kind in TEL_TYPES else "TEL"


def vcard_stream(
    columns: list[ExportColumn], rows: Iterable[list[Any]], properties: dict[str, str]
) -> Iterator[str]:
    """vCard 3.0 cards; `properties` maps column headers to the card fields they fill:
    uid, first_name, last_name, email and phone (the primary), other_emails, other_phones,
    phone_kinds (the primary's first) and categories (lists), organisation, title, street,
    city, region, postal_code, country, note."""
    at = {prop: [c.header for c in columns].index(h) for h, prop in properties.items()}
    out: list[str] = []
    for n, row in enumerate(rows, 1):
        v = {prop: row[i] for prop, i in at.items()}
        first, last = _escape(v.get("first_name")), _escape(v.get("last_name"))
        full = " ".join(_text(x) for x in (v.get("first_name"), v.get("last_name")) if x)
        lines = ["BEGIN:VCARD", "VERSION:3.0"]
        if v.get("uid"):
            lines.append(f"UID:{_escape(v['uid'])}")
        lines += [f"N:{last};{first};;;", f"FN:{_escape(full)}"]
        emails = [x for x in (v.get("email"), *v.get("other_emails", ())) if x]
        if emails:
            lines += _preferred([("EMAIL;TYPE=INTERNET", e) for e in emails])
        phones = [x for x in (v.get("phone"), *v.get("other_phones", ())) if x]
        if phones:
            kinds = v.get("phone_kinds") or []
            lines += _preferred(
                [(_tel(kinds[i] if i < len(kinds) else None), p) for i, p in enumerate(phones)]
            )
        if v.get("title"):
            lines.append(f"TITLE:{_escape(v['title'])}")
        if v.get("organisation"):
            lines.append(f"ORG:{_escape(v['organisation'])}")
        address = [v.get(p) for p in ("street", "city", "region", "postal_code", "country")]
        if any(address):
            lines.append("ADR:;;" + ";".join(_escape(p) for p in address))
        if v.get("categories"):  # each name escaped: a comma inside one is not a separator
            lines.append("CATEGORIES:" + ",".join(_escape(t) for t in v["categories"]))
        if v.get("note"):
            lines.append(f"NOTE:{_escape(v['note'])}")
        lines.append("END:VCARD")
        out.append("".join(_fold(line) for line in lines))
        if n % CHUNK_ROWS == 0:
            yield "".join(out)
            out = []
    yield "".join(out)
