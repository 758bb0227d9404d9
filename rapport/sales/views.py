"""Sales pages: the kanban board, deals, leads and web forms, the forecast, purchases.

Each view parses its input, fetches through a `*_get` helper of this workspace (another
workspace's id is a 404), calls one service or query, and renders.
"""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from rapport.activities.forms import quick_add_forms
from rapport.campaigns.queries import campaign_choices
from rapport.contacts.forms import members_of, user_label
from rapport.contacts.models import ContactEmail
from rapport.contacts.queries import company_get, contact_get
from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page
from rapport.core.timeline import TimelineCursor, timeline_for
from rapport.sales import leads, page_queries, queries
from rapport.sales.board import deal_place
from rapport.sales.board_cards import CardFormat, deal_cards
from rapport.sales.currency import RateBook
from rapport.sales.forms import (
    ConvertForm,
    DealContactForm,
    DealFilterForm,
    DealForm,
    DealLineForm,
    DisqualifyForm,
    LeadFilterForm,
    LeadForm,
    ServiceForm,
    WebFormForm,
    WebFormSubscriptionForm,
)
from rapport.sales.kept import kept_for_today
from rapport.sales.models import Deal, Lead, StageOutcome
from rapport.sales.services import deal_create, deal_update
from rapport.tenancy.roles import RECORDS_WRITE, SETTINGS_WRITE
from rapport.web.access import (
    check_scope,
    found_or_404,
    member_required,
    scope_required,
    workspace_of,
)
from rapport.web.forms import add_service_errors
from rapport.web.htmx import is_partial

PAGE_SIZE = 50
TIMELINE_PAGE = 20
PURCHASES_PAGE = 10


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- the board ------------------------------------------------------------------------------


def _board_html(request: HttpRequest, pipeline: Any, owner_id: int | None) -> str:
    """The board's columns (`sales/_board.html`): the same for every member, no form token."""
    workspace = workspace_of(request)
    try:
        columns, error = (
            queries.board(workspace=workspace, pipeline=pipeline, owner_id=owner_id),
            "",
        )
    except ServiceValidationError as exc:  # a currency without an exchange rate
        stages = sorted(pipeline.stages.all(), key=lambda s: (s.position, s.pk))
        columns = [(s, [], 0, Decimal(0)) for s in stages]
        error = "; ".join(e.message for e in exc.errors)
    today = timezone.now().date()
    form = CardFormat()
    context = {
        "board_error": error,
        "owner_id": owner_id,
        "columns": [
            {
                "stage": s,
                "cards_html": deal_cards(cards, today, form),
                "count": n,
                "total": total,
                "more": n - len(cards),
            }
            for s, cards, n, total in columns
        ],
        "currency": workspace.base_currency,
    }
    return render_to_string("sales/_board.html", context)


def _board_view(request: HttpRequest, wanted: int | None, owner_id: int | None) -> dict[str, Any]:
    """What the board page shows but the buttons: the pipelines, the owners and the board,
    kept per workspace data version (`sales.kept`); `found` is false for an unknown pipeline."""

    def build() -> dict[str, Any]:
        pipelines = list(queries.pipeline_list())
        pipeline = next(
            (p for p in pipelines if p.pk == wanted), pipelines[0] if pipelines else None
        )
        if wanted is not None and (pipeline is None or pipeline.pk != wanted):
            return {"found": False}
        return {
            "found": True,
            "pipelines": [{"pk": p.pk, "name": p.name} for p in pipelines],
            "pipeline": {"pk": pipeline.pk} if pipeline else None,
            "owners": [(u.pk, user_label(u)) for u in members_of(workspace_of(request))],
            "board_html": _board_html(request, pipeline, owner_id) if pipeline else "",
            "owner_id": owner_id,
        }

    return kept_for_today(
        workspace=workspace_of(request), name="board", inputs=(wanted, owner_id), build=build
    )


@member_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    view = _board_view(request, _int(request.GET.get("pipeline")), _int(request.GET.get("owner")))
    if not view["found"]:
        raise Http404
    return render(request, "sales/board.html", view)


