"""The sequence pages: the list, and one page to build a sequence, switch it on or off, and
see who is in it."""

import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from rapport.campaigns.queries import template_list
from rapport.contacts.models import LifecycleStage
from rapport.core.errors import ServiceValidationError
from rapport.marketing.queries import segment_list, static_list_list
from rapport.sequences.builder import STEP_INPUTS, steps_from_post
from rapport.sequences.models import Sequence, SequenceStatus
from rapport.sequences.queries import (
    enrollment_counts,
    enrollment_get,
    enrollment_list,
    sequence_get,
    sequence_list,
    step_figures,
)
from rapport.sequences.services import (
    enrollment_remove,
    sequence_create,
    sequence_set_status,
    sequence_update,
)
from rapport.tenancy.roles import RECORDS_WRITE
from rapport.web.access import (
    check_scope,
    found_or_404,
    member_required,
    scope_required,
    workspace_of,
)

ENROLLMENTS_SHOWN = 200


@member_required
@require_GET
def sequences(request: HttpRequest) -> HttpResponse:
    return render(request, "sequences/list.html", {"sequences": list(sequence_list())})


def _row(step: dict[str, Any]) -> dict[str, Any]:
    return {"id": "s" + secrets.token_hex(4), **step}


def _page(
    request: HttpRequest, sequence: Sequence | None, values: dict[str, Any], errors: list[Any]
) -> HttpResponse:
    rows = [_row(s) for s in values.get("steps", [])]
    if sequence is not None and not errors:  # the rows are the saved steps: say what each did
        for row, figures in zip(rows, step_figures(sequence=sequence), strict=True):
            row["figures"] = figures
    context = {
        "sequence": sequence,
        "values": values,
        "rows": rows,
        "errors": errors,
        "counts": enrollment_counts(sequence=sequence) if sequence else {},
        "templates": list(template_list()),
        "stages": LifecycleStage.choices,
        "segments": list(segment_list()),
        "lists": list(static_list_list()),
        "step_types": list(STEP_INPUTS),
        "enrollments": list(enrollment_list(sequence=sequence)[:ENROLLMENTS_SHOWN])
        if sequence
        else [],
    }
    return render(request, "sequences/edit.html", context, status=422 if errors else 200)


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def _values(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "name": post.get("name", ""),
        "from_email": post.get("from_email", ""),
        "enter_on_stage": post.get("enter_on_stage", ""),
        "enter_segment_id": _id(post.get("enter_segment", "")),
        "enter_list_id": _id(post.get("enter_list", "")),
        "exit_on_stage": post.get("exit_on_stage", ""),
        "exit_on_reply": post.get("exit_on_reply") == "on",
        "steps": steps_from_post(post),
    }


@member_required
def sequence_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    sequence = found_or_404(sequence_get, sequence_id=pk) if pk else None
    if request.method != "POST":
        fields = (
            "name",
            "from_email",
            "enter_on_stage",
            "enter_segment_id",
            "enter_list_id",
            "exit_on_stage",
            "exit_on_reply",
            "steps",
        )
        values = {n: getattr(sequence, n) for n in fields} if sequence else {"exit_on_reply": True}
        return _page(request, sequence, values, [])
    check_scope(request, RECORDS_WRITE)
    return _save(request, sequence)


def _save(request: HttpRequest, sequence: Sequence | None) -> HttpResponse:
    workspace, values = workspace_of(request), _values(request)
    data = dict(values)
    if sequence is not None and sequence.status == SequenceStatus.ACTIVE:
        data.pop("steps")  # steps are locked while active; the page shows them read-only
    try:
        if sequence is None:
            sequence = sequence_create(workspace=workspace, actor=request.user, data=data)
        else:
            sequence_update(workspace=workspace, actor=request.user, sequence=sequence, data=data)
    except ServiceValidationError as exc:
        return _page(request, sequence, values, exc.errors)
    messages.success(request, f"Saved “{sequence.name}”.")
    return redirect("sequences:edit", pk=sequence.pk)


@scope_required(RECORDS_WRITE)
@require_GET
def step_row(request: HttpRequest) -> HttpResponse:
    """A new, empty row of the builder (htmx appends it)."""
    kind = request.GET.get("type", "")
    if kind not in STEP_INPUTS:
        kind = "email"
    context = {"row": _row({"type": kind}), "templates": list(template_list()), "editable": True}
    return render(request, "sequences/_step_row.html", context)


@scope_required(RECORDS_WRITE)
@require_POST
def sequence_status(request: HttpRequest, pk: int) -> HttpResponse:
    sequence = found_or_404(sequence_get, sequence_id=pk)
    try:
        sequence_set_status(
            workspace=workspace_of(request),
            actor=request.user,
            sequence=sequence,
            status=request.POST.get("status", ""),
        )
    except ServiceValidationError as exc:
        messages.error(request, "; ".join(f"{e.field}: {e.message}" for e in exc.errors))
    else:
        messages.success(request, f"“{sequence.name}” is {sequence.get_status_display().lower()}.")
    return redirect("sequences:edit", pk=pk)


@scope_required(RECORDS_WRITE)
@require_POST
def enrollment_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = found_or_404(enrollment_get, enrollment_id=pk)
    try:
        enrollment_remove(
            workspace=workspace_of(request), actor=request.user, enrollment=enrollment
        )
    except ServiceValidationError as exc:
        messages.error(request, exc.errors[0].message)
    return redirect("sequences:edit", pk=enrollment.sequence_id)
