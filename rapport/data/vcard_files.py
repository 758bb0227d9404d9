"""Reading an uploaded vCard file (.vcf: one or many cards) as a header and rows of text.

Each card becomes a row under fixed column names (First Name, Email, Phone 2, Organization...),
so a vCard maps to importer fields like any spreadsheet. The file is read twice as a stream:
once to count the most emails and phones a card has (the columns), once to parse the cards.
A card that cannot be parsed is that row's error; the cards after it are still read. Rows are
numbered by card, the first card 1 (there is no header line to count), and the import's pages
and error report say "Card" (`ImportBatch.row_label`).
"""

import io
import re
from collections.abc import Iterator
from typing import Any

import vobject

from rapport.core.errors import ServiceValidationError
from rapport.data.csv_files import Binary, CsvRow, checked_row
from rapport.data.exports import names_joined

CARD_CHARS = 4 * 1024 * 1024  # a card with a large photo is still read; anything past is not
NAME_COLUMNS = ["UID", "First Name", "Last Name"]
WORK_COLUMNS = ["Organization", "Title"]
ADDRESS_COLUMNS = ["Street", "City", "Region", "Postal Code", "Country"]
OTHER_COLUMNS = ["Categories", "Note"]
_QUOTED_PRINTABLE = "QUOTED-PRINTABLE"
_BINARY = re.compile(r"^(?:[\w-]+\.)?(PHOTO|LOGO|SOUND|KEY)[;:]", re.IGNORECASE)
_PROPERTY = re.compile(r"^(?:[\w-]+\.)?(EMAIL|TEL)[;:]", re.IGNORECASE)


def vcard_starts(head: str) -> bool:
    return head.lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCARD")


def _closed(lines: list[str] | None) -> Iterator[list[str]]:
    """The lines of a card left open, closed; none for a card of no property, or none open."""
    if lines and any(line.strip() for line in lines[1:]):
        yield [*lines, "END:VCARD\r\n"]


def _cards(fh: Binary, encoding: str) -> Iterator[list[str]]:
    """Each card's lines, BEGIN:VCARD to END:VCARD (text outside cards is passed over). A
    card missing its END:VCARD (a file cut short, a tool joining files carelessly) ends
    where the next card begins, or at the end of the file, rather than being lost."""
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    try:
        lines: list[str] | None = None
        for line in text:
            key = line.strip().upper()
            if key == "BEGIN:VCARD":
                yield from _closed(lines)
                lines = []
            if lines is None:
                continue
            lines.append(line)
            if key == "END:VCARD":
                yield lines
                lines = None
        yield from _closed(lines)
    finally:
        text.detach()


def _numbered(name: str, count: int) -> list[str]:
    return [name if i == 1 else f"{name} {i}" for i in range(1, count + 1)]


def vcard_columns(fh: Binary, encoding: str) -> list[str]:
    most = {"EMAIL": 1, "TEL": 1}
    cards = 0
    for lines in _cards(fh, encoding):
        cards += 1
        found = {"EMAIL": 0, "TEL": 0}
        for line in lines:
            match = _PROPERTY.match(line)
            if match:
                found[match.group(1).upper()] += 1
        most = {k: max(most[k], found[k]) for k in most}
    if not cards:
        raise ServiceValidationError.single(
            "file", "holds no vCard (no BEGIN:VCARD ... END:VCARD block)"
        )
    phones = _numbered("Phone", most["TEL"])
    return [
        *NAME_COLUMNS,
        *_numbered("Email", most["EMAIL"]),
        *phones,
        *(f"{phone} Type" for phone in phones),
        *WORK_COLUMNS,
        *ADDRESS_COLUMNS,
        *OTHER_COLUMNS,
    ]


def _values(card: Any, name: str) -> list[Any]:
    return [p.value for p in card.contents.get(name, [])]


def _first(card: Any, name: str) -> Any:
    values = _values(card, name)
    return values[0] if values else None


def _joined(value: Any, separator: str) -> str:
    if isinstance(value, list | tuple):
        return separator.join(str(v).strip() for v in value if str(v).strip())
    return str(value or "").strip()


