"""Writes of the import framework: upload, dry run, start, process, cancel, undo, discard.

On the row path every row is written through its app's services inside its own savepoint, so
a bad row is rolled back alone and reported (row, column, why) while the good rows around it
are kept. An importer with a bulk writer (contacts) writes a whole chunk at once instead, with
the same outcome row for row (`data.contact_bulk`). Rows are processed in chunks, each chunk
one transaction that also moves the batch's counters, so progress is visible to other
requests while the import runs and a cancel is noticed between chunks.
"""

import functools
import gc
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import File
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_change, audit_record, audited_delete
from rapport.contacts.normalise import name_split
from rapport.core.bulk_rows import rows_insert, slices
from rapport.core.errors import FieldError, ServiceValidationError, StateConflict
from rapport.core.hooks import records_gathered
from rapport.data.chunk_storer import ChunkStorer, chunk_storer
from rapport.data.copy_time import copy_time
from rapport.data.csv_files import CsvRow
from rapport.data.exports import formula_safe_undone
from rapport.data.file_formats import batch_layout, file_layout, file_row_count, file_rows
from rapport.data.importers import (
    FULL_NAME,
    Actor,
    BulkWriter,
    ImportContext,
    Importer,
    ImportRow,
    PlannedChunk,
    RowPathNeeded,
    RowWaits,
    Values,
    importer_get,
    mapping_clean,
    mapping_suggest,
)
from rapport.data.models import (
    ImportBatch,
    ImportedRecord,
    ImportedRecordAction,
    ImportMode,
    ImportRowError,
    ImportStatus,
)
from rapport.tenancy.models import Workspace

CHUNK_ROWS = 500
# A bulk chunk is large enough that its few queries and inserts are cheap per row, and small
# enough that a cancel is noticed within seconds and memory stays flat.
BULK_CHUNK_ROWS = 10_000
DRY_RUN_ROWS = 20
MAX_DRY_RUN_ROWS = 200
ROW_ERROR_COLUMNS = [
    *("workspace_id", "created_at", "updated_at", "batch_id"),
    *("row", "column", "message", "raw"),
]
IMPORTED_RECORD_COLUMNS = [
    *("workspace_id", "created_at", "updated_at", "batch_id"),
    *("entity", "object_ids", "action", "previous"),
]
UNDOABLE = {ImportStatus.DONE, ImportStatus.CANCELLED, ImportStatus.FAILED}
# Records an undo takes back per transaction (and per step of its progress).
UNDO_CHUNK = 1_000
# A row's outcome while it waits for a later row (`RowWaits`): not counted nor recorded yet.
WAITING = "waiting"


def _mode_clean(mode: str) -> str:
    if mode not in ImportMode.values:
        raise ServiceValidationError.single(
            "mode", f"'{mode}' is not one of: {', '.join(ImportMode.values)}"
        )
    return mode


def _status_change(batch: ImportBatch, actor: Actor, status: str) -> None:
    before = batch.status
    batch.status = status
    audit_record(
        workspace_id=batch.workspace_id,
        actor=actor,
        action=AuditAction.UPDATE,
        instance=batch,
        changes={"status": [before, status]},
    )


def _size_check(file: File, filename: str) -> None:
    """A file above `RAPPORT_IMPORT_MAX_BYTES` is refused before it is read or stored: the
    limit keeps an upload by mistake (a database dump) from filling the disk."""
    limit = settings.RAPPORT_IMPORT_MAX_BYTES
    if file.size > limit:
        raise ServiceValidationError.single(
            "file",
            f"'{filename}' is {file.size:,} bytes, above the import limit of {limit:,} bytes "
            "(RAPPORT_IMPORT_MAX_BYTES)",
        )