@scope_required(RECORDS_WRITE)
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A card dropped on the board. Answers with the board again, or 422 naming the problem
    (the page then puts the card back, or asks for a lost reason and retries)."""
    deal = found_or_404(queries.deal_get, deal_id=pk)
    stage_id = _int(request.POST.get("stage"))
    if stage_id is None:
        return _problem(ServiceValidationError.single("stage_id", "is required"))
    try:
        deal_place(
            workspace=workspace_of(request),
            actor=request.user,
            deal=deal,
            stage_id=stage_id,
            above_id=_int(request.POST.get("above")),
            below_id=_int(request.POST.get("below")),
            lost_reason=request.POST.get("lost_reason", ""),
        )
    except ServiceValidationError as exc:
        return _problem(exc)
    owner_id = _int(request.POST.get("owner"))
    return HttpResponse(_board_html(request, deal.pipeline, owner_id))


def _problem(exc: ServiceValidationError) -> JsonResponse:
    errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    return JsonResponse({"title": "The deal was not moved", "errors": errors}, status=422)


# --- deals: list, forms, page ---------------------------------------------------------------


# The deal list's columns: label, the sort a click asks for first (none: not sortable), class.
DEAL_COLUMNS = [
    ("Deal", "name", ""),
    ("Amount", "-amount", "num"),
    ("Stage", "", ""),
    ("Owner", "", "hide-sm"),
    ("Expected close", "close", "hide-md num"),
]


@member_required
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    form = DealFilterForm(request.GET)
    form.is_valid()  # every filter is optional; a bad one is reported, the rest still apply
    page: Page[Deal] = Page(items=[], next_cursor=None, prev_cursor=None)
    totals: list[dict[str, Any]] = []
    sort = form.cleaned_data.get("sort") or "-created"
    in_base, no_base = None, ""
    try:
        f = form.deal_filter()
        page = queries.deal_list(f=f, sort=sort, cursor=form.cleaned_data.get("cursor") or None)
        totals = queries.deal_totals(f=f)
    except ServiceValidationError as exc:
        for error in exc.errors:
            form.add_error(None, f"{error.field}: {error.message}")
    if len(totals) > 1:
        try:
            in_base = queries.deal_total_in_base(f=f, book=RateBook(workspace_of(request)))
        except ServiceValidationError as exc:  # a currency without a rate yet: say so
            no_base = exc.errors[0].message
    context = {
        "form": form,
        "page": page,
        "totals": totals,
        "in_base": in_base,
        "no_base": no_base,
        "base_currency": workspace_of(request).base_currency,
        "sort": sort,
        "columns": DEAL_COLUMNS,
        "params": request.GET,
    }
    if is_partial(request, "deal-table"):
        return render(request, "sales/_deal_table.html", context)
    pipelines = list(queries.pipeline_list())
    context |= {
        "pipelines": pipelines,
        "stages": [(p, list(p.stages.all())) for p in pipelines],
        "owners": [(u.pk, user_label(u)) for u in members_of(workspace_of(request))],
        "campaigns": campaign_choices(),
        "outcomes": StageOutcome.choices,
    }
    return render(request, "sales/deal_list.html", context)


def _deal_form_page(request: HttpRequest, deal: Deal | None) -> HttpResponse:
    workspace = workspace_of(request)
    data = request.POST if request.method == "POST" else None
    form = DealForm(data, workspace=workspace, instance=deal)
    if data is not None and form.is_valid():
        try:
            if deal is None:
                deal = deal_create(
                    workspace=workspace, actor=request.user, data=form.service_data()
                )
            else:
                deal_update(
                    workspace=workspace, actor=request.user, deal=deal, data=form.service_data()
                )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved {deal}.")
            return redirect("sales:deal_detail", deal.pk)
    back_url = reverse("sales:deal_detail", args=[deal.pk]) if deal else reverse("sales:deal_list")
    context = {"form": form, "record": deal, "back_url": back_url, "noun": "deal"}
    return render(request, "sales/form.html", context)


@scope_required(RECORDS_WRITE)
def deal_new(request: HttpRequest) -> HttpResponse:
    return _deal_form_page(request, None)


@scope_required(RECORDS_WRITE)
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _deal_form_page(request, found_or_404(queries.deal_get, deal_id=pk))


def _rows(form: ServiceForm, url_name: str, pk: int) -> list[dict[str, Any]]:
    rows = form.detail_rows()
    for row in rows:
        row["url"] = reverse(url_name, args=[pk, row["name"]])
    return rows


@member_required
@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = found_or_404(queries.deal_get, deal_id=pk)
    workspace = workspace_of(request)
    form = DealForm(workspace=workspace, instance=deal)
    context = {
        "record": deal,
        "rows": _rows(form, "sales:deal_field", deal.pk),
        "history": page_queries.stage_history(deal=deal),
        "timeline": timeline_for(deal, limit=TIMELINE_PAGE),
        "timeline_url": reverse("sales:deal_timeline", args=[deal.pk]),
        "quick_add": quick_add_forms(workspace=workspace, record=deal, user=request.user),
        **_deal_links_context(deal),
    }
    return render(request, "sales/deal_detail.html", context)


def _deal_links_context(
    deal: Deal,
    contact_form: DealContactForm | None = None,
    line_form: DealLineForm | None = None,
) -> dict[str, Any]:
    return {
        "record": deal,
        "contacts": page_queries.deal_contacts(deal=deal),
        "lines": page_queries.deal_lines(deal=deal),
        "contact_form": contact_form or DealContactForm(),
        "line_form": line_form or DealLineForm(),
    }


@member_required
def deal_field(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One field of the deal page: shown, swapped for an input, saved in place."""
    deal = found_or_404(queries.deal_get, deal_id=pk)
    return _inline_field(
        request,
        record=deal,
        name=name,
        form_class=DealForm,
        url_name="sales:deal_field",
        save=lambda data: deal_update(
            workspace=workspace_of(request), actor=request.user, deal=deal, data=data
        ),
        refetch=lambda: queries.deal_get(deal_id=pk),
        heading="sales/_deal_heading.html",
    )


