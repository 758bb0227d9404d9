"""Reading an uploaded CSV file whatever its encoding, delimiter or defects.

The file is read as a stream (a million rows must not sit in memory): one pass checks the
encoding, then rows are parsed as they are needed. A defective row (a cell too many or too
few, a field too large) becomes a row error instead of stopping the import.
"""

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from rapport.core.errors import FieldError, ServiceValidationError

# A cell longer than this is refused (a row error). The csv module's own limit is process-wide;
# it is raised once here so that such a cell is read whole, and the rows after it are not
# parsed from the middle of it.
FIELD_LIMIT = 131_072
READER_LIMIT = 16 * 1024 * 1024
if csv.field_size_limit() < READER_LIMIT:
    csv.field_size_limit(READER_LIMIT)

SNIFF_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
DELIMITERS = ",;\t|"

Binary = IO[bytes]


@dataclass(frozen=True)
class CsvLayout:
    encoding: str
    delimiter: str
    columns: list[str]


@dataclass(frozen=True)
class CsvRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: list[str]
    error: str = ""  # the row could not be used
    error_column: str = ""  # the column at fault, if one is


def _decodes(fh: Binary, encoding: str, skip: int) -> bool:
    fh.seek(skip)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while chunk := fh.read(CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def utf16_without_bom(fh: Binary) -> str | None:
    """ "utf-16-le" or "utf-16-be" for a file some tools save as UTF-16 without its BOM: text
    mostly in ASCII, so one byte of each pair is NUL (read as UTF-8, every other character
    would be a NUL). None for any other file."""
    fh.seek(0)
    head = fh.read(SNIFF_BYTES)
    pairs = len(head) // 2
    even, odd = head[0 : pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
    if pairs and odd > pairs * 0.4 and even <= pairs * 0.01:
        return "utf-16-le"
    if pairs and even > pairs * 0.4 and odd <= pairs * 0.01:
        return "utf-16-be"
    return None


def detect_encoding(fh: Binary) -> str:
    """UTF-8 (with or without BOM) or UTF-16 (with BOM, or without when it is clear);
    otherwise a single-byte encoding:
    Windows-1252, the usual encoding of a spreadsheet saved as CSV on Windows (Latin-1, which
    reads any byte, if the file is not Windows-1252), or Mac Roman where it clearly reads
    better (`_single_byte`)."""
    fh.seek(0)
    head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        if _decodes(fh, "utf-8", 3):
            return "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if _decodes(fh, "utf-16", 0):
            return "utf-16"
    elif utf16 := utf16_without_bom(fh):
        if _decodes(fh, utf16, 0):
            return utf16
    elif _decodes(fh, "utf-8", 0):
        return "utf-8"
    return _single_byte(fh, "cp1252" if _decodes(fh, "cp1252", 0) else "latin-1")


# Characters other than Latin letters that a contact list plausibly holds.
_PLAUSIBLE_SIGNS = frozenset("\u00a0’‘“”„–—…•€£¥¢°§©®™«»¿¡×÷±²³½¼¾")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _implausible(text: str) -> int:
    """The characters of `text` that a wrong single-byte encoding typically makes: a sign no
    contact list holds ("‡", "ˆ", "≠", "ƒ", a control character), a capital within a
    lowercase word ("CafŽ", "JŸrgen", "donÕt" are Mac Roman's "Café", "Jürgen", "don’t" read
    as Windows-1252; "cafÈ" is Windows-1252's "café" read as Mac Roman), a small letter within
    a capital word, a letter between digits ("1Ê000" for "1 000")."""
    count = 0
    for match in _NON_ASCII.finditer(text):
        i = match.start()
        char = match.group()
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        if char in _PLAUSIBLE_SIGNS:
            continue
        count += (
            not (char.isalpha() and char < "\u0180" and unicodedata.name(char).startswith("LATIN"))
            or (char.isupper() and before.isalpha() and (before.islower() or after.islower()))
            or (char.islower() and before.isupper() and after.isupper())
            or (before.isdigit() and after.isdigit())
        )
    return count


def _single_byte(fh: Binary, usual: str) -> str:
    """`usual`, or Mac Roman (old Excel for Mac saves CSV in it: "é" is 0x8E, "ü" 0x9F, "’"
    0xD5) when the evidence is clear: read as Mac Roman, the file has under a tenth of the
    implausible characters it has read as `usual`. A Windows file read as Mac Roman turns its
    accented letters into signs and capitals, so it keeps `usual`."""
    fh.seek(0)
    implausible = dict.fromkeys((usual, "mac_roman"), 0)
    while chunk := fh.read(CHUNK_BYTES):
        for encoding in implausible:
            implausible[encoding] += _implausible(chunk.decode(encoding, errors="replace"))
    return "mac_roman" if implausible["mac_roman"] * 10 < implausible[usual] else usual


def _text(fh: Binary, encoding: str) -> io.TextIOWrapper:
    fh.seek(0)
    return io.TextIOWrapper(fh, encoding=encoding, newline="")


def detect_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        # The sniffer gives up on files with one column or uneven rows: take the candidate
        # the header row uses most, defaulting to a comma.
        # A title line above the header ("Contacts export, 2024-05-01") is passed over.
        line = next((li for li in lines if any(d in li for d in DELIMITERS)), "")
        counts = {d: line.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


# A report exported from another tool may open with its title, its date or its filters, each
# alone on a line, above the header: up to this many such lines are passed over.
TITLE_ROWS = 10


def is_title(cells: list[str], columns: int) -> bool:
    """A row holding one value above a header of several columns: a report's title line."""
    return columns > 1 and sum(1 for c in cells if c.strip()) == 1


def header_row(rows: Iterable[list[str]]) -> list[str] | None:
    """The header among a file's first non-blank rows: the first with more than one value,
    title lines above it passed over; a file of one column has its first row as header."""
    first = None
    filled = (r for r in rows if any(c.strip() for c in r))
    try:
        for cells in itertools.islice(filled, TITLE_ROWS + 1):  # no further than the header
            if sum(1 for c in cells if c.strip()) > 1:
                return cells
            first = first or cells
    except csv.Error:
        if first is None:
            raise
        # a one-column file whose row past the header is unreadable: that row's error
    return first


def trimmed(cells: list[str], width: int) -> list[str]:
    """The row without the blank cells right of the header's `width` (a spreadsheet saved as
    CSV often ends each line with empty columns: "Ann,Lee,,,")."""
    end = len(cells)
    if end <= width:
        return cells
    while end > width and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def prefixed(exc: ServiceValidationError, prefix: str) -> ServiceValidationError:
    """`exc` with each message saying where it arose ("'people.xlsx': ", "sheet 'Contacts': ")."""
    return ServiceValidationError(
        [FieldError(e.field, f"{prefix}: {e.message}") for e in exc.errors]
    )


def header_columns(header: list[str]) -> list[str]:
    """The header row's column names, each present and distinct (any file format); blank
    cells right of the last name are no columns."""
    columns = [c.replace("\x00", "").strip() for c in trimmed(header, 0)]
    blank = [i + 1 for i, c in enumerate(columns) if not c]
    if blank:
        raise ServiceValidationError.single(
            "file", f"the header row has no name for column {', '.join(map(str, blank))}"
        )
    return _distinct(columns)


def _distinct(columns: list[str]) -> list[str]:
    """Columns are mapped by name, so a name the header repeats (a report joining two objects'
    "Phone", a tool writing "Email" for each address) is numbered from its second column on,
    "Email (2)", rather than the file refused: no column is lost, and the suggestions still
    read "Email (2)" as an email."""
    taken = set(columns)
    seen: set[str] = set()
    distinct = []
    for column in columns:
        name, n = column, 1
        while name in seen or (name != column and name in taken):
            n += 1
            name = f"{column} ({n})"
        seen.add(name)
        distinct.append(name)
    return distinct


def checked_row(number: int, cells: list[str], columns: list[str]) -> CsvRow:
    """The row, or its error if it does not fit the header or holds a cell too large. NUL
    characters go: no tool means them as data (a damaged file holds them), and PostgreSQL
    cannot store them."""
    if any("\x00" in c for c in cells):
        cells = [c.replace("\x00", "") for c in cells]
    if len(cells) != len(columns):
        return CsvRow(
            number, cells, f"has {len(cells)} cells where the header has {len(columns)} columns"
        )
    huge = next((i for i, c in enumerate(cells) if len(c) > FIELD_LIMIT), None)
    if huge is not None:
        return CsvRow(
            number,
            [c[:200] for c in cells],
            f"holds {len(cells[huge]):,} characters, more than the {FIELD_LIMIT:,} allowed",
            columns[huge],
        )
    return CsvRow(number, cells)


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _binary(sample: str) -> bool:
    """Whether the start of a file is not text: control characters beyond the odd ones a
    tool leaves (FileMaker writes a line break within a cell as a vertical tab; a damaged
    file has a few NULs, which the rows drop). Read as Latin-1, any file decodes, so an
    image or a PDF would otherwise reach the mapping as columns of noise."""
    return len(_CONTROLS.findall(sample)) > max(8, len(sample) // 50)


def csv_layout(fh: Binary) -> CsvLayout:
    """Encoding, delimiter and header of a CSV file; an unusable file is a `file` error."""
    fh.seek(0)
    if not fh.read(SNIFF_BYTES).strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ServiceValidationError.single("file", "the file is empty")
    encoding = detect_encoding(fh)
    text = _text(fh, encoding)
    try:
        sample = text.read(SNIFF_BYTES)
        if _binary(sample):
            raise ServiceValidationError.single(
                "file",
                "is not a CSV file (it holds binary data): upload a CSV file, an Excel workbook"
                " (.xlsx, .xls) or vCards (.vcf)",
            )
        delimiter = detect_delimiter(sample)
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        try:
            header = header_row(reader)
        except csv.Error as exc:
            raise ServiceValidationError.single(
                "file", f"the header row is unreadable: {exc}"
            ) from exc
    finally:
        text.detach()
    if header is None:
        raise ServiceValidationError.single("file", "the file is empty")
    columns = header_columns(header)
    return CsvLayout(encoding=encoding, delimiter=delimiter, columns=columns)


def csv_rows(fh: Binary, layout: CsvLayout) -> Iterator[CsvRow]:
    """The data rows after the header; blank lines are passed over, defective rows carry
    their `error`, a report's footer is left out."""
    return _footer_dropped(_records(fh, layout), len(layout.columns))


# Most lines of a report's footer held back to see whether the file ends with them.
FOOTER_ROWS = 20


def _footer_dropped(rows: Iterator[CsvRow], width: int) -> Iterator[CsvRow]:
    """A Salesforce report ends, after a blank line, with lines of one cell: its totals,
    copyright, who generated it and when. Such lines ending a file of several columns are no
    records; anywhere else each is a row error, as any row of the wrong width is."""
    held: list[CsvRow] = []
    previous: int | None = None
    for row in rows:
        if (
            len(row.cells) == 1 < width  # first, as it is false for almost every row
            and len(held) < FOOTER_ROWS
            and (held or (previous is not None and row.number > previous + 1))
        ):
            held.append(row)
            previous = row.number
            continue
        if held:
            yield from held
            held = []
        yield row
        previous = row.number


def _quote_hinted(row: CsvRow, columns: list[str]) -> CsvRow:
    """A row of the wrong width whose cell runs over several lines most likely opened a quote
    it never closed, and so took in the lines after it (records lost to the user's eye): its
    error says so and names the column."""
    if row.error_column:
        return row
    at = next((i for i, c in enumerate(row.cells) if "\n" in c or "\r" in c), len(columns))
    if at >= len(columns):
        return row
    lines = len(row.cells[at].splitlines())
    hint = f"the value in '{columns[at]}' runs over {lines} lines: is its closing quote missing?"
    return CsvRow(row.number, row.cells, f"{row.error}; {hint}", columns[at])


def _records(fh: Binary, layout: CsvLayout) -> Iterator[CsvRow]:
    text = _text(fh, layout.encoding)
    try:
        reader = csv.reader(text, delimiter=layout.delimiter)
        number = 0
        width = len(layout.columns)
        header_seen = False
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # Past a cell too large even for the reader, its position in the file is
                # unknown: what follows would be read from the middle of that cell.
                number += 1
                yield CsvRow(number, [], f"unreadable, and so is the rest of the file: {exc}")
                return
            number += 1
            if not any(c.strip() for c in cells):
                continue
            if not header_seen:
                header_seen = not is_title(cells, width)
                continue
            if len(cells) > width:  # the call is saved for the rows that need it
                cells = trimmed(cells, width)
            row = checked_row(number, cells, layout.columns)
            yield _quote_hinted(row, layout.columns) if row.error else row
    finally:
        if not text.closed:  # a failed run closes the file before it drops this generator
            text.detach()  # (which would close the caller's file with it)


def csv_row_count(fh: Binary, layout: CsvLayout) -> int | None:
    """About as many data rows as `csv_rows` yields, counted at the csv module's C speed (a
    full `csv_rows` pass costs several times more, too much to add to every upload): blank
    lines are passed over likewise, but a line whose cells hold only spaces is counted. None
    when the file cannot be read to its end."""
    text = _text(fh, layout.encoding)
    try:
        records = sum(map(any, csv.reader(text, delimiter=layout.delimiter)))
    except csv.Error:
        return None
    finally:
        text.detach()
    return max(records - 1, 0)  # less the header
