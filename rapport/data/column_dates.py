"""A column's dates read in one order, told by the column's own values.

Dates are read one cell at a time (`contacts.normalise.datetime_parse`): 03/04/2024 fits both
orders, and the workspace's region decides, so a US workspace reads it as 4 March even in a
column that also holds 25/03/2024, which only a day-first writer puts down. Before the rows
reach an importer, the first `SAMPLE_ROWS` rows of each imported column are looked at: a column
whose every value is a date, where some value written with numbers and slashes or dashes
(31/12/2024, 31-12-24, with or without a time) fits only day first (25/03/2024), and none only
month first (03/25/2024), is day first throughout, and the other way round; its slashed and
dashed dates are then rewritten in ISO form (2024-04-03), which every reader takes as it
stands (its ISO, dotted, serial and worded dates are left as they are). A column with
evidence both ways, or none, is left to the cell-by-cell rule (a date one order does not fit
is still an error naming its column).
"""

import datetime as dt
import itertools
import re
from collections.abc import Iterator

from rapport.contacts.normalise import datetime_parse, full_year
from rapport.core.errors import ServiceValidationError
from rapport.data.csv_files import CsvRow

SAMPLE_ROWS = 1000
_NUMBERED = re.compile(r"(\d{1,2})([/\-])(\d{1,2})\2(\d{4}|\d{2})((?:[ T,]+\S.*)?)")


def _is_date(value: str) -> bool:
    try:
        datetime_parse(value, region="GB")
    except ServiceValidationError:
        return False
    return True


def _order(values: list[str]) -> bool | None:
    """True for day first, False for month first, None when the values do not say (or one
    of them is no date)."""
    day_first = month_first = False
    for value in values:
        match = _NUMBERED.fullmatch(value)
        if match is None:
            if _is_date(value):  # ISO, dotted, a serial, a month in words: read as they are
                continue
            return None
        first, second = int(match[1]), int(match[3])
        day_first |= 12 < first <= 31 and second <= 12
        month_first |= 12 < second <= 31 and first <= 12
    return day_first if day_first != month_first else None


def _iso(value: str, day_first: bool) -> str:
    """The date in ISO form, its time kept; as it was if it is no date in that order (the
    cell's reader then names the problem)."""
    match = _NUMBERED.fullmatch(value)
    if match is None:
        return value
    first, second = int(match[1]), int(match[3])
    day, month = (first, second) if day_first else (second, first)
    try:
        date = dt.date(full_year(match[4]), month, day)
    except ValueError:
        return value
    return f"{date.isoformat()}{match[5]}"


def column_orders(rows: list[CsvRow], positions: list[int]) -> dict[int, bool]:
    """{position: day first?} of the columns at `positions` whose values in `rows` say."""
    orders = {}
    for i in positions:
        values = [v for r in rows if not r.error and (v := r.cells[i].strip())]
        order = _order(values) if values else None
        if order is not None:
            orders[i] = order
    return orders


def dates_ordered(rows: Iterator[CsvRow], positions: list[int]) -> Iterator[CsvRow]:
    """`rows`, the dates of each column at `positions` whose first rows tell their order
    rewritten in ISO form."""
    head = list(itertools.islice(rows, SAMPLE_ROWS))
    orders = column_orders(head, positions)
    for row in itertools.chain(head, rows):
        if orders and not row.error:
            cells = list(row.cells)
            for i, day_first in orders.items():
                cells[i] = _iso(cells[i].strip(), day_first) if cells[i].strip() else cells[i]
            row = CsvRow(row.number, cells)
        yield row
