"""Reading an uploaded Excel workbook (.xlsx, or an old .xls) as a header and rows of text.

python-calamine (Rust's calamine) reads the workbook: it is fast, read-only, and turns date
cells into dates. Cells become the text a CSV export of the sheet would hold, so importers
see one kind of row whatever the file: dates in ISO 8601, whole numbers without ".0". A date
typed into an unformatted cell stays an Excel serial number ("45657"), which the shared date
parser reads as such.
"""

import datetime as dt
import html
import itertools
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import python_calamine as calamine

from rapport.core.errors import ServiceValidationError
from rapport.data.csv_files import (
    Binary,
    CsvRow,
    checked_row,
    header_columns,
    header_row,
    is_title,
    prefixed,
    trimmed,
)

# A workbook is a zip archive that calamine unpacks into memory: one that would unpack to more
# than this (a "zip bomb", or a sheet far beyond what an import wizard should take) is refused
# before it is opened.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024


def _unpacked_size(fh: Binary) -> int:
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            return sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return 0  # not a zip (an .xls), or a broken one: calamine says which


def _worksheet(book: Any, name: str) -> Any:
    """The sheet called `name`, read whole. A sheet that cannot be read (a cell calamine
    refuses, its XML cut short or missing) refuses the file, naming the sheet: passing over it
    could import another sheet than the one the user meant."""
    try:
        return book.get_sheet_by_name(name)
    except (calamine.CalamineError, ValueError) as exc:
        raise ServiceValidationError.single(
            "file", f"sheet '{name}' is unreadable ({exc})"
        ) from exc


