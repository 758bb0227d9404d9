"""Amounts in a semicolon-delimited file written with a decimal comma.

A CSV file is delimited with ";" where the writer's locale uses "," as its decimal mark (Excel
takes the list separator from the locale: German, French, Dutch, ... exports). The rule for
such a file's decimal columns (`ImportField.decimal`): a cell holding a "," has it as its
decimal mark, any "." grouping thousands ("1.234,56" is 1234.56; "1,234" is 1.234, never
1234); a cell without a "," reads a "." followed by groups of three digits as thousands
("1.234" is 1234) and any other "." as a decimal point ("12.5", which such a file holds when a
tool wrote it without the locale). Cells are rewritten with "." as the decimal mark and no
grouping, the form every amount reader takes as it stands; a currency sign stays.
"""

import re
from collections.abc import Iterator

from rapport.data.csv_files import CsvRow

_GROUPED = re.compile(r"[-+]?\d{1,3}(\.\d{3})+")
_NUMBER = re.compile(r"[-+]?[\d.'\s]*\d(,\d+)?")


def decimal_comma_read(cell: str) -> str:
    """`cell` with "." as its decimal mark and its thousands ungrouped, by the rule above."""
    text = cell.strip()
    number = re.search(r"[-+]?\d[\d.,'\s]*", text)
    if number is None:
        return cell
    digits = number[0].rstrip()
    if "," in digits:
        if not _NUMBER.fullmatch(digits):
            return cell  # several commas: no amount, left for its reader to name
        plain = re.sub(r"[.'\s]", "", digits).replace(",", ".")
    elif _GROUPED.fullmatch(digits):
        plain = digits.replace(".", "")
    else:
        return cell
    return text[: number.start()] + plain + text[number.start() + len(digits) :]


def decimal_commas_read(rows: Iterator[CsvRow], positions: list[int]) -> Iterator[CsvRow]:
    """`rows` with the cells at `positions` read by `decimal_comma_read`."""
    for row in rows:
        if not row.error:
            cells = list(row.cells)
            for i in positions:
                cells[i] = decimal_comma_read(cells[i])
            row = CsvRow(row.number, cells)
        yield row
