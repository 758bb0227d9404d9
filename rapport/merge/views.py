"""Merge pages: pick the other record, compare the two side by side, merge, undo."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from rapport.contacts.models import Company, Contact
from rapport.contacts.queries import (
    RecordFilter,
    company_get,
    company_list,
    contact_get,
    contact_list,
)
from rapport.core.errors import ServiceValidationError
from rapport.merge.display import shown_values
from rapport.merge.fields import is_empty
from rapport.merge.models import MergeRecord
from rapport.merge.queries import FieldRow, merge_get, merge_preview
from rapport.merge.services import OTHER, SURVIVOR, merge_companies, merge_contacts, merge_undo
from rapport.tenancy.roles import RECORDS_WRITE
from rapport.web.access import found_or_404, scope_required, workspace_of
from rapport.web.htmx import is_partial

PICK_LIMIT = 10


@dataclass(frozen=True)
class MergeKind:
    name: str  # "contact"
    plural: str
    model: type[Model]
    merge: Any
    get: Any

    def record(self, pk: int) -> Any:
        return found_or_404(self.get, **{f"{self.name}_id": pk})

    def detail_url(self, pk: int) -> str:
        return reverse(f"contacts:{self.name}_detail", args=[pk])

    def search(self, request: HttpRequest, q: str) -> list[Any]:
        if self.model is Contact:
            region = workspace_of(request).default_region
            return contact_list(f=RecordFilter(q=q), region=region, limit=PICK_LIMIT).items
        return company_list(f=RecordFilter(q=q), limit=PICK_LIMIT).items


CONTACTS = MergeKind("contact", "contacts", Contact, merge_contacts, contact_get)
COMPANIES = MergeKind("company", "companies", Company, merge_companies, company_get)


@scope_required(RECORDS_WRITE)
def merge_pick(request: HttpRequest, kind: MergeKind, pk: int) -> HttpResponse:
    """ "Merge with…": find the other record by name (live results through htmx)."""
    record = kind.record(pk)
    q = request.GET.get("q", "").strip()
    found = [r for r in kind.search(request, q) if r.pk != record.pk] if q else []
    context = {"kind": kind, "record": record, "q": q, "found": found}
    if is_partial(request, "merge-candidates"):
        return render(request, "merge/_candidates.html", context)
    return render(request, "merge/pick.html", context)


def _posted_choices(request: HttpRequest, survivor_side: str) -> dict[str, str]:
    """The form names sides a and b; the service speaks of survivor and other."""
    return {
        key.removeprefix("field."): SURVIVOR if side == survivor_side else OTHER
        for key, side in request.POST.items()
        if key.startswith("field.") and side in ("a", "b")
    }


def _field_rows(
    request: HttpRequest, rows: list[FieldRow], shown: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Each field with both values as text and the side picked: as posted, else a's value
    unless only b has one."""
    out = []
    for row, (text_a, text_b) in zip(rows, shown, strict=True):
        default = "b" if is_empty(row.values[0]) and not is_empty(row.values[1]) else "a"
        picked = request.POST.get(f"field.{row.field.name}", default)
        out.append({"row": row, "a": text_a, "b": text_b, "picked": picked})
    return out


def _back_to(request: HttpRequest) -> str:
    """Where the page was opened from (`?next=`, as the duplicates queue sends), if it is a
    path on this site: merging or cancelling returns there, so a queue is worked through
    without finding it again after each pair."""
    back = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return back if safe and back.startswith("/") else ""


@scope_required(RECORDS_WRITE)
def merge_page(request: HttpRequest, kind: MergeKind, a: int, b: int) -> HttpResponse:
    if a == b:
        raise Http404("a record cannot be merged with itself")
    first, second = kind.record(a), kind.record(b)
    back = _back_to(request)
    errors: list[str] = []
    survivor_side = request.POST.get("survivor", "a")
    if request.method == "POST":
        survivor, other = (first, second) if survivor_side == "a" else (second, first)
        try:
            merged = kind.merge(
                workspace=workspace_of(request),
                actor=request.user,
                survivor=survivor,
                other=other,
                choices=_posted_choices(request, survivor_side),
            )
        except ServiceValidationError as exc:
            errors = [f"{e.field}: {e.message}" for e in exc.errors]
        else:
            # The survivor as merged: the values picked from the other record (its name, say)
            # are the survivor's now, not those of the copy read before the merge.
            survivor = kind.record(merged.survivor_id)
            # The undo at hand where the merge was made: from the queue, the survivor's
            # timeline (where the undo also lives) is a search away.
            undo = reverse("merge:undo", args=[merged.pk])
            messages.success(
                request,
                format_html(
                    'Merged {} into {}. <a href="{}">Undo the merge</a>',
                    merged.removed_repr,
                    survivor,
                    undo,
                ),
            )
            return redirect(back or kind.detail_url(survivor.pk))
    rows, counts = merge_preview(first, second)
    context = {
        "kind": kind,
        "a": first,
        "b": second,
        "rows": _field_rows(request, rows, shown_values(kind.model, rows)),
        "counts": counts,
        "survivor_side": survivor_side,
        "errors": errors,
        "back": back or kind.detail_url(first.pk),
    }
    return render(request, "merge/merge.html", context, status=422 if errors else 200)


@require_http_methods(["GET", "POST"])
@scope_required(RECORDS_WRITE)
def merge_undo_view(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Asks first (the page the merge's message links to), then undoes it (the POST)."""
    record: MergeRecord = found_or_404(merge_get, merge_id=merge_id)
    kind = CONTACTS if record.entity == "contacts.contact" else COMPANIES
    if request.method == "GET":
        survivor = kind.model._default_manager.filter(pk=record.survivor_id).first()
        context = {"record": record, "kind": kind, "survivor": survivor}
        return render(request, "merge/undo_confirm.html", context)
    try:
        merge_undo(workspace=workspace_of(request), actor=request.user, record=record)
    except ServiceValidationError as exc:
        messages.error(request, f"The merge cannot be undone: {exc.errors[0].message}.")
    else:
        messages.success(request, f"Undid the merge: {record.removed_repr} is back.")
    back = record.survivor_id
    if not kind.model._default_manager.filter(pk=back).exists():
        back = record.removed_id
    return redirect(kind.detail_url(back))