def import_create(
    *, workspace: Workspace, actor: Actor, entity: str, file: File, mode: str = ImportMode.SKIP
) -> ImportBatch:
    """Store an uploaded file as a new batch, its format and layout detected and a mapping
    suggested."""
    importer = importer_get(entity)
    _mode_clean(mode)
    filename = (file.name or "import").rsplit("/", 1)[-1][:255]
    _size_check(file, filename)
    layout = file_layout(file, filename=filename)
    total_rows = file_row_count(file, layout)  # so the run's progress shows against the whole
    if total_rows == 0:
        raise ServiceValidationError.single(
            "file", f"'{filename}': the file has column headers but no rows"
        )
    file.seek(0)
    with transaction.atomic():
        batch = ImportBatch(
            workspace=workspace,
            entity=importer.entity,
            filename=filename,
            file_format=layout.file_format,
            encoding=layout.encoding,
            delimiter=layout.delimiter,
            columns=layout.columns,
            total_rows=total_rows,
            mode=mode,
            mapping=mapping_suggest(importer, layout.columns),
            created_by=actor if isinstance(actor, User) else None,
        )
        batch.file.save(f"{workspace.pk}-{uuid.uuid4().hex}.{layout.extension}", file, save=False)
        batch.save()
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=batch,
            changes={
                "entity": [None, batch.entity],
                "filename": [None, batch.filename],
                "file_format": [None, batch.file_format],
            },
        )
    return batch


def import_configure(
    *, workspace: Workspace, actor: Actor, batch: ImportBatch, mapping: dict[str, str], mode: str
) -> ImportBatch:
    """Keep the mapping and mode chosen for an import not started yet, so the preview and the
    start that follow use them (the wizard's mapping step)."""
    importer = importer_get(batch.entity)
    if batch.status != ImportStatus.UPLOADED:
        raise StateConflict.single(
            "status", f"only an import not started can be mapped; this one is {batch.status}"
        )
    clean, mode = mapping_clean(importer, batch.columns, mapping), _mode_clean(mode)
    before = {"mapping": batch.mapping, "mode": batch.mode}
    after = {"mapping": clean, "mode": mode}
    if after == before:
        return batch
    with transaction.atomic():
        batch.mapping, batch.mode = clean, mode
        batch.save(update_fields=["mapping", "mode", "updated_at"])
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=batch,
            before=before,
            after=after,
        )
    return batch


# --- writing rows ------------------------------------------------------------------------


class UndoRecord(NamedTuple):
    """A record a row wrote, for the batch's undo log (stored as an `ImportedRecord`)."""

    entity: str
    object_id: int
    action: str
    previous: Values


@dataclass
class RowOutcome:
    number: int
    action: str  # created, updated, skipped, failed or waiting (see `api.PreviewRowOut`)
    instance: Any = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    records: list[UndoRecord] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)


MappedColumns = list[tuple[int, str, str, str]]


def mapped_columns(batch: ImportBatch) -> MappedColumns:
    """(position, column, field, the field's `separator`) of each column the mapping feeds to
    a field."""
    separators = {f.name: f.separator for f in importer_get(batch.entity).fields}
    return [
        (i, c, batch.mapping[c], separators.get(batch.mapping[c], ""))
        for i, c in enumerate(batch.columns)
        if batch.mapping.get(c)
    ]


def cell_read(raw: str) -> str:
    """A cell's value as an import reads it: stripped, and without the `'` an export's
    `formula_safe` put before it."""
    value = raw.strip()
    if value[:1] == "'":
        return formula_safe_undone(value).strip()
    return value


def _import_row(csv_row: CsvRow, columns: MappedColumns) -> ImportRow:
    """The row's non-empty values by field (`csv_row` has no `error`: every column's cell),
    each `cell_read`, a cell of a field with a `separator` split on it. A name written whole
    (`FULL_NAME`, no importer's own field) gives the first and last names of a row that has
    neither, each traced to its column."""
    row = ImportRow(number=csv_row.number)
    values, cells = row.values, csv_row.cells
    for i, column, name, separator in columns:
        value = cell_read(cells[i])
        if not value:
            continue
        if separator and separator in value:
            parts = (p.strip() for p in value.split(separator))
            values.setdefault(name, []).extend((column, p) for p in parts if p)
        else:
            values.setdefault(name, []).append((column, value))
    full = values.pop(FULL_NAME, None)
    if full and "first_name" not in values and "last_name" not in values:
        column, text = full[0]
        for name, part in zip(("first_name", "last_name"), name_split(text), strict=True):
            if part:
                values[name] = [(column, part)]
    return row


