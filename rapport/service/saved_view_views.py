"""Saved views of the ticket lists: a queue (mine, unassigned, team, all) with its filters
under a name, personal to the agent, stored like the contact lists' saved views."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from rapport.contacts.forms import SavedViewForm
from rapport.contacts.models import SavedView
from rapport.contacts.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_get,
    saved_views_for,
)
from rapport.service.forms import TicketListForm
from rapport.service.queries import VIEWS
from rapport.web.access import found_or_404, member_required, workspace_of

ENTITY = "ticket"
# Every filter of the list (a new one is kept without a change here); the cursor is a page.
SAVED_FILTERS = [name for name in TicketListForm.base_fields if name != "cursor"]


def saved_view_url(view: SavedView) -> str:
    params = dict(view.params)
    queue = params.pop("view", "all")
    query = QueryDict(mutable=True)
    query.update(params)
    url = reverse("service:ticket_queue", args=[queue if queue in VIEWS else "all"])
    return f"{url}?{query.urlencode()}" if params else url


def saved_ticket_views(user: Any) -> list[tuple[SavedView, str]]:
    return [(v, saved_view_url(v)) for v in saved_views_for(user=user, entity=ENTITY)]


@member_required
@require_POST
def ticket_view_save(request: HttpRequest) -> HttpResponse:
    queue = request.POST.get("view", "")
    if queue not in VIEWS:
        raise Http404
    form = SavedViewForm(request.POST)
    filters = TicketListForm(request.POST)
    if not (form.is_valid() and filters.is_valid()):
        messages.error(request, "Give the view a name to save it.")
        return redirect("service:ticket_queue", queue)
    params = {
        k: str(filters.cleaned_data[k])
        for k in SAVED_FILTERS
        if filters.cleaned_data.get(k) not in (None, "")
    }
    view = saved_view_create(
        workspace=workspace_of(request),
        user=request.user,
        entity=ENTITY,
        name=form.cleaned_data["name"],
        params={"view": queue, **params},
    )
    messages.success(request, f"Saved view “{view.name}”.")
    url = saved_view_url(view)
    # Saved over htmx (with the filter form's current values): the whole page goes there.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


@member_required
@require_POST
def ticket_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    view = found_or_404(saved_view_get, user=request.user, saved_view_id=view_id)
    if view.entity != ENTITY:
        raise Http404
    saved_view_delete(saved_view=view)
    messages.success(request, f"Deleted view “{view.name}”.")
    return redirect("service:tickets")
