"""The review queue: suspected duplicates side by side, merge or "not a duplicate"."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.dedupe.models import PairEntity
from rapport.dedupe.queries import pair_get, pair_list, queue_rows
from rapport.dedupe.services import dedupe_request, pair_mark_not_duplicate
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


@require_POST
@scope_required(RECORDS_WRITE)
def not_duplicate(request: HttpRequest, pair_id: int) -> HttpResponse:
    pair = found_or_404(pair_get, pair_id=pair_id)
    pair_mark_not_duplicate(workspace=workspace_of(request), actor=request.user, pair=pair)
    if request.htmx:  # type: ignore[attr-defined]
        # The row leaves the queue, and the count above it follows (out of band).
        left = pair_list(entity=pair.entity).count()
        return render(request, "dedupe/_count.html", {"total": left, "oob": True})
    return redirect(f"/duplicates/?entity={pair.entity}")


@require_POST
@scope_required(RECORDS_WRITE)
def run(request: HttpRequest) -> HttpResponse:
    dedupe_request(workspace=workspace_of(request))
    messages.success(request, "Duplicate detection started; the queue fills as it finishes.")
    return redirect("dedupe:queue")
