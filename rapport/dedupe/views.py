"""The review queue: suspected duplicates side by side, merge or "not a duplicate"."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from rapport.core.errors import ServiceValidationError
from rapport.dedupe.models import DuplicatePair, PairEntity, PairStatus
from rapport.dedupe.queries import pair_get, pair_list, queue_rows
from rapport.dedupe.services import dedupe_request, pair_mark_not_duplicate, pair_reopen
from rapport.tenancy.roles import RECORDS_READ, RECORDS_WRITE
from rapport.web.access import found_or_404, membership_of, scope_required, workspace_of

QUEUE_SIZE = 50


@scope_required(RECORDS_READ)
def queue(request: HttpRequest) -> HttpResponse:
    entity = request.GET.get("entity", PairEntity.CONTACT)
    if entity not in PairEntity.values:
        entity = PairEntity.CONTACT
    pairs = pair_list(entity=entity)
    shown = list(pairs[:QUEUE_SIZE])
    can_write = membership_of(request).has_scope(RECORDS_WRITE)
    context = {
        "rows": queue_rows(shown),
        "total": pairs.count() if len(shown) == QUEUE_SIZE else len(shown),
        "entity": entity,
        "entities": PairEntity.choices,
        "can_write": can_write,
    }
    return render(request, "dedupe/queue.html", context)


def _queue_url(pair: DuplicatePair) -> str:
    return f"{reverse('dedupe:queue')}?entity={pair.entity}"


def _row_answer(request: HttpRequest, pair: DuplicatePair, refused: str) -> HttpResponse:
    """htmx's answer in place of the pair's row: the pair as it now stands (its row back in
    the queue, or the decision with its undo) or the refusal; the count follows, out of band."""
    rows = queue_rows([pair])
    context = {
        "pair": pair,
        "row": rows[0] if rows else None,
        "refused": refused,
        "can_write": True,
        "total": pair_list(entity=pair.entity).count(),
        "oob": True,
    }
    reopened = not refused and pair.status == PairStatus.OPEN
    return render(request, "dedupe/_reopened.html" if reopened else "dedupe/_decided.html", context)


def _decided(
    request: HttpRequest, pair_id: int, decide: Callable[..., None], done: Callable[..., str]
) -> HttpResponse:
    """Apply `decide` to the pair. htmx gets the row's answer; a plain post goes back to the
    queue with the refusal or `done(pair)`, the message saying what was decided."""
    pair = found_or_404(pair_get, pair_id=pair_id)
    try:
        decide(workspace=workspace_of(request), actor=request.user, pair=pair)
    except ServiceValidationError as exc:
        refused = f"Not done: {exc.errors[0].message}."
    else:
        refused = ""
    if request.htmx:  # type: ignore[attr-defined]
        return _row_answer(request, pair, refused)
    if refused:
        messages.error(request, refused)
    else:
        messages.success(request, done(request, pair))
    return redirect(_queue_url(pair))


def _not_duplicate_done(request: HttpRequest, pair: DuplicatePair) -> str:
    """The decision with its undo button, both escaped: the message keeps its form."""
    [row] = queue_rows([pair])
    undo = render_to_string("dedupe/_undo.html", {"pair": pair, "row": row}, request)
    return format_html("{} and {}: not a duplicate.", row.a, row.b) + undo


@require_POST
@scope_required(RECORDS_WRITE)
def not_duplicate(request: HttpRequest, pair_id: int) -> HttpResponse:
    """The row gives way to the decision and its undo (or the refusal); without htmx, the
    same undo comes in the message above the queue."""
    return _decided(request, pair_id, pair_mark_not_duplicate, _not_duplicate_done)


@require_POST
@scope_required(RECORDS_WRITE)
def reopen(request: HttpRequest, pair_id: int) -> HttpResponse:
    """Undo "not a duplicate": the pair's row comes back where it was (or the refusal)."""
    return _decided(request, pair_id, pair_reopen, lambda *_: "The pair is back in the queue.")


@require_POST
@scope_required(RECORDS_WRITE)
def run(request: HttpRequest) -> HttpResponse:
    dedupe_request(workspace=workspace_of(request))
    messages.success(request, "Duplicate detection started; the queue fills as it finishes.")
    return redirect("dedupe:queue")
