"""Marketing pages: segments with their builder, static lists, and the contact's consent panel."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from rapport.contacts.forms import ListFilterForm
from rapport.contacts.queries import contact_get
from rapport.core.errors import ServiceValidationError
from rapport.marketing.builder import (
    tree_apply,
    tree_from_form,
    tree_nodes,
    tree_sentence,
    type_choices,
    with_empty_notes,
)
from rapport.marketing.definition import Tree, definition_clean, empty_definition
from rapport.marketing.models import ConsentPurpose, ConsentStatus, Segment
from rapport.marketing.queries import (
    consent_current,
    consent_history,
    contacts_matching_ids,
    definition_members,
    members_preview,
    segment_get,
    segment_list_with_use,
    segment_members,
    static_list_get,
    static_list_list,
    static_list_members,
    subscription_requests_recent,
)
from rapport.marketing.segment_report import segment_report
from rapport.marketing.services import (
    LIST_CHANGE_LIMIT,
    consent_record,
    segment_create,
    segment_delete,
    segment_update,
    static_list_add,
    static_list_create,
    static_list_delete,
    static_list_remove,
)
from rapport.tenancy.roles import RECORDS_DELETE, RECORDS_WRITE
from rapport.web.access import (
    check_scope,
    found_or_404,
    member_required,
    membership_of,
    scope_required,
    workspace_of,
)

CONSENT_HISTORY_SHOWN = 5


def _builder_context(request: HttpRequest, tree: Tree) -> dict[str, Any]:
    """The builder's nodes and the live count (or why the definition cannot be counted)."""
    workspace = workspace_of(request)
    context: dict[str, Any] = {
        "root": tree_nodes(tree, workspace=workspace),
        "type_choices": type_choices(),
    }
    try:
        clean = definition_clean(tree, workspace=workspace)
    except ServiceValidationError as exc:
        context["builder_errors"] = with_empty_notes(exc.errors, context["root"])
        return context
    context["count"] = definition_members(workspace=workspace, definition=clean).count()
    return context


@member_required
@require_GET
def segment_list_page(request: HttpRequest) -> HttpResponse:
    workspace = workspace_of(request)
    rows = [
        (segment, tree_sentence(tree_nodes(segment.definition, workspace=workspace)))
        for segment in segment_list_with_use()
    ]
    return render(request, "marketing/segments.html", {"rows": rows})


@member_required
@require_GET
def segment_count(request: HttpRequest, pk: int) -> HttpResponse:
    """A segment's member count, asked for by its row after the list is shown: each is a query
    over the whole workspace, so the list never waits for them."""
    segment = found_or_404(segment_get, segment_id=pk)
    count = segment_members(workspace=workspace_of(request), segment=segment).count()
    return HttpResponse(f"{count:,}")


