"""Which reader an uploaded file needs, told by its content rather than its name.

An Excel workbook is a zip archive (.xlsx) or an OLE compound file (.xls), a vCard file starts
with BEGIN:VCARD, anything else is read as CSV with its encoding and delimiter detected. Each
reader gives the framework the same thing: a header of column names, then rows of text cells
numbered as a spreadsheet numbers them.
"""

import codecs
from collections.abc import Iterator
from dataclasses import dataclass

from rapport.core.errors import ServiceValidationError
from rapport.data.column_dates import dates_ordered
from rapport.data.csv_files import (
    SNIFF_BYTES,
    Binary,
    CsvLayout,
    CsvRow,
    csv_layout,
    csv_row_count,
    csv_rows,
    detect_encoding,
    prefixed,
    utf16_without_bom,
)
from rapport.data.decimal_commas import decimal_commas_read
from rapport.data.importers import importer_get
from rapport.data.models import FileFormat, ImportBatch
from rapport.data.spreadsheet_files import spreadsheet_columns, spreadsheet_rows
from rapport.data.vcard_files import vcard_columns, vcard_rows, vcard_starts

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXTENSIONS = {FileFormat.CSV: "csv", FileFormat.XLSX: "xlsx", FileFormat.XLS: "xls"}


@dataclass(frozen=True)
class FileLayout:
    file_format: str
    encoding: str  # text formats only
    delimiter: str  # CSV only
    columns: list[str]
    # The columns the batch's mapping feeds to a field (a reader checks their cells the more:
    # a workbook's error cells); None before there is a mapping.
    mapped: frozenset[str] | None = None
    decimals: frozenset[str] = frozenset()  # the mapped columns feeding a decimal field

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(FileFormat(self.file_format), "vcf")


def detect_format(fh: Binary) -> str:
    fh.seek(0)
    head = fh.read(SNIFF_BYTES)
    if head.startswith(ZIP_SIGNATURE):
        return FileFormat.XLSX
    if head.startswith(OLE_SIGNATURE):
        return FileFormat.XLS
    # Only the start is decoded (the whole file's encoding is checked later, once): "BEGIN:VCARD"
    # is ASCII, so Latin-1 reads it in any ASCII-compatible encoding.
    bom = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding = "utf-16" if bom else utf16_without_bom(fh) or "latin-1"
    sample = head[:1024].removeprefix(codecs.BOM_UTF8)
    if vcard_starts(sample.decode(encoding, errors="ignore")):
        return FileFormat.VCARD
    return FileFormat.CSV


def _layout(fh: Binary) -> FileLayout:
    file_format = detect_format(fh)
    if file_format in (FileFormat.XLSX, FileFormat.XLS):
        return FileLayout(file_format, "", "", spreadsheet_columns(fh))
    if file_format == FileFormat.VCARD:
        encoding = detect_encoding(fh)
        return FileLayout(file_format, encoding, "", vcard_columns(fh, encoding))
    csv = csv_layout(fh)
    return FileLayout(file_format, csv.encoding, csv.delimiter, csv.columns)


def file_layout(fh: Binary, *, filename: str) -> FileLayout:
    """Format, header and (for text) encoding and delimiter of an upload; an unusable file
    is a `file` error that names it."""
    try:
        return _layout(fh)
    except ServiceValidationError as exc:
        raise prefixed(exc, f"'{filename}'") from exc


def batch_layout(batch: ImportBatch) -> FileLayout:
    mapped = frozenset(column for column, name in batch.mapping.items() if name)
    decimal = {f.name for f in importer_get(batch.entity).fields if f.decimal}
    decimals = frozenset(c for c, name in batch.mapping.items() if name in decimal)
    return FileLayout(
        batch.file_format, batch.encoding, batch.delimiter, batch.columns, mapped, decimals
    )


def file_rows(fh: Binary, layout: FileLayout) -> Iterator[CsvRow]:
    """The data rows after the header, blank ones passed over, defective ones with their
    `error`; a semicolon file's decimal columns read with a decimal comma (`decimal_commas`),
    the imported columns' dates in the order each column's values tell (`column_dates`)."""
    rows = _rows(fh, layout)
    if layout.delimiter == ";" and layout.decimals:
        at = [i for i, c in enumerate(layout.columns) if c in layout.decimals]
        rows = decimal_commas_read(rows, at)
    if not layout.mapped:
        return rows
    return dates_ordered(rows, [i for i, c in enumerate(layout.columns) if c in layout.mapped])


def _rows(fh: Binary, layout: FileLayout) -> Iterator[CsvRow]:
    if layout.file_format in (FileFormat.XLSX, FileFormat.XLS):
        return spreadsheet_rows(fh, layout.columns, layout.mapped)
    if layout.file_format == FileFormat.VCARD:
        return vcard_rows(fh, layout.encoding, layout.columns)
    return csv_rows(fh, CsvLayout(layout.encoding, layout.delimiter, layout.columns))


def file_row_count(fh: Binary, layout: FileLayout) -> int | None:
    """The data rows the run will read, for its progress bar; None when the file cannot be
    read to its end. CSV is counted at the csv module's speed, the others by their reader."""
    try:
        if layout.file_format == FileFormat.CSV:
            return csv_row_count(fh, CsvLayout(layout.encoding, layout.delimiter, layout.columns))
        return sum(1 for _ in _rows(fh, layout))
    except (ServiceValidationError, UnicodeDecodeError, ValueError):
        return None