def _inline_field(
    request: HttpRequest,
    *,
    record: Any,
    name: str,
    form_class: type[ServiceForm],
    url_name: str,
    save: Any,
    refetch: Any,
    heading: str,
) -> HttpResponse:
    """`heading`: the template of the record's heading, sent again after a save."""
    workspace = workspace_of(request)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if editing:
        check_scope(request, RECORDS_WRITE)
    data = request.POST if request.method == "POST" else None
    form = form_class(data, workspace=workspace, instance=record, only=[name])
    if not form.detail_rows():
        raise Http404
    saved = False
    if data is not None and form.is_valid():
        try:
            save(form.service_data())
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            saved, editing = True, False
            record = refetch()
            form = form_class(workspace=workspace, instance=record, only=[name])
    [row] = _rows(form, url_name, record.pk)
    if editing:
        form.fields[name].widget.attrs["autofocus"] = True
    context = {
        "record": record,
        "row": row,
        "editing": editing,
        "bound": form[name],
        "form": form,
        "saved": saved,
        "heading": heading,
    }
    response = render(request, "contacts/_field.html", context)
    if saved:
        trigger_client_event(response, "timeline-changed")
    return response


@member_required
@require_GET
def deal_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    deal = found_or_404(queries.deal_get, deal_id=pk)
    before = None
    if request.GET.get("before"):
        try:
            before = TimelineCursor.parse(request.GET["before"])
        except ValueError as exc:
            raise Http404 from exc
    context = {
        "timeline": timeline_for(deal, before=before, limit=TIMELINE_PAGE),
        "timeline_url": reverse("sales:deal_timeline", args=[deal.pk]),
        "record": deal,
        "first_page": before is None,
    }
    return render(request, "timeline/_items.html", context)


def _links_response(request: HttpRequest, deal: Deal, **forms: Any) -> HttpResponse:
    response = render(request, "sales/_deal_links.html", _deal_links_context(deal, **forms))
    trigger_client_event(response, "timeline-changed")
    return response


def _current_contacts(deal: Deal) -> list[dict[str, Any]]:
    return [
        {"id": cid, "role": role}
        for cid, role in deal.contact_links.order_by("id").values_list("contact_id", "role")
    ]


@scope_required(RECORDS_WRITE)
@require_POST
def deal_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = found_or_404(queries.deal_get, deal_id=pk)
    form = DealContactForm(request.POST)
    if form.is_valid():
        link = ContactEmail.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if link is None:
            form.add_error("email", "No contact has this email.")
        else:
            contacts = [c for c in _current_contacts(deal) if c["id"] != link.contact_id]
            contacts.append({"id": link.contact_id, "role": form.cleaned_data["role"]})
            _deal_links_update(request, deal, {"contacts": contacts}, form)
    return _links_response(request, deal, contact_form=form)


