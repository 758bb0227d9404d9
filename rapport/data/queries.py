"""Reads of the import framework: batches, their row errors, the error report as CSV."""

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterator

from django.db.models import Func, IntegerField, QuerySet, Sum

from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page, SortKey, paginate
from rapport.data.exports import FORMULA_STARTS
from rapport.data.file_formats import batch_layout, file_rows
from rapport.data.importers import importer_get
from rapport.data.models import ImportBatch, ImportedRecord, ImportRowError, ImportStatus
from rapport.tenancy.access import workspace_scope


def import_finish_estimate(*, batch: ImportBatch, now: dt.datetime) -> dt.datetime | None:
    """When a running import should end, at the pace it has kept since it started (a minute
    away at the least: the page says minutes); None until a first chunk is in, or for a file
    whose rows were not counted."""
    if batch.status != ImportStatus.RUNNING or not (batch.started_at and batch.total_rows):
        return None
    if not batch.rows:
        return None
    left = (now - batch.started_at) * ((batch.total_rows - batch.rows) / batch.rows)
    return now + max(left, dt.timedelta(minutes=1))


class _JsonArrayLength(Func):
    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="json_array_length", **extra)


SAMPLE_ROWS = 20  # rows read for the samples: enough to pass a sparse column's blanks
SAMPLES = 3
SAMPLE_CHARS = 40


def import_samples(*, batch: ImportBatch) -> list[list[str]]:
    """A few values of each of the file's columns, in column order, for the mapping step: a
    header such as "Field 3" or "Telefon" says less than "+49 30 1234567". Empty for a file
    that can no longer be read (its errors belong to the preview)."""
    samples: list[list[str]] = [[] for _ in batch.columns]
    try:
        with batch.file.open("rb") as fh:
            for row in itertools.islice(file_rows(fh, batch_layout(batch)), SAMPLE_ROWS):
                for kept, cell in zip(samples, row.cells, strict=False):
                    value = cell.strip()
                    if value and len(kept) < SAMPLES and value not in kept:
                        kept.append(
                            value[:SAMPLE_CHARS] + ("…" if len(value) > SAMPLE_CHARS else "")
                        )
    except (OSError, ServiceValidationError):
        return [[] for _ in batch.columns]
    return samples


def import_undo_total(*, batch: ImportBatch) -> int:
    """How many records an undo of the batch takes back (its undo log's ids, counted by
    the database: a million-row import's log holds a million)."""
    logged = ImportedRecord.objects.filter(batch=batch)
    return logged.aggregate(n=Sum(_JsonArrayLength("object_ids")))["n"] or 0


def _records(n: int) -> str:
    return f"{n:,} record{'' if n == 1 else 's'}"


def import_summary(*, batch: ImportBatch) -> str:
    """What the import has left, in words the page, the API and the CLI share: its rows'
    counts, until an undo takes them back; then what the undo removed and restored (the
    counts stay as the record of what the rows did, no longer of what is there)."""
    if batch.status == ImportStatus.UNDONE:
        # Read off the batch, no query (a list of batches shows it for each): the undo took
        # back every record of the log, `undone`, of which each updated row's record was
        # restored and the rest, created by the rows (and companies created on the way),
        # removed.
        said = f"Undone: {_records(batch.undone - batch.updated)} removed"
        return said + (f", {batch.updated:,} restored" if batch.updated else "")
    if batch.status == ImportStatus.UNDOING:
        return f"Being undone: {_records(batch.undone)} taken back so far"
    return (
        f"{batch.created:,} created, {batch.updated:,} updated, {batch.skipped:,} skipped, "
        f"{batch.failed:,} failed"
    )


def import_get(*, batch_id: int) -> ImportBatch:
    """The batch of the current workspace (another workspace's is DoesNotExist, like none)."""
    return ImportBatch.objects.select_related("created_by").get(pk=batch_id)


def import_filters_check(*, status: str = "", entity: str = "") -> None:
    """A filter value no batch can have is an error naming its filter, not an empty list
    that reads as "no such import"."""
    if status and status not in ImportStatus.values:
        raise ServiceValidationError.single(
            "status", f"'{status}' is not one of: {', '.join(ImportStatus.values)}"
        )
    if entity:
        importer_get(entity)


def import_list(*, status: str = "", entity: str = "") -> QuerySet[ImportBatch]:
    """The batches, of one `status` and of one `entity` if given (`import_filters_check`)."""
    import_filters_check(status=status, entity=entity)
    batches = ImportBatch.objects.all()
    if status:
        batches = batches.filter(status=status)
    if entity:
        batches = batches.filter(entity=entity)
    return batches


def import_page(
    *, cursor: str | None, limit: int, status: str = "", entity: str = ""
) -> Page[ImportBatch]:
    """Newest first, with who started each (a bad cursor is a `cursor` error)."""
    return paginate(
        import_list(status=status, entity=entity).select_related("created_by"),
        keys=[SortKey("created_at", True)],
        cursor=cursor,
        limit=limit,
    )


def import_errors(*, batch: ImportBatch) -> QuerySet[ImportRowError]:
    return ImportRowError.objects.filter(batch=batch).order_by("row", "id")


def import_error_page(
    *, batch: ImportBatch, cursor: str | None, limit: int
) -> Page[ImportRowError]:
    """In row order (a bad cursor is a `cursor` error)."""
    return paginate(
        import_errors(batch=batch), keys=[SortKey("row", False)], cursor=cursor, limit=limit
    )


def spreadsheet_safe(value: object) -> str:
    """The cell as text a spreadsheet shows rather than evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip(" ")[:1] in FORMULA_STARTS else text


def import_errors_csv(*, batch: ImportBatch) -> Iterator[str]:
    """The error report, a line at a time: row (a vCard's card), column, message, then the
    row as read, every cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_safe(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line([batch.row_label, "column", "error", *batch.columns])
    # A response streams after the middleware has left the workspace scope: re-enter it.
    with workspace_scope(batch.workspace):
        for error in import_errors(batch=batch).iterator(chunk_size=1000):
            yield line([error.row, error.column, error.message, *error.raw])