def _write_row(
    *,
    csv_row: CsvRow,
    batch: ImportBatch,
    importer: Importer,
    actor: Actor,
    groups: dict[str, int] | None = None,
    can_wait: bool = False,
) -> RowOutcome:
    """One row through the services. `groups` maps, for an importer whose rows group, each
    group's value to the record this run wrote for it, so a further row extends that one.
    `can_wait`: a row naming what a later row may store is `WAITING`, nothing written."""
    outcome = RowOutcome(csv_row.number, "failed", cells=csv_row.cells)
    if csv_row.error:
        outcome.errors.append((csv_row.error_column, csv_row.error))
        return outcome
    row = _import_row(csv_row, mapped_columns(batch))
    workspace = batch.workspace
    ctx = ImportContext(workspace=workspace, actor=actor, later_rows=can_wait)
    group = row.first(importer.group_field) if importer.group_field else ""
    grouped = groups.get(group) if group and groups is not None else None
    if grouped is not None:
        match = importer.model._default_manager.filter(pk=grouped).first()
    else:
        match = (
            None
            if batch.mode == ImportMode.CREATE
            else importer.match(workspace=workspace, row=row)
        )
    if match is not None and grouped is None and batch.mode == ImportMode.SKIP:
        outcome.action = "skipped"
        outcome.instance = match
        return outcome
    try:
        with transaction.atomic():
            if match is not None and grouped is not None:
                previous = importer.extend(ctx=ctx, instance=match, row=row)
                outcome.instance, outcome.action = match, ImportedRecordAction.UPDATED
            elif match is not None:
                previous = importer.update(ctx=ctx, instance=match, row=row)
                outcome.instance, outcome.action = match, ImportedRecordAction.UPDATED
            else:
                outcome.instance = importer.create(ctx=ctx, row=row)
                outcome.action = ImportedRecordAction.CREATED
                previous = {}
            if ctx.refused:  # the services took the rest of the row; its bad cells refuse it
                raise ServiceValidationError([])
    except RowWaits as exc:
        outcome.action, outcome.instance = WAITING, None
        outcome.errors = [(importer.error_column(row, exc.field), exc.message)]
        return outcome
    except ServiceValidationError as exc:
        outcome.action, outcome.instance = "failed", None  # written, then rolled back
        outcome.errors = importer.errors_named(row, ctx.refused, exc.errors)
        return outcome
    except DatabaseError as exc:
        outcome.errors = [("", f"could not be stored: {exc}"[:1000])]
        return outcome
    if group and groups is not None:
        groups[group] = outcome.instance.pk
    outcome.records = [
        *(
            UndoRecord(entity, obj.pk, ImportedRecordAction.CREATED, {})
            for entity, obj in ctx.side_created
        ),
        UndoRecord(importer.entity, outcome.instance.pk, outcome.action, previous),
    ]
    return outcome


# --- dry run -----------------------------------------------------------------------------


@dataclass
class PreviewRow:
    row: int
    action: str
    values: Values
    errors: list[FieldError]
    # A failed row's cells as the file held them: it stores nothing, so beside its reasons
    # they are what shows the reader which row of the file it is and what it held.
    cells: list[str] = field(default_factory=list)


class _DryRunRollback(Exception):
    pass


def import_dry_run(
    *,
    workspace: Workspace,
    actor: Actor,
    batch: ImportBatch,
    mapping: dict[str, str] | None = None,
    mode: str | None = None,
    limit: int = DRY_RUN_ROWS,
) -> list[PreviewRow]:
    """The first `limit` rows as they would be stored, or why they would not be; nothing is
    written. Rows really go through the services, in a transaction rolled back at the end, so
    the preview cannot disagree with the import."""
    importer = importer_get(batch.entity)
    if mapping is not None:
        batch.mapping = mapping_clean(importer, batch.columns, mapping)
    if mode is not None:
        batch.mode = _mode_clean(mode)
    if not 1 <= limit <= MAX_DRY_RUN_ROWS:
        raise ServiceValidationError.single("limit", f"must be 1 to {MAX_DRY_RUN_ROWS}")
    layout = batch_layout(batch)
    preview: list[PreviewRow] = []
    try:
        with transaction.atomic(), batch.file.open("rb") as fh:
            groups: dict[str, int] = {}
            waiting: list[CsvRow] = []
            rows = itertools.islice(file_rows(fh, layout), limit)
            outcomes = _rows_written(batch, importer, actor, rows, groups, waiting)
            for written in _waiting_rounds(batch, importer, actor, waiting, groups, dry=True):
                outcomes.extend(written)
            for outcome in sorted(outcomes, key=lambda o: o.number):
                values = importer.stored(outcome.instance) if outcome.instance else {}
                errors = [FieldError(column, message) for column, message in outcome.errors]
                cells = outcome.cells if outcome.action == "failed" else []
                preview.append(PreviewRow(outcome.number, outcome.action, values, errors, cells))
            raise _DryRunRollback
    except _DryRunRollback:
        pass
    batch.refresh_from_db(fields=["mapping", "mode"])
    return preview


