"""Workspace-wide pages: home, switcher, global search, my tasks, audit log, tokens, fields."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from rapport.activities.queries import open_tasks, task_groups
from rapport.audit.forms import AuditFilterForm
from rapport.audit.labels import record_links
from rapport.audit.queries import audit_for_workspace
from rapport.audit.references import describe_changes
from rapport.contacts.forms import members_of, user_label
from rapport.contacts.models import CustomFieldDefinition, CustomFieldEntity, CustomFieldType
from rapport.contacts.queries import RecordFilter, company_list, contact_list
from rapport.contacts.services import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
)
from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page, SortKey, paginate
from rapport.tenancy.access import SESSION_WORKSPACE_KEY, memberships_of, workspace_after_login
from rapport.tenancy.roles import AUDIT_READ, SETTINGS_WRITE
from rapport.tenancy.services import (
    api_token_create,
    api_token_revoke,
    user_last_workspace_set,
)
from rapport.web.access import (
    found_or_404,
    member_required,
    membership_of,
    scope_required,
    workspace_of,
)
from rapport.web.forms import CommaListField, add_service_errors
from rapport.web.htmx import is_partial

SEARCH_DROPDOWN = 5
SEARCH_PAGE = 25
AUDIT_PAGE = 50


class LoginView(auth_views.LoginView):
    """Django's login, which then opens the workspace the user last switched to."""

    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        workspace_id = workspace_after_login(form.get_user())
        if workspace_id is not None:
            self.request.session[SESSION_WORKSPACE_KEY] = workspace_id
        return response


@member_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("tasks")


