"""The importer registry: how each kind of record is brought in from a file.

An app registers one `Importer` per entity it owns (contacts, companies, later leads, deals,
orders...). The import framework reads files, maps columns to the importer's fields, keeps
the batch's counters, errors and undo log; the importer only says which fields it accepts,
how a row finds the record it matches, and how a row is written through the app's services.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from rapport.contacts.normalise import search_key
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.tenancy.models import Workspace

if TYPE_CHECKING:
    from rapport.data.csv_files import CsvRow
    from rapport.data.models import ImportBatch
    from rapport.data.services import RowOutcome

Actor = AbstractBaseUser | AnonymousUser | None
MULTI_VALUE_SEPARATOR = " ::: "
Values = dict[str, Any]


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    # Column headers that mean this field in other tools' exports (Salesforce, HubSpot...),
    # compared without case, spaces or punctuation.
    aliases: tuple[str, ...] = ()
    # Several columns may feed it (Email, Work Email...): their values are kept in column order.
    many: bool = False
    # What a tool joins several of its values with in one cell, besides " ::: " (HubSpot's ";"
    # between a contact's additional emails): the import splits such a cell on it.
    separator: str = ""
    # Its values are numbers with decimals (amounts): a semicolon file's are read with a
    # decimal comma (`decimal_commas`).
    decimal: bool = False


CUSTOM_FIELD_PREFIX = "cf_"


def custom_field_name(key: str) -> str:
    """The import field (and the export's column) of the custom field `key`."""
    return f"{CUSTOM_FIELD_PREFIX}{key}"


# A person's name written whole, which an import splits into first and last names
# (`services._import_row`); offered by importers of people (`contact_importers.PERSON_NAME`).
FULL_NAME = "full_name"


@dataclass
class ImportRow:
    """One row's non-empty values by importer field, each with the column it came from."""

    number: int
    values: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # Per service list field, the list written when it is not just the row's own values (an
    # update adds them to the record's), so an error on `emails.3` can be traced to a column.
    sent: dict[str, list[Any]] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return bool(self.values.get(name))

    def first(self, name: str) -> str:
        cells = self.values.get(name)
        return cells[0][1] if cells else ""

    def cells(self, name: str) -> list[tuple[str, str]]:
        """(column, value) of each value; a cell holding several joined by " ::: " (Google
        Contacts puts a person's second email in the same cell) gives each."""
        cells = self.values.get(name, [])
        for _, value in cells:
            if MULTI_VALUE_SEPARATOR in value:
                break
        else:
            return cells  # the usual case, on every row of a large import: no copy
        return [
            (column, part)
            for column, value in cells
            for part in (p.strip() for p in value.split(MULTI_VALUE_SEPARATOR))
            if part
        ]

    def all(self, name: str) -> list[str]:
        values = [value for _, value in self.values.get(name, ())]
        for value in values:
            if MULTI_VALUE_SEPARATOR in value:
                return [part for _, part in self.cells(name)]
        return values  # as `cells` gives them, without its copy: this runs on every row

    def column(self, name: str, index: int = 0) -> str:
        cells = self.cells(name)
        if not cells:
            return ""
        return cells[min(max(index, 0), len(cells) - 1)][0]


@dataclass
class ImportContext:
    workspace: Workspace
    actor: Actor
    # Records a row created on the way (a contact's company): undone with the batch.
    side_created: list[tuple[str, models.Model]] = field(default_factory=list)
    # Rows still to come may store what this row names: a row naming what is not there yet
    # (a company's parent further down the file) waits (`RowWaits`) instead of failing.
    later_rows: bool = False
    # What the row's cells hold wrong, found before its services are called (an owner who is
    # no member, a bad custom field): the rest of the row still goes through the services,
    # so that their errors are named too, and the row is then refused with all of them
    # (`services._write_row`).
    refused: list[FieldError] = field(default_factory=list)


class RowWaits(Exception):
    """The row names a record no row has stored yet, which a later row of the file may
    store: it is written again once the other rows are (`services._waiting_rounds`). The
    service field to blame and why, for a dry run that ends before such a row comes."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class RowPathNeeded(Exception):
    """A chunk being planned ahead holds a row only the row path can write (it must see
    every earlier row stored): the chunk is written the plain way instead."""


class PlannedChunk(Protocol):
    def store(self, turn: Callable[[], None]) -> list["RowOutcome"]:
        """Write the planned rows in the caller's transaction; their outcomes. `turn()`
        waits until the chunks before this one are stored (`chunk_storer`): called before
        creating anything that a chunk stored at the same time might create too."""
        ...


class BulkWriter(Protocol):
    """Writes a chunk of rows at once with the outcome, row for row, that the row path would
    have given (one writer serves one import run, so it may cache across chunks)."""

    def prepare(self, chunk: list["CsvRow"]) -> None:
        """Called with the next chunk before the current one is written: work that needs no
        database (cleaning values) may start on it elsewhere meanwhile."""

    def write(self, chunk: list["CsvRow"]) -> list["RowOutcome"]: ...

    def plans_ahead(self) -> bool:
        """Whether `plan` is worth trying for this run."""
        ...

    def plan(self, chunk: list["CsvRow"]) -> PlannedChunk:
        """Everything but the writes, so they can run on another connection while the next
        chunk is planned; raises `RowPathNeeded` when the chunk must be written instead."""
        ...

    def close(self) -> None:
        """The run is over (finished, cancelled or failed): release what `prepare` started."""


class Importer(ABC):
    entity: str  # the registry key, e.g. "contacts"
    label: str
    model: type[models.Model]
    fields: list[ImportField]
    # A service error's field -> the import field whose column is to blame ("emails" -> "email").
    error_fields: dict[str, str] = {}
    match_help: str = ""
    # Rows sharing this field's value are one record (an order's line items, one a row): a row
    # whose record this import wrote already is added to it through `extend`, whatever the mode.
    group_field: str | None = None

    def suggestion_settled(self, mapping: dict[str, str]) -> dict[str, str]:
        """The suggested mapping, with what one column means given the others settled."""
        return mapping

    @abstractmethod
    def match(self, *, workspace: Workspace, row: ImportRow) -> models.Model | None:
        """The existing record this row stands for, if any (only within `workspace`)."""

    @abstractmethod
    def create(self, *, ctx: ImportContext, row: ImportRow) -> models.Model: ...

    @abstractmethod
    def update(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        """Write the row's values over `instance`; return what they replaced, for undo."""

    def extend(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        """Add a further row of the group to its record; return what it replaced, for undo."""
        raise NotImplementedError(f"{self.entity} rows are not grouped")

    @abstractmethod
    def restore(
        self, *, workspace: Workspace, actor: Actor, instance: models.Model, previous: Values
    ) -> None: ...

    def restore_many(
        self, *, workspace: Workspace, actor: Actor, restores: list[tuple[int, Values]]
    ) -> None:
        """Put back (record id, what an update replaced) in this order (an undo: newest
        first), records gone since passed over: one by one through `restore`, unless an
        importer has a bulk way."""
        found = self.model._default_manager.in_bulk([pk for pk, _ in restores])
        for pk, previous in restores:
            if pk in found:
                self.restore(
                    workspace=workspace, actor=actor, instance=found[pk], previous=previous
                )

    @abstractmethod
    def delete(self, *, workspace: Workspace, actor: Actor, instance: models.Model) -> None: ...

    def delete_many(self, *, workspace: Workspace, actor: Actor, ids: list[int]) -> None:
        """Delete these records, in this order (an undo: newest first), those already gone
        passed over: one by one through `delete`, unless an importer has a bulk way."""
        found = self.model._default_manager.in_bulk(ids)
        for pk in ids:
            if pk in found:
                self.delete(workspace=workspace, actor=actor, instance=found[pk])

    def waits_refused(self, rows: list[ImportRow]) -> dict[int, list[FieldError]]:
        """Of the rows still waiting (`RowWaits`) once no other row can store what they
        name, those refused for a reason of their own (a cycle among them), by row number;
        the others are written once more without waiting, and fail as any row naming what
        is not there."""
        return {}

    @abstractmethod
    def stored(self, instance: models.Model) -> Values:
        """The record as stored, for the dry run's preview."""

    def bulk_writer(self, *, batch: "ImportBatch", actor: Actor) -> BulkWriter | None:
        """A writer for whole chunks, for importers that have one; None: row by row."""
        return None

    def errors_named(
        self, row: ImportRow, found: list[FieldError], checked: list[FieldError]
    ) -> list[tuple[str, str]]:
        """(column, message) of every problem of a refused row: what was `found` in its cells
        before the services were called, then what the services (or the bulk path's checks
        standing for them) refused of the rest, except on a column already named (a bad cell
        left out, then "is required")."""
        named = [(self.error_column(row, e.field), e.message) for e in found]
        blamed = {column for column, _ in named}
        for e in checked:
            column = self.error_column(row, e.field)
            if column not in blamed:
                named.append((column, e.message))
        return named

    def error_column(self, row: ImportRow, service_field: str) -> str:
        """The column of the file an error on `service_field` is about; where the row's cell
        is empty (a required value missing), the field's label, so the error is never a bare
        "is required". The label is looked up only then: `fields` reads the workspace's custom
        field definitions, a query per error on a bulk import's thousands of bad rows."""
        if column := self._error_cell_column(row, service_field):
            return column
        base = service_field.partition(".")[0]
        name = self.error_fields.get(base, base)
        return next((f.label for f in self.fields if f.name == name), "")

    def _error_cell_column(self, row: ImportRow, service_field: str) -> str:
        base, _, index = service_field.partition(".")
        if base == "custom_fields":  # custom_fields.<key>: the field's own column
            return row.column(custom_field_name(index))
        name = self.error_fields.get(base, base)
        if not index.isdigit():
            return row.column(name)
        position = int(index)
        sent = row.sent.get(base)
        if sent is not None and position < len(sent):
            value = sent[position]
            return next((col for col, v in row.cells(name) if v == value), "")
        return row.column(name, position)


def external_id_field(*aliases: str) -> ImportField:
    """Another system's id for the record: a row that sends it again finds the same record.
    A bare "ID" column is not suggested: it is as often a row counter, whose 1, 2, 3 would
    match the records of another file's 1, 2, 3."""
    return ImportField("external_id", "External ID", ("record id", "uid", *aliases))


def external_id_match(
    model: type[models.Model], *, workspace: Workspace, row: ImportRow
) -> models.Model | None:
    value = row.first("external_id")
    if not value:
        return None
    return model._default_manager.filter(workspace=workspace, external_id=value).first()


_importers: dict[str, Importer] = {}


def importer_register(importer: Importer) -> Importer:
    _importers[importer.entity] = importer
    return importer


def importer_get(entity: str) -> Importer:
    try:
        return _importers[entity]
    except KeyError:
        known = ", ".join(sorted(_importers))
        raise ServiceValidationError.single(
            "entity", f"'{entity}' cannot be imported; one of: {known}"
        ) from None


def importers() -> list[Importer]:
    return [_importers[k] for k in sorted(_importers)]


def header_key(header: str) -> str:
    """A header as suggestions compare it: without case, accents, spaces or punctuation
    ("Straße" is "strasse", "Código postal" is "codigopostal")."""
    return re.sub(r"[\W_]+", "", search_key(header.casefold()))


def _digitless(key: str) -> str:
    return re.sub(r"\d+", "", key)


def _lookups(
    ranked: list[dict[str, ImportField]], key: str
) -> Iterator[tuple[int, dict[str, ImportField], str]]:
    """(rank, names, key to look up): names and labels, aliases, then both without numbers."""
    yield 0, ranked[0], key
    yield 1, ranked[1], key
    yield 2, ranked[2], _digitless(key)


def mapping_suggest(importer: Importer, columns: Iterable[str]) -> dict[str, str]:
    """column -> field for the columns whose header names a field: its name or label first,
    then an alias, then, for a field several columns may feed, either with its numbers left
    out ("E-mail 2 Address", Google's "E-mail 2 - Value"). Each single-valued field is
    suggested for one column, the best named: Outlook's "Job Title" wins over its "Title",
    which is the salutation there; a field several columns may feed takes every column that
    names it."""
    ranked: list[dict[str, ImportField]] = [{}, {}, {}]
    for f in importer.fields:
        for name in (f.name, f.label):
            ranked[0].setdefault(header_key(name), f)
        for alias in f.aliases:
            ranked[1].setdefault(header_key(alias), f)
    for names in ranked[:2]:
        for key, f in names.items():
            if f.many:  # "Title 2" is not a second job title; "Email 2" is a second email
                ranked[2].setdefault(_digitless(key), f)
    best: dict[str, tuple[int, int, str]] = {}  # single field -> (rank, position, column)
    mapping: dict[str, str] = {}
    for position, column in enumerate(columns):
        key = header_key(column)
        found = next(
            ((rank, names[k]) for rank, names, k in _lookups(ranked, key) if k in names), None
        )
        if found is None:
            continue
        rank, f = found
        if f.many:
            mapping[column] = f.name
        elif f.name not in best or (rank, position) < best[f.name][:2]:
            best[f.name] = (rank, position, column)
    for name, (_, _, column) in best.items():
        mapping[column] = name
    return importer.suggestion_settled({c: mapping[c] for c in columns if c in mapping})


def mapping_clean(importer: Importer, columns: list[str], mapping: Any) -> dict[str, str]:
    """The mapping, checked: known columns, known fields, single fields fed once."""
    if not isinstance(mapping, dict):
        raise ServiceValidationError.single("mapping", "must map column names to fields")
    fields = {f.name: f for f in importer.fields}
    errors = []
    clean: dict[str, str] = {}
    used: dict[str, str] = {}
    for column, name in mapping.items():
        if name in (None, ""):
            continue
        key = f"mapping.{column}"
        if column not in columns:
            errors.append((key, "is not a column of the file"))
        elif name not in fields:
            errors.append((key, f"'{name}' is not a field of {importer.entity}"))
        elif name in used and not fields[name].many:
            label = fields[name].label
            errors.append((key, f"'{label}' is already fed by column '{used[name]}'"))
        else:
            clean[column] = name
            used.setdefault(name, column)
    if not clean and not errors:
        errors.append(("mapping", "maps no column to a field"))
    if errors:
        raise ServiceValidationError([FieldError(k, m) for k, m in errors])
    return clean