# --- the import itself -------------------------------------------------------------------


def import_start(
    *,
    workspace: Workspace,
    actor: Actor,
    batch: ImportBatch,
    mapping: dict[str, str] | None = None,
    mode: str | None = None,
    enqueue: bool = True,
) -> ImportBatch:
    """Fix the mapping and mode and queue the import (it runs once this transaction commits;
    `enqueue=False` leaves running it to the caller, as the CLI does)."""
    from rapport.data.tasks import import_run

    importer = importer_get(batch.entity)
    with transaction.atomic():
        locked = _locked(workspace, batch)
        status = locked.status if locked else None
        if status != ImportStatus.UPLOADED:
            raise StateConflict.single(
                "status",
                f"only an import not started can be started; this one is {status or 'discarded'}",
            )
        batch.mapping = mapping_clean(
            importer, batch.columns, batch.mapping if mapping is None else mapping
        )
        if mode is not None:
            batch.mode = _mode_clean(mode)
        _status_change(batch, actor, ImportStatus.QUEUED)
        batch.save(update_fields=["mapping", "mode", "status", "updated_at"])
        if enqueue:
            transaction.on_commit(lambda: import_run.enqueue(workspace.pk, batch.pk))
    return batch


def _cancelled(batch: ImportBatch) -> bool:
    return ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.CANCELLED).exists()


def import_process(
    *, workspace: Workspace, batch_id: int, chunk_rows: int | None = None, bulk: bool = True
) -> ImportBatch:
    """Run a queued import to its end or until it is cancelled (the body of the task).
    `bulk=False` keeps to the row path even for an importer that has a bulk writer."""
    batch = ImportBatch.objects.get(workspace=workspace, pk=batch_id)
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:  # cancelled before it started, or another worker has it
        return batch
    batch.refresh_from_db()
    importer = importer_get(batch.entity)
    actor = batch.created_by
    layout = batch_layout(batch)
    writer = importer.bulk_writer(batch=batch, actor=actor) if bulk else None
    size = chunk_rows or (BULK_CHUNK_ROWS if writer else CHUNK_ROWS)
    try:
        with batch.file.open("rb") as fh:
            _process_chunks(batch, importer, actor, slices(file_rows(fh, layout), size), writer)
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now()
        )
        raise
    finally:
        if writer is not None:
            writer.close()
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE
    )
    ImportBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now())
    batch.refresh_from_db()
    return batch


@contextmanager
def _collector_per_chunk() -> Iterator[None]:
    """Python's cycle collector off while chunks are written, run on the young objects after
    each chunk instead. A chunk allocates hundreds of thousands of containers (rows, cells,
    outcomes), and each burst set off a full collection that walks every live object, the
    normalisers' caches included: a third of a bulk import's CPU, measured. Reference counting
    still frees everything else as it goes; the previous setting is restored at the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _process_chunks(
    batch: ImportBatch,
    importer: Importer,
    actor: Actor,
    chunks: Iterator[list[CsvRow]],
    writer: BulkWriter | None,
) -> None:
    """Each chunk in its transaction until the end or a cancel. One chunk is read ahead, so
    a bulk writer can start cleaning it while the current one is written; where a storer
    runs (`chunk_storer`), a chunk is stored by it while the next one is planned here."""
    groups: dict[str, int] = {}
    waiting: list[CsvRow] = []
    with _collector_per_chunk(), chunk_storer(writer) as storer:
        chunk = next(chunks, None)
        while chunk is not None and not _cancelled(batch):
            ahead = next(chunks, None)
            if writer is not None and ahead is not None:
                writer.prepare(ahead)
            if not (writer and storer and _planned_ahead(batch, writer, storer, chunk)):
                _process_chunk(batch, importer, actor, chunk, writer, groups, waiting)
            chunk = ahead
            gc.collect(1)
    rounds = _waiting_rounds(batch, importer, actor, waiting, groups)
    while True:
        with transaction.atomic(), records_gathered():
            written = next(rounds, None)
            if written is None:
                break
            _outcomes_record(batch, len(written), written)


def _rows_written(
    batch: ImportBatch,
    importer: Importer,
    actor: Actor,
    csv_rows: Iterable[CsvRow],
    groups: dict[str, int],
    waiting: list[CsvRow],
) -> list[RowOutcome]:
    """The rows through the row path, in order; those that wait for a later row
    (`RowWaits`) are added to `waiting` instead, without an outcome yet."""
    outcomes = []
    for csv_row in csv_rows:
        outcome = _write_row(
            csv_row=csv_row,
            batch=batch,
            importer=importer,
            actor=actor,
            groups=groups,
            can_wait=True,
        )
        if outcome.action == WAITING:
            waiting.append(csv_row)
        else:
            outcomes.append(outcome)
    return outcomes


def _waiting_rounds(
    batch: ImportBatch,
    importer: Importer,
    actor: Actor,
    waiting: list[CsvRow],
    groups: dict[str, int],
    *,
    dry: bool = False,
) -> Iterator[list[RowOutcome]]:
    """The rows that named what no row had stored at their turn (a company's parent further
    down the file), written once every other row is: in rounds, each in file order, while a
    round stores some (a chain of parents below their children takes a round a level);
    then the rest are refused, those in a cycle by name (`Importer.waits_refused`), the
    others as any row naming what is not there (in a `dry` run, which has not read the
    rows further down, they are shown `WAITING`, with why). Each round's outcomes are
    yielded for the caller to record in the round's transaction; a cancel stops them."""
    while waiting and not _cancelled(batch):
        still: list[CsvRow] = []
        written = _rows_written(batch, importer, actor, waiting, groups, still)
        if len(still) == len(waiting):
            written = _waits_refused(batch, importer, actor, still, groups, dry)
            still = []
        waiting = still
        yield written


