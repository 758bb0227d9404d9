"""Imports over `/api/v1/data/`: upload a CSV, Excel or vCard file, check the mapping with a
dry run, start, watch, cancel, undo, and read or download the row errors.

`POST /data/imports` takes the file as multipart form data (`file`, `entity`, `mode`) and
answers with the detected columns and a suggested mapping; `/dry-run` shows the first rows
as they would be stored without writing anything; `/start` queues the import, whose counters
`GET /data/imports/{id}` then reports; `DELETE /data/imports/{id}` discards one never started.
Importing needs the write scope; undoing an import deletes records, so it needs the delete
scope.
"""

import datetime as dt
from typing import Annotated

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.decorators import decorate_view

from rapport.api.permissions import DELETE, READ, WRITE, caller
from rapport.api.problem import problems_declared
from rapport.api.records import (
    JSON_INTEGER,
    PageOut,
    PageParams,
    PathId,
    WriteSchema,
    enumerated,
    query_errors,
    refuse_unknown_params,
)
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.pagination import Page
from rapport.data.error_report import error_report_response
from rapport.data.importers import Importer, importers
from rapport.data.models import (
    FileFormat,
    ImportBatch,
    ImportMode,
    ImportRowError,
    ImportStatus,
)
from rapport.data.queries import (
    import_error_page,
    import_get,
    import_page,
    import_summary,
    import_undo_total,
)
from rapport.data.services import (
    DRY_RUN_ROWS,
    MAX_DRY_RUN_ROWS,
    PreviewRow,
    import_cancel,
    import_create,
    import_discard,
    import_dry_run,
    import_start,
    import_undo_start,
)
from rapport.data.upload_limit import import_upload_limited

router = Router(tags=["imports"])
# The form fields of an upload (`create_import`'s parameters).
UPLOAD_FIELDS = {"file", "entity", "mode"}
# The actions an import's status may refuse.
CONFLICT = problems_declared(409)


class ImportFieldOut(Schema):
    name: str
    label: str
    many: bool = Field(description="several columns may feed this field")


class ImporterOut(Schema):
    entity: str
    label: str
    match: str = Field(description="how a row finds the existing record it stands for")
    fields: list[ImportFieldOut]

    @staticmethod
    def resolve_match(obj: Importer) -> str:
        return obj.match_help


class ImportOut(Schema):
    id: int
    entity: str
    filename: str
    file_format: FileFormat = Field(description="recognised by the file's content")
    encoding: str = Field(description="text files only")
    delimiter: str = Field(description="CSV only")
    columns: list[str] = Field(description="the file's header row")
    mapping: dict[str, str] = Field(description="column -> field (suggested until started)")
    mode: ImportMode
    status: ImportStatus
    rows: int = Field(description="data rows processed so far")
    total_rows: int | None = Field(description="data rows in the file, counted at upload")
    created: int
    updated: int
    skipped: int
    failed: int
    undone: int = Field(description="records an undo has taken back so far")
    undo_total: int | None = Field(
        description="while the import is being undone: the records the undo takes back"
    )
    summary: str = Field(
        description=(
            'what the import has left, in words: its counts ("1,200 created, 0 updated, 3 '
            'skipped, 2 failed"), or once undone what the undo took back ("Undone: 1,200 '
            'records removed"), when the counts above still say what its rows did'
        )
    )
    created_by_id: int | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_undo_total(obj: ImportBatch) -> int | None:
        return import_undo_total(batch=obj) if obj.status == ImportStatus.UNDOING else None

    @staticmethod
    def resolve_summary(obj: ImportBatch) -> str:
        return import_summary(batch=obj)


class ImportSettingsIn(WriteSchema):
    mapping: dict[str, str | None] | None = Field(
        None, description="column -> field; null or omitted columns are not imported"
    )
    mode: ImportMode | None = Field(None, description="what to do with a row that matches")


class DryRunIn(ImportSettingsIn):
    limit: Annotated[int, Field(ge=1, le=MAX_DRY_RUN_ROWS), JSON_INTEGER] = DRY_RUN_ROWS


class FieldErrorOut(Schema):
    field: str = Field(description="the column at fault; empty for the whole row")
    message: str


class PreviewRowOut(Schema):
    row: int = Field(
        description="as a spreadsheet numbers it (the header is row 1); a vCard's card number"
    )
    action: str = Field(
        description=(
            "created, updated, skipped, failed, or waiting (a company whose parent is not yet "
            "among the rows before it: a row further down may create it)"
        )
    )
    values: dict[str, object] = Field(description="the record as it would be stored")
    errors: list[FieldErrorOut]


class RowErrorOut(Schema):
    id: int
    row: int
    column: str
    message: str
    raw: list[str] = Field(description="the row's cells as read")


def _settings(payload: ImportSettingsIn) -> dict[str, object]:
    data = payload.service_data()
    return {
        "mapping": None if data.get("mapping") is None else data["mapping"],
        "mode": data.get("mode"),
    }


def _importer_keys() -> list[str]:
    return [i.entity for i in importers()]


class ImportListParams(PageParams):
    status: str = Field(
        "",
        description="imports in this status",
        json_schema_extra=enumerated(lambda: ImportStatus.values),
    )
    entity: str = Field(
        "",
        description="imports of these records (`/importers`)",
        json_schema_extra=enumerated(_importer_keys),
    )


@router.get("/importers", response=list[ImporterOut], auth=READ)
def list_importers(request: HttpRequest) -> list[Importer]:
    """What can be imported, each with the fields a column can be mapped to."""
    refuse_unknown_params(request, None, of="this request")
    return importers()