# An error cell's XML (`<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>`): its reference and code.
_ERROR_CELL = re.compile(rb'<c\s([^>]*?\bt="e"[^>/]*)>(.*?)</c>', re.DOTALL)
_REFERENCE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TAG = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\s([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')


def _tags(xml: bytes, name: bytes) -> Iterator[dict[str, str]]:
    """The attributes of each `name` tag (read with regular expressions: no XML parser is
    handed an uploaded file's entities)."""
    for tag in _TAG.finditer(xml):
        if tag[1] == name:
            yield {
                k.decode().split(":")[-1]: html.unescape(v.decode())
                for k, v in _ATTRIBUTE.findall(tag[2])
            }


def _sheet_path(archive: zipfile.ZipFile, name: str) -> str | None:
    """Where in an .xlsx archive the sheet called `name` is kept."""
    rid = next(
        (
            s.get("id")
            for s in _tags(archive.read("xl/workbook.xml"), b"sheet")
            if s.get("name") == name
        ),
        None,
    )
    relations = _tags(archive.read("xl/_rels/workbook.xml.rels"), b"Relationship")
    target = next((r.get("Target") for r in relations if r.get("Id") == rid), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")


def error_cells(fh: Binary, sheet: Any) -> dict[tuple[int, int], str]:
    """The sheet's error cells (#DIV/0!, #N/A, ...), which python-calamine reads as blank:
    {(row, column) counted from 0 and from the sheet's first column, as `_filled`: code}. Read
    from an .xlsx's XML, searched for error cells before it is parsed (most sheets hold none);
    an .xls is not searched."""
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            path = _sheet_path(archive, sheet.name)
            xml = archive.read(path) if path else b""
    except (zipfile.BadZipFile, KeyError):
        return {}
    if b't="e"' not in xml:
        return {}
    left = sheet.start[1] if sheet.start else 0
    found = {}
    for cell in _ERROR_CELL.finditer(xml):
        reference, value = _REFERENCE.search(cell[1]), _VALUE.search(cell[2])
        if reference and value:
            column = 0
            for letter in reference[1]:
                column = column * 26 + letter - ord("A") + 1
            found[(int(reference[2]) - 1, column - 1 - left)] = value[1].decode()
    return found


def _sheet(fh: Binary) -> Any:
    """The first visible worksheet holding a header and a row under it (a workbook may open
    with a sheet of notes or a cover page); failing that, the first holding anything."""
    if _unpacked_size(fh) > MAX_UNPACKED_BYTES:
        raise ServiceValidationError.single(
            "file", f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // 2**20:,} MB"
        )
    fh.seek(0)
    try:
        book = calamine.CalamineWorkbook.from_filelike(fh)
    except calamine.PasswordError as exc:
        raise ServiceValidationError.single(
            "file", "the workbook is password-protected; save it without a password"
        ) from exc
    except (calamine.CalamineError, ValueError) as exc:
        raise ServiceValidationError.single(
            "file", f"is not a readable Excel workbook ({exc})"
        ) from exc
    first = None
    for meta in book.sheets_metadata:
        if meta.typ != calamine.SheetTypeEnum.WorkSheet:
            continue
        if meta.visible != calamine.SheetVisibleEnum.Visible:
            continue
        sheet = _worksheet(book, meta.name)
        filled = sum(1 for _ in itertools.islice(_filled(sheet), 2))
        if filled == 2:
            return sheet
        if filled and first is None:
            first = sheet
    if first is not None:
        return first
    raise ServiceValidationError.single("file", "the workbook has no data in any visible sheet")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return "" if value is None else str(value)


def _merged_down(sheet: Any) -> dict[int, list[tuple[int, int]]]:
    """{first row: [(column, last row)]} of the cells merged down over several rows, rows
    numbered from 0 and columns from the sheet's first."""
    first_column = sheet.start[1] if sheet.start else 0
    merged: dict[int, list[tuple[int, int]]] = {}
    for (top, left), (bottom, _) in sheet.merged_cell_ranges or ():
        if bottom > top:
            merged.setdefault(top, []).append((left - first_column, bottom))
    return merged


def _filled(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of the sheet's non-blank rows. A value merged down
    over several rows (a company's name beside each of its people) is each of those rows' as
    the user sees it; one merged across columns stays in the first (the others would get a
    copy of, say, a note spanning the tags column)."""
    merged = _merged_down(sheet)
    carried: dict[int, tuple[int, str]] = {}  # column: (last row, value)
    for index, row in enumerate(sheet.iter_rows()):
        cells = [_text(v) for v in row]
        if not any(c.strip() for c in cells):
            continue  # blank but for a merged value: a blank row as the user sees it
        if merged or carried:
            for column, bottom in merged.get(index, ()):
                if column < len(cells):
                    carried[column] = (bottom, cells[column])
            for column, (bottom, value) in list(carried.items()):
                if index > bottom:
                    del carried[column]
                elif len(cells) <= column or not cells[column]:
                    cells.extend([""] * (column + 1 - len(cells)))
                    cells[column] = value
        yield index + 1, cells


def spreadsheet_columns(fh: Binary) -> list[str]:
    """The header's columns of the sheet read; a header unfit for use names its sheet."""
    sheet = _sheet(fh)
    header = header_row(cells for _, cells in _filled(sheet))
    assert header is not None  # `_sheet` found a row
    try:
        return header_columns(header)
    except ServiceValidationError as exc:
        raise prefixed(exc, f"sheet '{sheet.name}'") from exc


def spreadsheet_rows(
    fh: Binary, columns: list[str], mapped: frozenset[str] | None = None
) -> Iterator[CsvRow]:
    """The rows under the header; a sheet's rows are as wide as its widest, so the blank
    cells right of the header go. A row with an error cell (#DIV/0!) in a column of `mapped`
    (those the import reads) is a row error naming that column, as a bad value is: calamine
    reads the cell as blank, which would store the row without the value, or clear it."""
    sheet = _sheet(fh)
    errors = error_cells(fh, sheet) if mapped else {}
    at = [i for i, column in enumerate(columns) if column in (mapped or ())]
    rows = _filled(sheet)
    for _, cells in rows:  # title lines, then the header
        if not is_title(cells, len(columns)):
            break
    for number, cells in rows:
        row = checked_row(number, trimmed(cells, len(columns)), columns)
        code = next(((i, errors[number - 1, i]) for i in at if (number - 1, i) in errors), None)
        if code is not None and not row.error:
            i, text = code
            row = CsvRow(number, row.cells, f"cell holds the spreadsheet error {text}", columns[i])
        yield row