def _waits_refused(
    batch: ImportBatch,
    importer: Importer,
    actor: Actor,
    waiting: list[CsvRow],
    groups: dict[str, int],
    dry: bool,
) -> list[RowOutcome]:
    columns = mapped_columns(batch)
    rows = {r.number: _import_row(r, columns) for r in waiting}
    refused = importer.waits_refused(list(rows.values()))
    outcomes = []
    for csv_row in waiting:
        errors = refused.get(csv_row.number)
        if errors is None:
            outcomes.append(
                _write_row(
                    csv_row=csv_row,
                    batch=batch,
                    importer=importer,
                    actor=actor,
                    groups=groups,
                    can_wait=dry,
                )
            )
            continue
        row = rows[csv_row.number]
        named = [(importer.error_column(row, e.field), e.message) for e in errors]
        outcomes.append(RowOutcome(csv_row.number, "failed", errors=named, cells=csv_row.cells))
    return outcomes


def _planned_ahead(
    batch: ImportBatch, writer: BulkWriter, storer: ChunkStorer, chunk: list[CsvRow]
) -> bool:
    """Plan the chunk here and hand its store to the storer; False (the chunks in flight
    stored first) for a chunk that needs the row path."""
    try:
        planned = writer.plan(chunk)
    except RowPathNeeded:
        storer.drain()
        return False
    storer.submit(functools.partial(_planned_store, batch, len(chunk), planned))
    return True


def _planned_store(
    batch: ImportBatch, rows: int, planned: PlannedChunk, turn: Callable[[], None]
) -> None:
    """Store a planned chunk; its counters and undo records once the chunk before it is
    stored (`turn`), so they follow that one's."""
    with transaction.atomic(), records_gathered():
        _commit_unflushed()
        outcomes = planned.store(turn)
        turn()
        _outcomes_record(batch, rows, outcomes)


