"""A company import's parents named further down the file.

Another CRM exports its companies in any order, so a row's parent may be a company a later
row of the same file creates. Such a row waits (`RowWaits`) and is written once the rows
after it are (`services._waiting_rounds`), with its parent, through the services like any
row: its audit entry and its undo record are those of a row whose parent was there. Rows
still waiting at the end are refused: those naming one another in a cycle by the cycle's
names, the others as any row naming a company that is not there.
"""

from rapport.contacts.normalise import search_key
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.data.importers import ImportContext, ImportRow, RowWaits
from rapport.data.record_values import ValueReader


def parent_waited(ctx: ImportContext, row: ImportRow, reader: ValueReader) -> None:
    """Raises `RowWaits` for a row whose parent no company holds yet, while later rows may
    still store it (`ctx.later_rows`); the reader keeps a parent found, read once."""
    if not (ctx.later_rows and row.has("parent")):
        return
    try:
        reader.parent(row.first("parent"))
    except ServiceValidationError:
        message = f"no company '{row.first('parent')}' yet: a row further down may create it"
        raise RowWaits("parent_id", message) from None


def _named(rows: list[ImportRow], text: str) -> ImportRow | None:
    """The row a parent cell names, as `ValueReader.parent` finds a company: by external
    id, else by name."""
    text = text.strip()
    by_id = next((r for r in rows if r.first("external_id") == text), None)
    if by_id is not None:
        return by_id
    key = search_key(text)
    return next((r for r in rows if r.has("name") and search_key(r.first("name")) == key), None)


def _label(row: ImportRow) -> str:
    return row.first("name") or row.first("external_id") or f"row {row.number}"


def parent_cycles(rows: list[ImportRow]) -> dict[int, list[FieldError]]:
    """The waiting rows that are each other's parents, round a cycle, by row number: each
    refused naming the cycle from itself ("Acme → Beta → Acme")."""
    parent_of = {r.number: _named(rows, r.first("parent")) for r in rows}
    refused: dict[int, list[FieldError]] = {}
    for row in rows:
        path = [row]
        current = parent_of[row.number]
        while current is not None and current not in path:
            path.append(current)
            current = parent_of[current.number]
        if current is row:
            names = " → ".join(_label(r) for r in [*path, row])
            refused[row.number] = [FieldError("parent_id", f"parent cycle: {names}")]
    return refused
