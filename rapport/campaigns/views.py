"""The campaign pages: campaigns with their report, and templates with a live preview."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from rapport.campaigns.audience import audience_estimate
from rapport.campaigns.forms import CampaignForm, TemplateForm
from rapport.campaigns.models import Campaign, EmailTemplate
from rapport.campaigns.queries import (
    campaign_get,
    campaign_list_with_counts,
    campaign_report,
    template_get,
    template_list,
    template_preview,
)
from rapport.campaigns.rendering import MERGE_FIELDS
from rapport.campaigns.sending import template_test_send
from rapport.campaigns.services import (
    campaign_audience,
    campaign_cancel,
    campaign_create,
    campaign_start,
    campaign_update,
    template_create,
    template_update,
)
from rapport.contacts.models import Contact
from rapport.contacts.queries import contact_get
from rapport.core.errors import ServiceValidationError
from rapport.sales.unlinked_campaigns import leads_link_campaign, unlinked_leads
from rapport.tenancy.roles import RECORDS_WRITE
from rapport.web.access import (
    check_scope,
    found_or_404,
    member_required,
    membership_of,
    scope_required,
    workspace_of,
)

PREVIEW_CONTACTS = 50
PARTS = ("subject", "body_html", "body_text")


@member_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    # A sequence's emails are reported step by step on the sequence's own page.
    campaigns = list(campaign_list_with_counts().filter(sequence__isnull=True)[:200])
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns})


@member_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = found_or_404(campaign_get, campaign_id=pk)
    report = campaign_report(workspace=workspace_of(request), campaign=campaign)
    funnel = {
        "labels": ["Sent", "Delivered", "Opened", "Clicked", "Unsubscribed"],
        "values": [
            report.sent,
            report.delivered,
            report.opened,
            report.clicked,
            report.unsubscribed,
        ],
    }
    unlinked = unlinked_leads(workspace=workspace_of(request), name=campaign.name).count()
    context = {"campaign": campaign, "report": report, "funnel": funnel, "unlinked": unlinked}
    return render(request, "campaigns/campaign_detail.html", context)


@member_required
@require_GET
def campaign_audience_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """Who the draft would reach, loaded after its page: a segment is evaluated in full."""
    campaign = found_or_404(campaign_get, campaign_id=pk)
    try:
        contacts = campaign_audience(workspace=workspace_of(request), campaign=campaign)
    except ServiceValidationError:
        return render(request, "campaigns/_audience.html", {"estimate": None})
    estimate = audience_estimate(contacts=contacts)
    return render(request, "campaigns/_audience.html", {"estimate": estimate})


def _form_page(request: HttpRequest, form_class: Any, instance: Any, save: Any, **ctx: Any) -> Any:
    """GET shows the form (filled from `instance`), POST saves through `save(data)` and returns
    the saved object, or the form again with the service's errors on their fields."""
    if request.method != "POST":
        return form_class.of(instance) if instance is not None else form_class()
    form = form_class(request.POST)
    if form.is_valid():
        try:
            return save(form.service_data())
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
    return form


@scope_required(RECORDS_WRITE)
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    workspace, actor = workspace_of(request), request.user
    campaign = found_or_404(campaign_get, campaign_id=pk) if pk else None

    def save(data: dict[str, Any]) -> Campaign:
        if campaign is None:
            return campaign_create(workspace=workspace, actor=actor, data=data)
        return campaign_update(workspace=workspace, actor=actor, campaign=campaign, data=data)

    result = _form_page(request, CampaignForm, campaign, save)
    if isinstance(result, Campaign):
        messages.success(request, f"Saved “{result.name}”.")
        return redirect("campaigns:detail", pk=result.pk)
    context = {"form": result, "campaign": campaign}
    return render(request, "campaigns/campaign_form.html", context)