def _commit_unflushed() -> None:
    """The chunk's commit does not wait for its WAL to reach the disk (PostgreSQL's
    `synchronous_commit` off, for this transaction only). A crash can then lose the last
    chunks committed, but never part of one: each chunk's rows move the batch's counters in
    the same transaction, and the run's closing status update commits synchronously, which
    flushes every chunk before it. A chunk's commit was otherwise a disk flush of its
    megabytes of WAL, with the importing process idle."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _process_chunk(
    batch: ImportBatch,
    importer: Importer,
    actor: Actor,
    chunk: list[CsvRow],
    writer: BulkWriter | None,
    groups: dict[str, int],
    waiting: list[CsvRow],
) -> None:
    """The chunk in its transaction; rows that wait for a later row are added to `waiting`,
    counted when they are written (`_waiting_rounds`)."""
    with transaction.atomic(), records_gathered():
        _commit_unflushed()
        if writer is not None:
            _outcomes_record(batch, len(chunk), writer.write(chunk))
            return
        outcomes = _rows_written(batch, importer, actor, chunk, groups, waiting)
        _outcomes_record(batch, len(outcomes), outcomes)


class _Logged(NamedTuple):
    """Records of one entity written the same way: a row of the undo log, and what an undo
    takes back together."""

    entity: str
    ids: list[int]
    action: str
    previous: Values


def _undo_log(records: list[UndoRecord]) -> list[_Logged]:
    """A chunk's records as stored, for an undo that takes
    back the newest stored row first and each row's ids newest first. A chunk that only
    created records stores a row per entity, the entity a row records last (a row's contact,
    after the company it created) last, so it is taken back first; otherwise consecutive
    records created of one entity share a row and each update has its own."""
    created = ImportedRecordAction.CREATED
    if all(r.action == created for r in records):
        ids: dict[str, list[int]] = {}
        last: dict[str, int] = {}
        for i, r in enumerate(records):
            ids.setdefault(r.entity, []).append(r.object_id)
            last[r.entity] = i
        return [_Logged(e, ids[e], created, {}) for e in sorted(ids, key=last.__getitem__)]
    log: list[_Logged] = []
    for (entity, action), run in itertools.groupby(records, key=lambda r: (r.entity, r.action)):
        if action == created:
            log.append(_Logged(entity, [r.object_id for r in run], created, {}))
        else:
            log.extend(_Logged(entity, [r.object_id], str(action), r.previous) for r in run)
    return log


def _outcomes_record(batch: ImportBatch, rows: int, outcomes: Iterable[RowOutcome]) -> None:
    """A chunk's row errors, undo records and counters, in the chunk's transaction."""
    counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
    ws_id, batch_id = batch.workspace_id, batch.pk
    now = copy_time(timezone.now())
    errors: list[tuple[Any, ...]] = []
    records: list[UndoRecord] = []
    for outcome in outcomes:
        counts[outcome.action] += 1
        records.extend(outcome.records)
        errors.extend(
            (ws_id, now, now, batch_id, outcome.number, column[:255], message, outcome.cells)
            for column, message in outcome.errors
        )
    # Plain rows, by COPY on PostgreSQL; the undo log in the order `_undo_log` gives.
    rows_insert(ImportRowError, ROW_ERROR_COLUMNS, errors)
    rows_insert(
        ImportedRecord,
        IMPORTED_RECORD_COLUMNS,
        ((ws_id, now, now, batch_id, *logged) for logged in _undo_log(records)),
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        rows=F("rows") + rows, **{k: F(k) + v for k, v in counts.items()}
    )


def import_cancel(*, workspace: Workspace, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Stop a queued or running import after its current chunk; what it wrote stays (undo
    removes it)."""
    with transaction.atomic():
        stopped = ImportBatch.objects.filter(
            pk=batch.pk, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
        ).update(status=ImportStatus.CANCELLED, finished_at=timezone.now())
        if not stopped:
            batch.refresh_from_db()
            raise StateConflict.single(
                "status",
                f"only a queued or running import can be cancelled; this one is {batch.status}",
            )
        before = batch.status
        batch.refresh_from_db()
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=batch,
            changes={"status": [before, ImportStatus.CANCELLED]},
        )
    return batch


def _locked(workspace: Workspace, batch: ImportBatch) -> ImportBatch | None:
    """The batch's row locked and read again (None once discarded), for a start and a discard:
    of two at once, the second sees what the first committed and is refused by name."""
    return (
        ImportBatch.objects.select_for_update()
        .filter(pk=batch.pk, workspace_id=workspace.pk)
        .first()
    )


def import_discard(*, workspace: Workspace, actor: Actor, batch: ImportBatch) -> None:
    """Delete an import uploaded and never started, and its stored file once this commits:
    it wrote nothing, so there is nothing to undo, and the list need not keep it. Another
    workspace's batch is DoesNotExist, like none."""
    with transaction.atomic():
        locked = _locked(workspace, batch)
        if locked is None:
            raise ImportBatch.DoesNotExist("no such import in this workspace")
        if locked.status != ImportStatus.UPLOADED:
            raise StateConflict.single(
                "status",
                f"only an import not started can be discarded; this one is {locked.status}",
            )
        before = {"entity": locked.entity, "filename": locked.filename, "status": locked.status}
        audited_delete(workspace_id=workspace.pk, actor=actor, instance=locked, before=before)
        stored = locked.file
        transaction.on_commit(lambda: stored.delete(save=False))