@router.post("/imports", response={201: ImportOut}, auth=WRITE)
@decorate_view(import_upload_limited)
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    entity: str = Form(..., description="what the rows are: an importer's `entity` (`/importers`)"),
    mode: Form[ImportMode] = ImportMode.SKIP,
) -> Status[ImportBatch]:
    """Upload a CSV file (any common encoding and delimiter), an Excel workbook (its first
    sheet with data) or a vCard file; nothing is imported yet. A form field other than
    these three is refused by name (422), as an unknown key in a JSON body is."""
    refuse_unknown_params(request, None, of="this request")
    unknown = [name for name in (*request.POST, *request.FILES) if name not in UPLOAD_FIELDS]
    if unknown:
        raise ServiceValidationError(
            [FieldError(name, "is not a field of an upload") for name in unknown]
        )
    c = caller(request)
    batch = import_create(workspace=c.workspace, actor=c.actor, entity=entity, file=file, mode=mode)
    return Status(201, batch)


@router.get("/imports", response=PageOut[ImportOut], auth=READ)
def list_imports(request: HttpRequest, params: Query[ImportListParams]) -> Page[ImportBatch]:
    """Newest first."""
    refuse_unknown_params(request, ImportListParams)
    with query_errors():
        return import_page(
            cursor=params.cursor, limit=params.limit, status=params.status, entity=params.entity
        )


@router.get("/imports/{int:batch_id}", response=ImportOut, auth=READ)
def get_import(request: HttpRequest, batch_id: PathId) -> ImportBatch:
    """Status and counters: poll this for progress."""
    refuse_unknown_params(request, None, of="this request")
    return import_get(batch_id=batch_id)


@router.delete("/imports/{int:batch_id}", response={204: None}, auth=WRITE, openapi_extra=CONFLICT)
def discard_import(request: HttpRequest, batch_id: PathId) -> Status[None]:
    """Delete an import that was never started, and its file; a started one is refused
    (409): what it did is undone, not discarded."""
    c = caller(request)
    import_discard(workspace=c.workspace, actor=c.actor, batch=import_get(batch_id=batch_id))
    return Status(204, None)


@router.post("/imports/{int:batch_id}/dry-run", response=list[PreviewRowOut], auth=WRITE)
def dry_run_import(request: HttpRequest, batch_id: PathId, payload: DryRunIn) -> list[PreviewRow]:
    """The first rows as they would be stored (or why not), with this mapping and mode;
    nothing is written."""
    c = caller(request)
    batch = import_get(batch_id=batch_id)
    settings = _settings(payload)
    return import_dry_run(
        workspace=c.workspace,
        actor=c.actor,
        batch=batch,
        mapping=settings["mapping"],  # type: ignore[arg-type]
        mode=settings["mode"],  # type: ignore[arg-type]
        limit=payload.limit,
    )


@router.post(
    "/imports/{int:batch_id}/start", response={202: ImportOut}, auth=WRITE, openapi_extra=CONFLICT
)
def start_import(
    request: HttpRequest, batch_id: PathId, payload: ImportSettingsIn
) -> Status[ImportBatch]:
    """Queue the import with this mapping and mode (the suggested mapping if omitted); an
    import started already is refused (409)."""
    c = caller(request)
    batch = import_get(batch_id=batch_id)
    settings = _settings(payload)
    batch = import_start(
        workspace=c.workspace,
        actor=c.actor,
        batch=batch,
        mapping=settings["mapping"],  # type: ignore[arg-type]
        mode=settings["mode"],  # type: ignore[arg-type]
    )
    return Status(202, import_get(batch_id=batch.pk))


@router.post(
    "/imports/{int:batch_id}/cancel", response=ImportOut, auth=WRITE, openapi_extra=CONFLICT
)
def cancel_import(request: HttpRequest, batch_id: PathId) -> ImportBatch:
    """Stop after the chunk being written; what was imported stays until undone. Only a
    queued or running import can be cancelled (else 409)."""
    c = caller(request)
    return import_cancel(workspace=c.workspace, actor=c.actor, batch=import_get(batch_id=batch_id))


@router.post(
    "/imports/{int:batch_id}/undo", response=ImportOut, auth=DELETE, openapi_extra=CONFLICT
)
def undo_import(request: HttpRequest, batch_id: PathId) -> ImportBatch:
    """Queue the undo: delete the records the import created and restore the fields it
    updated, in the background. The import's status is `undoing` until it is `undone`;
    `undone` counts the records taken back so far. Only a finished, cancelled or failed
    import can be undone (else 409)."""
    c = caller(request)
    batch = import_get(batch_id=batch_id)
    import_undo_start(workspace=c.workspace, actor=c.actor, batch=batch)
    batch.refresh_from_db()
    return batch


@router.get("/imports/{int:batch_id}/errors", response=PageOut[RowErrorOut], auth=READ)
def list_import_errors(
    request: HttpRequest, batch_id: PathId, params: Query[PageParams]
) -> Page[ImportRowError]:
    """Which row, which column, why; in row order."""
    refuse_unknown_params(request, PageParams)
    batch = import_get(batch_id=batch_id)
    with query_errors():
        return import_error_page(batch=batch, cursor=params.cursor, limit=params.limit)


@router.get("/imports/{int:batch_id}/errors.csv", auth=READ)
def download_import_errors(request: HttpRequest, batch_id: PathId) -> StreamingHttpResponse:
    """The row errors as a CSV file, each with the row as read, safe to open in a
    spreadsheet."""
    refuse_unknown_params(request, None, of="this request")
    return error_report_response(import_get(batch_id=batch_id))
