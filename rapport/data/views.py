"""Import pages: the list of batches, the wizard (upload, map the columns, preview, start) and a
batch's page, whose progress is polled while it runs and which then shows the counts, the row
errors and the undo.

Each view fetches the batch through `import_get` (another workspace's is a 404), calls one
service or query, and renders. The batch's state lives in the database, so its page shows the
same progress after a reload or from another browser.
"""

from collections.abc import Callable
from itertools import zip_longest
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from rapport.core.errors import ServiceValidationError
from rapport.data import services
from rapport.data.error_report import error_report_response
from rapport.data.forms import MappingForm, UploadForm
from rapport.data.importers import Importer, importer_get, importers
from rapport.data.models import ImportBatch, ImportStatus
from rapport.data.queries import (
    import_error_page,
    import_filters_check,
    import_finish_estimate,
    import_get,
    import_page,
    import_samples,
    import_summary,
    import_undo_total,
)
from rapport.data.upload_limit import import_upload_limited
from rapport.tenancy.roles import RECORDS_DELETE, RECORDS_WRITE
from rapport.web.access import found_or_404, member_required, scope_required, workspace_of
from rapport.web.forms import add_service_errors
from rapport.web.htmx import is_partial

PAGE_SIZE = 25
ERRORS_PAGE = 50
WIDE_CELL = 30  # characters past which a preview column is given room
RUNNING = {ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.UNDOING}


def _batch(pk: int) -> ImportBatch:
    return found_or_404(import_get, batch_id=pk)


def _cursor(request: HttpRequest) -> str | None:
    return request.GET.get("cursor") or None


def _say(exc: ServiceValidationError) -> str:
    return "; ".join(f"{e.field.replace('_', ' ')}: {e.message}" for e in exc.errors)


@member_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """Filtered by status and by what was imported; a value no batch can have (an edited
    URL) is said, and the list shown unfiltered."""
    filters = {name: request.GET.get(name, "") for name in ("status", "entity")}
    context: dict[str, Any] = {"filters": filters, "params": request.GET}
    try:
        import_filters_check(**filters)
    except ServiceValidationError as exc:
        context["problem"] = _say(exc)
        filters = {}
    try:
        page = import_page(cursor=_cursor(request), limit=PAGE_SIZE, **filters)
    except ServiceValidationError as exc:  # a tampered cursor: a page that does not exist
        raise Http404 from exc
    context |= {
        "page": page,
        "filtered": any(filters.values()),
        "statuses": ImportStatus.choices,
        "importers": importers(),
    }
    return render(request, "data/import_list.html", context)


# --- the wizard -----------------------------------------------------------------------------


@csrf_exempt  # checked inside, once the upload handler is in place: the check reads the form
@import_upload_limited
@csrf_protect
@scope_required(RECORDS_WRITE)
def import_new(request: HttpRequest) -> HttpResponse:
    """Step 1: what to import, and the file (a file over the limit refused as it streams)."""
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            batch = services.import_create(
                workspace=workspace_of(request),
                actor=request.user,
                entity=form.cleaned_data["entity"],
                file=form.cleaned_data["file"],
            )
        except ServiceValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("data:import_mapping", batch.pk)
    return render(request, "data/upload.html", {"form": form, "step": 1})


def _not_started(pk: int) -> tuple[ImportBatch, Importer | None]:
    """The batch, and its importer while the wizard may still change it (None once started)."""
    batch = _batch(pk)
    return batch, importer_get(batch.entity) if batch.status == ImportStatus.UPLOADED else None