@scope_required(RECORDS_WRITE)
@require_POST
def campaign_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = found_or_404(campaign_get, campaign_id=pk)
    try:
        added = campaign_start(
            workspace=workspace_of(request), actor=request.user, campaign=campaign
        )
    except ServiceValidationError as exc:
        messages.error(request, exc.errors[0].message)
    else:
        messages.success(request, f"Sending to {added} recipient{'s' if added != 1 else ''}.")
    return redirect("campaigns:detail", pk=pk)


@scope_required(RECORDS_WRITE)
@require_POST
def campaign_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = found_or_404(campaign_get, campaign_id=pk)
    try:
        campaign_cancel(workspace=workspace_of(request), actor=request.user, campaign=campaign)
    except ServiceValidationError as exc:
        messages.error(request, exc.errors[0].message)
    return redirect("campaigns:detail", pk=pk)


@scope_required(RECORDS_WRITE)
@require_POST
def campaign_link_leads_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Link now": the leads that name the campaign without being linked to it."""
    campaign = found_or_404(campaign_get, campaign_id=pk)
    linked = leads_link_campaign(
        workspace=workspace_of(request), actor=request.user, campaign=campaign
    )
    messages.success(request, f"Linked {linked} lead{'s' if linked != 1 else ''}.")
    return redirect("campaigns:detail", pk=pk)


@member_required
@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/template_list.html", {"templates": list(template_list())})


@member_required
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A template's editor and live preview. A viewer, whom the template list links here too,
    reads a saved template and previews it; its fields are read-only (not disabled: the
    preview posts them) and only members save or create."""
    workspace, actor = workspace_of(request), request.user
    writer = membership_of(request).has_scope(RECORDS_WRITE)
    if request.method == "POST" or pk is None:
        check_scope(request, RECORDS_WRITE)
    template = found_or_404(template_get, template_id=pk) if pk else None

    def save(data: dict[str, Any]) -> EmailTemplate:
        if template is None:
            return template_create(workspace=workspace, actor=actor, data=data)
        return template_update(workspace=workspace, actor=actor, template=template, data=data)

    result = _form_page(request, TemplateForm, template, save)
    if isinstance(result, EmailTemplate):
        messages.success(request, f"Saved “{result.name}”.")
        return redirect("campaigns:template_edit", pk=result.pk)
    if not writer:
        for field in result.fields.values():
            field.widget.attrs["readonly"] = True
    contacts = Contact.objects.exclude(email="").order_by("-updated_at", "-id")[:PREVIEW_CONTACTS]
    context = {
        "form": result,
        "template": template,
        "contacts": contacts,
        "merge_fields": MERGE_FIELDS,
    }
    return render(request, "campaigns/template_form.html", context)


def _preview_parts(request: HttpRequest) -> tuple[dict[str, str], Contact]:
    parts = {name: request.POST.get(name, "") for name in PARTS}
    contact = found_or_404(contact_get, contact_id=_int(request.POST.get("contact")))
    return parts, contact


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


@member_required
@require_POST
def template_preview_view(request: HttpRequest) -> HttpResponse:
    """The editor's live preview: the unsaved text rendered as the chosen contact (htmx)."""
    parts, contact = _preview_parts(request)
    context: dict[str, Any] = {"contact": contact}
    try:
        context["mail"] = template_preview(
            workspace=workspace_of(request), parts=parts, contact=contact
        )
    except ServiceValidationError as exc:
        context["errors"] = exc.errors
    return render(request, "campaigns/_preview.html", context)


@scope_required(RECORDS_WRITE)
@require_POST
def template_test_send_view(request: HttpRequest) -> HttpResponse:
    parts, contact = _preview_parts(request)
    to = request.POST.get("to", "").strip() or request.user.email  # type: ignore[union-attr]
    context: dict[str, Any] = {"contact": contact}
    try:
        template_test_send(workspace=workspace_of(request), parts=parts, contact=contact, to=to)
    except ServiceValidationError as exc:
        context["errors"] = exc.errors
    else:
        context["sent_to"] = to
    return render(request, "campaigns/_preview.html", context)