def _segment_form(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    workspace = workspace_of(request)
    tree = segment.definition if segment else empty_definition()
    name = segment.name if segment else ""
    description = segment.description if segment else ""
    errors: list[Any] = []
    if request.method == "POST":
        tree = tree_from_form(request.POST, workspace=workspace)
        name, description = request.POST.get("name", ""), request.POST.get("description", "")
        data = {"name": name, "description": description, "definition": tree}
        try:
            if segment is None:
                segment = segment_create(workspace=workspace, actor=request.user, data=data)
            else:
                segment_update(workspace=workspace, actor=request.user, segment=segment, data=data)
        except ServiceValidationError as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Segment “{segment.name}” saved.")
            return redirect("marketing:segment_detail", segment.pk)
    builder = _builder_context(request, tree)
    context = {
        "segment": segment,
        "name": name,
        "description": description,
        "errors": with_empty_notes(errors, builder["root"]),
        **builder,
    }
    return render(request, "marketing/segment_form.html", context, status=422 if errors else 200)


@scope_required(RECORDS_WRITE)
def segment_new(request: HttpRequest) -> HttpResponse:
    return _segment_form(request, None)


@scope_required(RECORDS_WRITE)
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _segment_form(request, found_or_404(segment_get, segment_id=pk))


@member_required
@require_POST
def segment_builder(request: HttpRequest) -> HttpResponse:
    """The builder again after a change or a button, with its count (reads only: viewers may
    explore, saving needs the write scope)."""
    tree = tree_from_form(request.POST, workspace=workspace_of(request))
    tree = tree_apply(tree, request.POST.get("action", ""))
    return render(request, "marketing/_builder.html", _builder_context(request, tree))


@member_required
@require_GET
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = found_or_404(segment_get, segment_id=pk)
    members = segment_members(workspace=workspace_of(request), segment=segment)
    context = {
        "segment": segment,
        "rule": tree_sentence(tree_nodes(segment.definition, workspace=workspace_of(request))),
        "count": members.count(),
        "preview": members_preview(members),
        "lists": static_list_list(),
        "can_delete": membership_of(request).has_scope(RECORDS_DELETE),
        "export_params": _export_params("segment", segment.pk),
    }
    return render(request, "marketing/segment_detail.html", context)


@member_required
@require_GET
def segment_report_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The segment's report, loaded after the page so a big segment never slows it."""
    segment = found_or_404(segment_get, segment_id=pk)
    report = segment_report(workspace=workspace_of(request), segment=segment)
    return render(request, "marketing/_segment_report.html", {"report": report})


@scope_required(RECORDS_DELETE)
@require_POST
def segment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    segment = found_or_404(segment_get, segment_id=pk)
    segment_delete(workspace=workspace_of(request), actor=request.user, segment=segment)
    messages.success(request, f"Segment “{segment.name}” deleted.")
    return redirect("marketing:segment_list")


def _added_note(added: int, list_name: str) -> str:
    note = ngettext(
        "%(n)d contact added to “%(list)s”.", "%(n)d contacts added to “%(list)s”.", added
    )
    return note % {"n": added, "list": list_name}


@scope_required(RECORDS_WRITE)
@require_POST
def segment_to_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy the segment's current members onto a static list (a snapshot, up to the limit)."""
    workspace = workspace_of(request)
    segment = found_or_404(segment_get, segment_id=pk)
    static_list = found_or_404(static_list_get, list_id=_int(request.POST.get("list_id")))
    members = segment_members(workspace=workspace, segment=segment).order_by("pk")
    ids = list(members.values_list("pk", flat=True)[:LIST_CHANGE_LIMIT])
    if not ids:
        messages.error(request, "The segment has no members to add.")
        return redirect("marketing:segment_detail", segment.pk)
    added = static_list_add(
        workspace=workspace, actor=request.user, static_list=static_list, contact_ids=ids
    )
    messages.success(request, _added_note(added, static_list.name))
    return redirect("marketing:list_detail", static_list.pk)


def _export_params(name: str, pk: int) -> QueryDict:
    """The query string of the members' export links (`marketing.exports`)."""
    params = QueryDict(mutable=True)
    params[name] = str(pk)
    return params


def _int(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


# --- static lists --------------------------------------------------------------------------


@member_required
def list_list_page(request: HttpRequest) -> HttpResponse:
    errors: list[Any] = []
    if request.method == "POST":
        check_scope(request, RECORDS_WRITE)
        data = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
        }
        try:
            created = static_list_create(
                workspace=workspace_of(request), actor=request.user, data=data
            )
        except ServiceValidationError as exc:
            errors = exc.errors
        else:
            return redirect("marketing:list_detail", created.pk)
    return render(request, "marketing/lists.html", {"lists": static_list_list(), "errors": errors})


@member_required
@require_GET
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    static_list = found_or_404(static_list_get, list_id=pk)
    members = static_list_members(static_list=static_list)
    context = {
        "static_list": static_list,
        "count": members.count(),
        "members": members_preview(members),
        "can_delete": membership_of(request).has_scope(RECORDS_DELETE),
        "subscription_requests": subscription_requests_recent(static_list=static_list),
        "export_params": _export_params("list", static_list.pk),
    }
    return render(request, "marketing/list_detail.html", context)


@scope_required(RECORDS_WRITE)
@require_POST
def list_remove_member(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    static_list = found_or_404(static_list_get, list_id=pk)
    static_list_remove(
        workspace=workspace_of(request),
        actor=request.user,
        static_list=static_list,
        contact_ids=[contact_id],
    )
    return redirect("marketing:list_detail", static_list.pk)


@scope_required(RECORDS_WRITE)
@require_POST
def list_add_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """From a contact's page: put this contact on a list."""
    contact = found_or_404(contact_get, contact_id=pk)
    static_list = found_or_404(static_list_get, list_id=_int(request.POST.get("list_id")))
    static_list_add(
        workspace=workspace_of(request),
        actor=request.user,
        static_list=static_list,
        contact_ids=[contact.pk],
    )
    return _consent_panel(request, contact)


@member_required
@require_GET
def list_options(request: HttpRequest) -> HttpResponse:
    """The workspace's lists as `<option>`s, for the contact list's "Add to list" menu."""
    return render(request, "marketing/_list_options.html", {"lists": static_list_list()})


@scope_required(RECORDS_WRITE)
@require_POST
def contacts_to_list(request: HttpRequest) -> HttpResponse:
    """From the contact list: the ticked contacts (`scope=selected`) or all that its filters
    select (`scope=matching`) onto a list. An error goes back to the list, filters kept."""
    workspace = workspace_of(request)
    static_list = found_or_404(static_list_get, list_id=_int(request.POST.get("list_id")))
    try:
        if request.POST.get("scope") == "matching":
            ids = contacts_matching_ids(
                params=request.POST, workspace=workspace, limit=LIST_CHANGE_LIMIT
            )
        else:
            ids = [_int(v) for v in request.POST.getlist("contact_ids")]
        added = static_list_add(
            workspace=workspace, actor=request.user, static_list=static_list, contact_ids=ids
        )
    except ServiceValidationError as exc:
        messages.error(request, "; ".join(f"{e.field}: {e.message}" for e in exc.errors))
        query = urlencode({k: v for k in ListFilterForm.SAVED if (v := request.POST.get(k))})
        url = reverse("contacts:contact_list") + (f"?{query}" if query else "")
    else:
        messages.success(request, _added_note(added, static_list.name))
        url = reverse("marketing:list_detail", args=[static_list.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


@scope_required(RECORDS_DELETE)
@require_POST
def list_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    static_list = found_or_404(static_list_get, list_id=pk)
    try:
        static_list_delete(
            workspace=workspace_of(request), actor=request.user, static_list=static_list
        )
    except ServiceValidationError as exc:
        reason = exc.errors[0].message
        messages.error(request, f"“{static_list.name}” was not deleted: it {reason}.")
        return redirect("marketing:list_detail", static_list.pk)
    messages.success(request, f"List “{static_list.name}” deleted.")
    return redirect("marketing:list_list")


# --- the contact page's marketing panel ----------------------------------------------------


def _consent_panel(request: HttpRequest, contact: Any, errors: Any = None) -> HttpResponse:
    context = {
        "contact": contact,
        "current": consent_current(contact=contact),
        "history": consent_history(contact=contact)[:CONSENT_HISTORY_SHOWN],
        "purposes": ConsentPurpose.choices,
        "statuses": [(v, lbl) for v, lbl in ConsentStatus.choices],
        "lists": static_list_list(),
        "member_of": set(contact.list_memberships.values_list("static_list_id", flat=True)),
        "errors": errors or [],
    }
    return render(request, "marketing/_contact_panel.html", context)


@member_required
@require_GET
def contact_panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _consent_panel(request, found_or_404(contact_get, contact_id=pk))


@scope_required(RECORDS_WRITE)
@require_POST
def contact_consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    contact = found_or_404(contact_get, contact_id=pk)
    try:
        consent_record(
            workspace=workspace_of(request),
            actor=request.user,
            contact=contact,
            purpose=request.POST.get("purpose", ""),
            status=request.POST.get("status", ""),
            source=request.POST.get("source", ""),
            note=request.POST.get("note", ""),
        )
    except ServiceValidationError as exc:
        return _consent_panel(request, contact, exc.errors)
    return _consent_panel(request, contact)