@scope_required(RECORDS_WRITE)
@require_POST
def deal_contact_remove(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    deal = found_or_404(queries.deal_get, deal_id=pk)
    contacts = [c for c in _current_contacts(deal) if c["id"] != contact_id]
    _deal_links_update(request, deal, {"contacts": contacts}, None)
    return _links_response(request, deal)


def _current_lines(deal: Deal) -> list[dict[str, Any]]:
    return [
        {"product_id": p, "quantity": str(q), "unit_price": str(u)}
        for p, q, u in deal.lines.order_by("id").values_list("product_id", "quantity", "unit_price")
    ]


@scope_required(RECORDS_WRITE)
@require_POST
def deal_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = found_or_404(queries.deal_get, deal_id=pk)
    form = DealLineForm(request.POST)
    if form.is_valid():
        line = {
            "product_id": form.cleaned_data["product"].pk,
            "quantity": form.cleaned_data["quantity"],
        }
        _deal_links_update(request, deal, {"lines": [*_current_lines(deal), line]}, form)
    return _links_response(request, deal, line_form=form)


@scope_required(RECORDS_WRITE)
@require_POST
def deal_line_remove(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    deal = found_or_404(queries.deal_get, deal_id=pk)
    lines = _current_lines(deal)
    if not 0 <= index < len(lines):
        raise Http404
    del lines[index]
    _deal_links_update(request, deal, {"lines": lines}, None)
    return _links_response(request, deal)


def _deal_links_update(request: HttpRequest, deal: Deal, data: dict[str, Any], form: Any) -> None:
    try:
        deal_update(workspace=workspace_of(request), actor=request.user, deal=deal, data=data)
    except ServiceValidationError as exc:
        if form is None:
            messages.error(request, str(exc))
        else:
            form.add_error(None, "; ".join(e.message for e in exc.errors))


# --- leads ----------------------------------------------------------------------------------


@member_required
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET)
    form.is_valid()
    page: Page[Lead] = Page(items=[], next_cursor=None, prev_cursor=None)
    try:
        page = queries.lead_list(
            f=form.lead_filter(), cursor=form.cleaned_data.get("cursor") or None, limit=PAGE_SIZE
        )
    except ServiceValidationError as exc:
        for error in exc.errors:
            form.add_error(None, f"{error.field}: {error.message}")
    context = {"form": form, "page": page, "params": request.GET}
    if is_partial(request, "lead-table"):
        return render(request, "sales/_lead_table.html", context)
    context |= {
        "owners": [(u.pk, user_label(u)) for u in members_of(workspace_of(request))],
        "statuses": Lead._meta.get_field("status").choices,
    }
    return render(request, "sales/lead_list.html", context)


def _lead_form_page(request: HttpRequest, lead: Lead | None) -> HttpResponse:
    workspace = workspace_of(request)
    data = request.POST if request.method == "POST" else None
    form = LeadForm(data, workspace=workspace, instance=lead)
    if data is not None and form.is_valid():
        try:
            if lead is None:
                lead = leads.lead_create(
                    workspace=workspace, actor=request.user, data=form.service_data()
                )
            else:
                leads.lead_update(
                    workspace=workspace, actor=request.user, lead=lead, data=form.service_data()
                )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved {lead}.")
            return redirect("sales:lead_detail", lead.pk)
    back_url = reverse("sales:lead_detail", args=[lead.pk]) if lead else reverse("sales:lead_list")
    context = {"form": form, "record": lead, "back_url": back_url, "noun": "lead"}
    return render(request, "sales/form.html", context)


@scope_required(RECORDS_WRITE)
def lead_new(request: HttpRequest) -> HttpResponse:
    return _lead_form_page(request, None)


@scope_required(RECORDS_WRITE)
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _lead_form_page(request, found_or_404(queries.lead_get, lead_id=pk))


def _lead_page(
    request: HttpRequest,
    lead: Lead,
    *,
    disqualify_form: DisqualifyForm | None = None,
    convert_form: ConvertForm | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = workspace_of(request)
    form = LeadForm(workspace=workspace, instance=lead)
    context = {
        "record": lead,
        "rows": _rows(form, "sales:lead_field", lead.pk),
        "disqualify_form": disqualify_form or DisqualifyForm(),
        "convert_form": convert_form or ConvertForm(workspace=workspace),
        "open": bool(disqualify_form or convert_form),
    }
    return render(request, "sales/lead_detail.html", context, status=status)


@member_required
@require_GET
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _lead_page(request, found_or_404(queries.lead_get, lead_id=pk))


@member_required
def lead_field(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One field of the lead page, edited in place like a deal's."""
    lead = found_or_404(queries.lead_get, lead_id=pk)
    return _inline_field(
        request,
        record=lead,
        name=name,
        form_class=LeadForm,
        url_name="sales:lead_field",
        save=lambda data: leads.lead_update(
            workspace=workspace_of(request), actor=request.user, lead=lead, data=data
        ),
        refetch=lambda: queries.lead_get(lead_id=pk),
        heading="sales/_lead_heading.html",
    )


@scope_required(RECORDS_WRITE)
@require_POST
def lead_disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    lead = found_or_404(queries.lead_get, lead_id=pk)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            leads.lead_disqualify(
                workspace=workspace_of(request),
                actor=request.user,
                lead=lead,
                reason=form.cleaned_data["reason"],
            )
        except ServiceValidationError as exc:
            form.add_error(None, "; ".join(e.message for e in exc.errors))
        else:
            messages.success(request, f"Disqualified {lead}.")
            return redirect("sales:lead_detail", lead.pk)
    return _lead_page(request, lead, disqualify_form=form, status=422)


@scope_required(RECORDS_WRITE)
@require_POST
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    lead = found_or_404(queries.lead_get, lead_id=pk)
    workspace = workspace_of(request)
    form = ConvertForm(request.POST, workspace=workspace)
    if form.is_valid():
        try:
            done = leads.lead_convert(
                workspace=workspace, actor=request.user, lead=lead, deal=form.deal_data()
            )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _conversion_message(done))
            return redirect("contacts:contact_detail", done.contact.pk)
    return _lead_page(request, lead, convert_form=form, status=422)


def _conversion_message(done: leads.Conversion) -> str:
    parts = [f"{'created' if done.contact_created else 'linked existing'} contact {done.contact}"]
    if done.company is not None:
        verb = "created" if done.company_created else "linked existing"
        parts.append(f"{verb} company {done.company}")
    if done.deal is not None:
        parts.append(f"created deal {done.deal}")
    return f"Converted {done.lead}: {', '.join(parts)}."


@member_required
def web_forms(request: HttpRequest) -> HttpResponse:
    form = WebFormForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        check_scope(request, SETTINGS_WRITE)
        if form.is_valid():
            try:
                created = leads.web_form_create(
                    workspace=workspace_of(request),
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    allowed_origins=form.cleaned_data["allowed_origins"],
                    **form.service_data(),
                )
            except ServiceValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Created the web form “{created.name}”.")
                return redirect("sales:web_forms")
    items = []
    for web_form in queries.web_form_list():
        url = request.build_absolute_uri(reverse("web-form", args=[web_form.key]))
        embed = leads.web_form_embed_html(form=web_form, action_url=url)
        subscription = WebFormSubscriptionForm(
            prefix=f"f{web_form.pk}",
            initial={"static_list": web_form.static_list, "double_opt_in": web_form.double_opt_in},
        )
        items.append({"form": web_form, "url": url, "embed": embed, "subscription": subscription})
    return render(request, "sales/web_forms.html", {"items": items, "form": form})


@member_required
@require_POST
def web_form_subscription(request: HttpRequest, form_id: int) -> HttpResponse:
    """Change the list a web form subscribes to, and its double opt-in."""
    check_scope(request, SETTINGS_WRITE)
    web_form = found_or_404(queries.web_form_get, form_id=form_id)
    form = WebFormSubscriptionForm(request.POST, prefix=f"f{web_form.pk}")
    if not form.is_valid():
        messages.error(request, "Choose a list of this workspace.")
        return redirect("sales:web_forms")
    try:
        leads.web_form_update(
            workspace=workspace_of(request),
            actor=request.user,
            form=web_form,
            data=form.service_data(),
        )
    except ServiceValidationError as exc:
        messages.error(request, "; ".join(f"{e.field}: {e.message}" for e in exc.errors))
    else:
        messages.success(request, f"Saved the subscription of “{web_form.name}”.")
    return redirect("sales:web_forms")


# --- purchases on contact and company pages ---------------------------------------------------


def _purchases(request: HttpRequest, *, contact_id: int | None, company_id: int | None) -> Any:
    cursor = request.GET.get("cursor") or None
    try:
        page = queries.order_list(
            f=queries.OrderFilter(contact_id=contact_id, company_id=company_id),
            cursor=cursor,
            limit=PURCHASES_PAGE,
        )
    except ServiceValidationError as exc:
        raise Http404 from exc
    workspace = workspace_of(request)
    context: dict[str, Any] = {"page": page, "currency": workspace.base_currency}
    if cursor is None:
        try:
            context["lifetime"], context["converted"] = queries.lifetime_revenue_and_conversion(
                workspace=workspace, contact_id=contact_id, company_id=company_id
            )
        except ServiceValidationError as exc:
            context["lifetime_error"] = "; ".join(e.message for e in exc.errors)
    context["more_url"] = f"{request.path}?cursor={page.next_cursor}" if page.next_cursor else ""
    template = "sales/_purchases.html" if cursor is None else "sales/_orders.html"
    return render(request, template, context)


@member_required
@require_GET
def contact_purchases(request: HttpRequest, pk: int) -> HttpResponse:
    contact = found_or_404(contact_get, contact_id=pk)
    return _purchases(request, contact_id=contact.pk, company_id=None)


@member_required
@require_GET
def company_purchases(request: HttpRequest, pk: int) -> HttpResponse:
    company = found_or_404(company_get, company_id=pk)
    return _purchases(request, contact_id=None, company_id=company.pk)