def _tel_type(prop: Any) -> str:
    """A TEL's types, as "TYPE=CELL,PREF" (3.0) or vCard 2.1's bare ";CELL" give them."""
    return " ".join([*prop.params.get("TYPE", []), *prop.singletonparams])


def _card_cells(card: Any) -> dict[str, str]:
    cells: dict[str, str] = {"UID": _joined(_first(card, "uid"), " ")}
    name = _first(card, "n")
    if name is not None:
        cells["First Name"] = _joined(name.given, " ")
        cells["Last Name"] = _joined(name.family, " ")
    org = _first(card, "org")  # the name, then its units (departments): the name is the company
    cells["Organization"] = _joined(org[:1] if isinstance(org, list) else org, " ")
    full_name = _joined(_first(card, "fn"), " ")
    if not (cells.get("First Name") or cells.get("Last Name")) and (
        full_name != cells["Organization"]  # Apple's and Outlook's cards of a company
    ):
        # FN only (some exporters): "Jane van Doe" -> Jane / van Doe
        given, _, family = full_name.partition(" ")
        cells["First Name"], cells["Last Name"] = given, family
    for column, prop in (("Email", "email"), ("Phone", "tel")):
        values = [_joined(v, " ") for v in _values(card, prop)]
        cells.update(zip(_numbered(column, len(values)), values, strict=True))
    phones = card.contents.get("tel", [])
    cells.update(
        (f"{column} Type", _tel_type(p))
        for column, p in zip(_numbered("Phone", len(phones)), phones, strict=True)
    )
    cells["Title"] = _joined(_first(card, "title"), " ")
    address = _first(card, "adr")
    if address is not None:
        parts = (address.street, address.city, address.region, address.code, address.country)
        cells.update(zip(ADDRESS_COLUMNS, (_joined(p, ", ") for p in parts), strict=True))
    categories = [
        name
        for v in _values(card, "categories")
        for name in (str(n).strip() for n in (v if isinstance(v, list) else [v]))
        if name
    ]
    cells["Categories"] = names_joined(categories)  # one holding a comma stays one
    cells["Note"] = _joined(_first(card, "note"), " ")
    return cells


def _card_text(lines: list[str]) -> str:
    """The card's text ready for vobject: its pictures, sounds and keys left out (nothing
    imports them, and a damaged one, base64 that does not decode, made vobject refuse the
    whole card), and vCard 2.1's quoted-printable soft line breaks undone (a value so encoded
    that ends a line with "=" goes on at the start of the next, unindented, as Android writes
    long names and addresses; vobject would read it as a line of its own and refuse the card)."""
    joined: list[str] = []
    soft = skipping = False
    for line in lines:
        text = line.rstrip("\r\n")
        if skipping and (not text.strip() or text[:1] in " \t"):
            continue  # the binary value's folded lines, and 2.1's blank line after them
        skipping = False
        if soft:
            joined[-1] = joined[-1][:-1] + text
        elif _BINARY.match(text):
            skipping = True
            continue
        else:
            joined.append(text)
        name, colon, _ = joined[-1].partition(":")
        soft = bool(colon) and _QUOTED_PRINTABLE in name.upper() and joined[-1].endswith("=")
    return "".join(f"{line}\r\n" for line in joined)


def vcard_rows(fh: Binary, encoding: str, columns: list[str]) -> Iterator[CsvRow]:
    for number, lines in enumerate(_cards(fh, encoding), start=1):
        size = sum(map(len, lines))
        if size > CARD_CHARS:
            yield CsvRow(number, [], f"the card holds {size:,} characters, too many")
            continue
        try:
            card = vobject.readOne(_card_text(lines))
        except (vobject.base.ParseError, ValueError, AttributeError) as exc:
            yield CsvRow(number, [], f"is not a readable vCard: {exc}"[:1000])
            continue
        cells = _card_cells(card)
        yield checked_row(number, [cells.get(c, "") for c in columns], columns)