def _undoable(batch: ImportBatch, *, resuming: bool = False) -> None:
    allowed = UNDOABLE | {ImportStatus.UNDOING} if resuming else UNDOABLE
    if batch.status not in allowed:
        raise StateConflict.single(
            "status",
            f"only a finished or cancelled import can be undone; this one is {batch.status}",
        )


def import_undo_start(
    *, workspace: Workspace, actor: Actor, batch: ImportBatch, enqueue: bool = True
) -> ImportBatch:
    """Mark the import as being undone and queue the undo (it runs once this transaction
    commits): a large import's undo takes minutes, more than a request may."""
    from rapport.data.tasks import import_undo_run

    batch.refresh_from_db()
    _undoable(batch)
    with transaction.atomic():
        _status_change(batch, actor, ImportStatus.UNDOING)
        batch.undone = 0
        batch.save(update_fields=["status", "undone", "updated_at"])
        if enqueue:
            actor_id = actor.pk if actor is not None else None
            transaction.on_commit(lambda: import_undo_run.enqueue(workspace.pk, batch.pk, actor_id))
    return batch


def _undo_chunks(batch: ImportBatch) -> Iterator[list[_Logged]]:
    """The batch's undo log, newest first, in chunks of at most `UNDO_CHUNK` records (a
    stored row, which holds a whole import chunk's records of one entity, is split)."""
    rows = ImportedRecord.objects.filter(batch=batch).order_by("-id")
    fields = ("id", "entity", "object_ids", "action", "previous")
    chunk: list[_Logged] = []
    size = 0
    before: int | None = None
    while page := list((rows.filter(id__lt=before) if before else rows).values_list(*fields)[:20]):
        before = page[-1][0]
        for _, entity, ids, action, previous in page:
            newest_first = ids[::-1]
            while newest_first:
                part = newest_first[: UNDO_CHUNK - size]
                newest_first = newest_first[len(part) :]
                chunk.append(_Logged(entity, part, action, previous))
                size += len(part)
                if size == UNDO_CHUNK:
                    yield chunk
                    chunk, size = [], 0
    if chunk:
        yield chunk


def _undo_chunk(workspace: Workspace, actor: Actor, taken: list[_Logged]) -> None:
    """Take these back in order: the created records deleted together
    (`Importer.delete_many`), a run of updated ones put back together (`restore_many`)."""
    for (entity, action), run in itertools.groupby(taken, key=lambda t: (t.entity, t.action)):
        importer = importer_get(entity)
        if action == ImportedRecordAction.CREATED:
            for logged in run:
                importer.delete_many(workspace=workspace, actor=actor, ids=logged.ids)
            continue
        restores = [(pk, logged.previous) for logged in run for pk in logged.ids]
        importer.restore_many(workspace=workspace, actor=actor, restores=restores)


def import_undo(*, workspace: Workspace, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Delete what the import created and put back what it overwrote, newest first, through
    the importers (so each record's audit trail shows it); records deleted since are passed
    over. A chunk of records per transaction, moving the batch's `undone` count, so the page
    shows progress and an undo stopped half-way can be run again to finish (the task's
    body; also called directly, on a batch being undone or one that could be)."""
    batch.refresh_from_db()
    _undoable(batch, resuming=True)
    if batch.status != ImportStatus.UNDOING:
        import_undo_start(workspace=workspace, actor=actor, batch=batch, enqueue=False)
    else:
        # An undo run again starts from the newest record (records taken back already are
        # passed over), so it counts from zero, as `import_undo_start` makes a new one.
        ImportBatch.objects.filter(pk=batch.pk).update(undone=0)
    try:
        for chunk in _undo_chunks(batch):
            with transaction.atomic(), records_gathered():
                _undo_chunk(workspace, actor, chunk)
                taken = sum(len(t.ids) for t in chunk)
                ImportBatch.objects.filter(pk=batch.pk).update(undone=F("undone") + taken)
    except Exception:
        # What was taken back stays so; the batch can be undone again to finish.
        with transaction.atomic():
            _status_change(batch, actor, ImportStatus.FAILED)
            batch.save(update_fields=["status", "updated_at"])
        raise
    batch.refresh_from_db()
    with transaction.atomic():
        _status_change(batch, actor, ImportStatus.UNDONE)
        batch.save(update_fields=["status", "updated_at"])
    return batch