@scope_required(RECORDS_WRITE)
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: a field for each column, suggested from its header, and the match mode."""
    batch, importer = _not_started(pk)
    if importer is None:
        return redirect("data:import_detail", batch.pk)
    posted = request.method == "POST"
    form = MappingForm(request.POST if posted else None, batch=batch, importer=importer)
    if posted and form.is_valid():
        try:
            services.import_configure(
                workspace=workspace_of(request),
                actor=request.user,
                batch=batch,
                mapping=form.mapping(),
                mode=form.cleaned_data["mode"],
            )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("data:import_preview", batch.pk)
    columns = list(zip(form.column_fields(), import_samples(batch=batch), strict=True))
    context = {"batch": batch, "importer": importer, "form": form, "columns": columns, "step": 2}
    return render(request, "data/mapping.html", context)


def _preview_table(
    importer: Importer, columns: list[str], rows: list[services.PreviewRow]
) -> dict[str, Any]:
    """The dry run as a table: a column per stored value that any row fills; a failed row's
    non-empty cells by the file's `columns` (a cell past the header's last has none)."""
    labels = {f.name: f.label for f in importer.fields}
    keys: list[str] = []
    for row in rows:
        keys += [k for k, v in row.values.items() if v not in (None, "", []) and k not in keys]

    def cell(value: Any) -> str:
        if isinstance(value, bool):  # "Do not email": as the forms say it, not Python's False
            return "Yes" if value else "No"
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)

    # A column holding a long value keeps a readable width (the table scrolls sideways rather
    # than squeezing a long job title into a word a line).
    wide = [any(len(cell(r.values.get(k))) > WIDE_CELL for r in rows) for k in keys]
    # A failed row stores nothing: its reasons take the place of its empty cells, right after
    # the outcome, rather than in the last column, off-screen on a wide file or a phone.
    return {
        "headers": [labels.get(k, k.replace("_", " ").capitalize()) for k in keys],
        "rows": [
            {
                "row": r,
                "cells": [(cell(r.values.get(k)), w) for k, w in zip(keys, wide, strict=True)],
                "errors": r.errors,
                "reasons_only": bool(r.errors) and not r.values,
                "file": [(c, v) for c, v in zip_longest(columns, r.cells, fillvalue="") if v],
            }
            for r in rows
        ],
        # A skipped row shows the record it matched (its own values are not stored): say so,
        # or "Skipped" beside another person's name reads as a wrong reading of the file.
        "skips": any(r.action == "skipped" for r in rows),
    }


@scope_required(RECORDS_WRITE)
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: the first rows as they will be stored, or why they will not be. The dry run
    writes nothing (its transaction is rolled back)."""
    batch, importer = _not_started(pk)
    if importer is None:
        return redirect("data:import_detail", batch.pk)
    context: dict[str, Any] = {"batch": batch, "importer": importer, "step": 3}
    try:
        rows = services.import_dry_run(
            workspace=workspace_of(request), actor=request.user, batch=batch
        )
    except ServiceValidationError as exc:
        context["problem"] = _say(exc)
    else:
        context |= {
            "table": _preview_table(importer, batch.columns, rows),
            "failing": sum(bool(r.errors) for r in rows),
        }
    return render(request, "data/preview.html", context)


@scope_required(RECORDS_WRITE)
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 4: queue the import as a background task and go to its page."""
    return _act(request, pk, services.import_start, done="", failed="The import was not started")


def _act(
    request: HttpRequest, pk: int, action: Callable[..., ImportBatch], *, done: str, failed: str
) -> HttpResponse:
    """Run a service on the batch and go back to its page, saying how it went."""
    batch = _batch(pk)
    try:
        action(workspace=workspace_of(request), actor=request.user, batch=batch)
    except ServiceValidationError as exc:
        messages.error(request, f"{failed}: {_say(exc)}")
    else:
        if done:
            messages.success(request, done)
    return redirect("data:import_detail", batch.pk)


# --- a batch: progress, errors, cancel, undo -------------------------------------------------


@member_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's page; htmx polls its `import-status` part while it runs, and pages its
    `import-errors` part."""
    batch = _batch(pk)
    now = timezone.now()  # the estimate and its rendering share it: "1 minute", not "0 minutes"
    context: dict[str, Any] = {
        "batch": batch,
        "running": batch.status in RUNNING,
        "now": now,
        "finish_at": import_finish_estimate(batch=batch, now=now),
    }
    if batch.status == ImportStatus.UNDOING:
        context["undo_total"] = import_undo_total(batch=batch)
    if batch.status == ImportStatus.UNDONE:
        context["summary"] = import_summary(batch=batch)
    if batch.status not in RUNNING and batch.status != ImportStatus.UPLOADED:
        try:
            errors = import_error_page(batch=batch, cursor=_cursor(request), limit=ERRORS_PAGE)
        except ServiceValidationError as exc:
            raise Http404 from exc
        context |= {"errors": errors, "params": request.GET}
    if is_partial(request, "import-errors"):
        return render(request, "data/_errors.html", context)
    if is_partial(request, "import-status"):
        return render(request, "data/_status.html", context)
    return render(request, "data/import_detail.html", context)


@scope_required(RECORDS_WRITE)
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        services.import_cancel,
        done="Import cancelled. What it imported so far stays until undone.",
        failed="The import was not cancelled",
    )


@scope_required(RECORDS_WRITE)
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete an import that was never started, and go back to the list."""
    batch = _batch(pk)
    try:
        services.import_discard(workspace=workspace_of(request), actor=request.user, batch=batch)
    except ServiceValidationError as exc:
        messages.error(request, f"The import was not discarded: {_say(exc)}")
        return redirect("data:import_detail", batch.pk)
    messages.success(request, f"Import of {batch.filename} discarded.")
    return redirect("data:import_list")


@scope_required(RECORDS_DELETE)
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (the page), then deletes what the import created and restores what it
    updated (the POST)."""
    if request.method == "POST":
        return _act(
            request,
            pk,
            services.import_undo_start,
            done="Undoing the import: its records are being removed or restored.",
            failed="The import was not undone",
        )
    batch = _batch(pk)
    if batch.status not in services.UNDOABLE:
        return redirect("data:import_detail", batch.pk)
    return render(request, "data/undo_confirm.html", {"batch": batch})


@member_required
@require_GET
def import_errors_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    return error_report_response(_batch(pk))