@require_POST
@member_required
def workspace_switch(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("workspace", "")
    membership = next(
        (m for m in memberships_of(request.user) if str(m.workspace_id) == wanted), None
    )
    if membership is None:
        raise Http404
    request.session[SESSION_WORKSPACE_KEY] = membership.workspace_id
    user_last_workspace_set(user=request.user, workspace=membership.workspace)
    messages.success(request, f"Switched to {membership.workspace.name}.")
    return redirect("home")


@member_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    dropdown = is_partial(request, "search-results")
    limit = SEARCH_DROPDOWN if dropdown else SEARCH_PAGE
    contacts: list[Any] = []
    companies: list[Any] = []
    if q:
        region = membership_of(request).workspace.default_region
        contacts = contact_list(f=RecordFilter(q=q), region=region, limit=limit).items
        companies = company_list(f=RecordFilter(q=q), limit=limit).items
    template = "web/_search_results.html" if dropdown else "web/search.html"
    return render(request, template, {"q": q, "contacts": contacts, "companies": companies})


@member_required
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    """Open tasks in groups by due date: the user's own, or with `who=all` everyone's in the
    workspace (a manager's look at the team's backlog)."""
    everyone = request.GET.get("who") == "all"
    group = request.GET.get("due", "")
    now = timezone.now()
    assignee_id = None if everyone else int(request.user.pk or 0)
    try:
        page = open_tasks(
            assignee_id=assignee_id, group=group, now=now, cursor=request.GET.get("cursor")
        )
    except ServiceValidationError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    return render(
        request,
        "web/tasks.html",
        {
            "page": page,
            "groups": task_groups(assignee_id=assignee_id, now=now),
            "group": group,
            "everyone": everyone,
            "params": request.GET,
        },
    )


@scope_required(AUDIT_READ)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The workspace's trail, filtered; a bad filter is named and shows no entries rather than
    all of them. Fields read by their labels, ids by names, records link to their pages."""
    members = [(u.pk, user_label(u)) for u in members_of(workspace_of(request))]
    form = AuditFilterForm(request.GET, members=members)
    page: Page[Any] = Page(items=[], next_cursor=None, prev_cursor=None)
    if form.is_valid():
        try:
            page = paginate(
                audit_for_workspace(form.audit_filter()),
                keys=[SortKey("at", True)],
                cursor=form.cleaned_data.get("cursor") or None,
                limit=AUDIT_PAGE,
            )
        except ServiceValidationError as exc:
            raise Http404 from exc
        describe_changes(page.items)
        record_links(page.items)
    context = {"form": form, "page": page, "params": request.GET}
    if is_partial(request, "audit-table"):
        return render(request, "web/_audit_table.html", context)
    return render(request, "web/audit_log.html", context)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name")


# A new token's secret, kept in the (server-side) session from the create until the page the
# create redirects to shows it, once: a refresh of that page neither shows it again nor, as a
# page answering the POST did, creates another token.
NEW_TOKEN_SECRET = "new_api_token_secret"


@member_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(membership=membership, name=form.cleaned_data["name"])
        except ServiceValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[NEW_TOKEN_SECRET] = secret
            messages.success(request, f"Created token “{token.name}”.")
            return redirect("api_tokens")
    tokens = membership.tokens.order_by("revoked_at", "-created_at")
    context = {
        "form": form,
        "tokens": tokens,
        "secret": request.session.pop(NEW_TOKEN_SECRET, None),
    }
    return render(request, "web/api_tokens.html", context)


@require_POST
@member_required
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Through the membership: another user's token (or another workspace's) is not found.
    token = get_object_or_404(membership_of(request).tokens, pk=pk)
    api_token_revoke(token=token)
    messages.success(request, f"Revoked token “{token.name}”.")
    return redirect("api_tokens")


class CustomFieldForm(forms.Form):
    entity = forms.ChoiceField(choices=CustomFieldEntity.choices, label="Record")
    label = forms.CharField(max_length=100)
    field_type = forms.ChoiceField(choices=CustomFieldType.choices, label="Type")
    choices = CommaListField(required=False, help_text="For choice fields, comma-separated")
    required = forms.BooleanField(required=False)


# The form has no key: the field's key is made from its label, so an error on the key (taken,
# no letters) is the label's to fix.
KEY_FROM_LABEL = {"key": "label"}


@scope_required(SETTINGS_WRITE)
def custom_fields(request: HttpRequest) -> HttpResponse:
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            definition = custom_field_create(
                workspace=membership_of(request).workspace,
                actor=request.user,
                data=form.cleaned_data,
            )
        except ServiceValidationError as exc:
            add_service_errors(form, exc, KEY_FROM_LABEL)
        else:
            messages.success(request, f"Added the field “{definition.label}”.")
            return redirect("custom_fields")
    definitions = CustomFieldDefinition.objects.order_by("entity", "position", "id")
    return render(request, "web/custom_fields.html", {"form": form, "definitions": definitions})


class CustomFieldEditForm(forms.Form):
    """What may change once a field exists: its record, key and type are fixed, since stored
    values and API clients depend on them."""

    label = forms.CharField(max_length=100)
    choices = CommaListField(required=False, help_text="For choice fields, comma-separated")
    required = forms.BooleanField(required=False)
    position = forms.IntegerField(min_value=0, help_text="Order on forms and pages, from 0")


@scope_required(SETTINGS_WRITE)
def custom_field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    definition = found_or_404(CustomFieldDefinition.objects.get, pk=pk)
    initial = {
        "label": definition.label,
        "choices": definition.choices,
        "required": definition.required,
        "position": definition.position,
    }
    form = CustomFieldEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if definition.field_type not in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE):
            data.pop("choices")
        try:
            custom_field_update(
                workspace=membership_of(request).workspace,
                actor=request.user,
                definition=definition,
                data=data,
            )
        except ServiceValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved the field “{definition.label}”.")
            return redirect("custom_fields")
    context = {"form": form, "definition": definition}
    return render(request, "web/custom_field_edit.html", context)


@require_POST
@scope_required(SETTINGS_WRITE)
def custom_field_remove(request: HttpRequest, pk: int) -> HttpResponse:
    definition = found_or_404(CustomFieldDefinition.objects.get, pk=pk)
    custom_field_delete(
        workspace=membership_of(request).workspace, actor=request.user, definition=definition
    )
    messages.success(request, f"Removed the field “{definition.label}”.")
    return redirect("custom_fields")
