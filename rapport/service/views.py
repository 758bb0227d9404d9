"""The agent desk: ticket lists, a new ticket, the ticket page (conversation, reply, side
panel, SLA clocks, customer context, suggested articles), the SLA-at-risk list, the service
dashboard and the knowledge base's agent pages."""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from rapport.contacts.forms import members_of, user_label
from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page, SortKey, paginate
from rapport.feedback.queries import SENTIMENTS, csat_summary, nps_summary, survey_comments
from rapport.knowledge.models import Article, ArticleVisibility
from rapport.knowledge.queries import article_suggestions
from rapport.knowledge.rendering import render_markdown
from rapport.knowledge.services import article_create, article_update
from rapport.service import page_queries
from rapport.service.bulk import tickets_bulk_change
from rapport.service.desk_queries import team_list
from rapport.service.desk_services import ticket_answer, ticket_open, ticket_properties_set
from rapport.service.filter_chips import clear_filters_url, filter_chips
from rapport.service.forms import (
    ArticleForm,
    ArticleListForm,
    ReplyForm,
    TicketCreateForm,
    TicketEditForm,
    TicketListForm,
)
from rapport.service.models import Priority, TeamMember, Ticket, TicketStatus
from rapport.service.queries import (
    queue_counts,
    sla_at_risk,
    ticket_conversation,
    ticket_get,
    ticket_list,
    ticket_sla_history,
)
from rapport.service.reply_delivery import MAX_ATTEMPTS
from rapport.service.reports import (
    complaint_report,
    complaint_totals,
    monthly_trends,
    service_charts,
    service_kpis,
    service_trend,
)
from rapport.service.saved_view_views import saved_ticket_views
from rapport.service.sla import sla_clocks
from rapport.tenancy.roles import RECORDS_WRITE
from rapport.web.access import (
    check_scope,
    found_or_404,
    member_required,
    membership_of,
    scope_required,
    workspace_of,
)
from rapport.web.htmx import is_partial

PAGE_SIZE = 50
AT_RISK_ROWS = 200
SUGGESTIONS = 5
COMMENTS = 20
VIEW_TITLES = {
    "mine": "My tickets",
    "unassigned": "Unassigned",
    "team": "Team queue",
    "all": "All tickets",
}
PERIODS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "365": "Last year"}


# --- lists ------------------------------------------------------------------------------------


def agents_of(workspace: Any) -> list[tuple[int, str]]:
    return [(u.pk, user_label(u)) for u in members_of(workspace)]


def _default_team_id(user_id: int, teams: list[Any]) -> int | None:
    """A team queue opens on the agent's own (first) team, else the first team there is."""
    mine = TeamMember.objects.filter(user_id=user_id).order_by("team__name").first()
    if mine is not None:
        return mine.team_id
    return teams[0].pk if teams else None


@member_required
@require_GET
def ticket_queue(request: HttpRequest, view: str) -> HttpResponse:
    if view not in VIEW_TITLES:
        raise Http404
    form = TicketListForm(request.GET)
    form.is_valid()
    user_id = int(request.user.pk or 0)
    # The table alone (a filter changed), or the filters with it (a filter chip removed:
    # the form must then show what applies), or the page.
    partial = is_partial(request, "ticket-table")
    whole_page = not partial and not is_partial(request, "ticket-list")
    # A team queue's table needs the teams too: its default team gets no filter chip.
    teams = [] if partial and view != "team" else list(team_list())
    agents = [] if partial else agents_of(workspace_of(request))
    f = form.ticket_filter(view=view, user_id=user_id)
    default_team_id = _default_team_id(user_id, teams) if view == "team" else None
    if view == "team" and f.team_id is None:
        f.team_id = default_team_id
    page: Page[Ticket] = Page(items=[], next_cursor=None, prev_cursor=None)
    sort = form.cleaned_data.get("sort") or "-updated"
    try:
        page = ticket_list(
            f=f, sort=sort, cursor=form.cleaned_data.get("cursor") or None, limit=PAGE_SIZE
        )
    except ServiceValidationError as exc:
        for error in exc.errors:
            message = "Choose a team first." if error.field == "team_id" else error.message
            form.add_error(None, message)
    prefetch_related_objects(page.items, "tags")
    list_url = reverse("service:ticket_queue", args=[view])
    chips = filter_chips(
        form=form,
        query=request.GET,
        list_url=list_url,
        workspace=workspace_of(request),
        defaults={"status": form.status_for(view, None), "team": default_team_id},
        ignored=() if view == "team" else ("team",),
    )
    context = {
        "view": view,
        "title": VIEW_TITLES[view],
        "views": VIEW_TITLES,
        "form": form,
        "page": page,
        "params": request.GET,
        "teams": teams,
        "team_id": f.team_id,
        "status": form.status_for(view, form.cleaned_data.get("status")),
        "counts": {}
        if not whole_page
        else queue_counts(
            user_id=user_id,
            team_id=f.team_id if view == "team" else None,
            fallback_team_id=teams[0].pk if teams else None,
        ),
        "agents": [] if view in ("mine", "unassigned") else agents,
        "bulk_agents": agents,
        "ticket_statuses": TicketStatus.choices,
        "ticket_priorities": Priority.choices,
        "list_url": list_url,
        "saved_views": saved_ticket_views(request.user) if whole_page else [],
        "filter_chips": chips,
        "chips_out_of_band": partial,
        "clear_filters_url": clear_filters_url(query=request.GET, list_url=list_url, chips=chips),
    }
    template = (
        "service/_ticket_table.html"
        if partial
        else "service/ticket_list.html"
        if whole_page
        else "service/_ticket_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# The list's filters the bulk form carries along (the cursor too: the agent stays on the page).
BULK_FILTERS = list(TicketListForm.base_fields)


def _bulk_note(request: HttpRequest, action: str, value: str) -> str:
    """What the step did, in words: "assigned to Sam", "set to solved"."""
    if action == "assignee":
        names = dict(agents_of(workspace_of(request)))
        return f"assigned to {names.get(int(value))}" if value.isdigit() else "unassigned"
    if action == "team":
        teams = {str(t.pk): t.name for t in team_list()}
        return f"moved to team {teams.get(value)}" if value in teams else "taken off their team"
    choices = dict(TicketStatus.choices if action == "status" else Priority.choices)
    label = str(choices.get(value, value)).lower()
    return f"set to {label}" if action == "status" else f"set to {label} priority"


def _plural(numbers: list[int]) -> str:
    return "1 ticket" if len(numbers) == 1 else f"{len(numbers)} tickets"


@scope_required(RECORDS_WRITE)
@require_POST
def tickets_bulk(request: HttpRequest) -> HttpResponse:
    """The ticked tickets of the list, assigned, moved to a team, or given a status or a
    priority (`tickets_bulk_change`); back to the list, its filters kept, saying what changed
    and naming each ticket refused with its reason."""
    action = request.POST.get("action", "")
    value = request.POST.get(f"to_{action}", "")
    ids = [int(v) for v in request.POST.getlist("ticket_ids") if v.isdigit()]
    try:
        outcome = tickets_bulk_change(
            workspace=workspace_of(request),
            actor=request.user,
            ticket_ids=ids,
            action=action,
            value=value,
        )
    except ServiceValidationError as exc:
        messages.error(request, "Nothing was changed: " + "; ".join(e.message for e in exc.errors))
    else:
        note = _bulk_note(request, action, value)
        parts = [f"{_plural(outcome.changed)} {note}"] if outcome.changed else []
        if outcome.unchanged:
            parts.append(f"{_plural(outcome.unchanged)} already so")
        parts += [f"#{number} not {note}: {reason}" for number, reason in outcome.refused]
        (messages.warning if outcome.refused else messages.success)(request, "; ".join(parts) + ".")
    view = request.POST.get("view", "")
    url = reverse("service:ticket_queue", args=[view if view in VIEW_TITLES else "all"])
    query = urlencode({k: v for k in BULK_FILTERS if (v := request.POST.get(k))})
    url += f"?{query}" if query else ""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


@member_required
@require_GET
def tickets_home(request: HttpRequest) -> HttpResponse:
    return redirect("service:ticket_queue", view="mine")


@member_required
@require_GET
def at_risk(request: HttpRequest) -> HttpResponse:
    tickets = list(sla_at_risk()[:AT_RISK_ROWS])
    return render(request, "service/at_risk.html", {"tickets": tickets, "limit": AT_RISK_ROWS})


# --- a new ticket -----------------------------------------------------------------------------


@scope_required(RECORDS_WRITE)
def ticket_new(request: HttpRequest) -> HttpResponse:
    workspace = workspace_of(request)
    if request.method == "POST":
        form = TicketCreateForm(request.POST, request.FILES, workspace=workspace)
        if form.is_valid():
            try:
                opened = ticket_open(
                    workspace=workspace,
                    actor=request.user,
                    requester_email=form.cleaned_data["requester_email"],
                    data=form.service_data(),
                    uploads=form.uploads(),
                )
            except ServiceValidationError as exc:
                form.add_service_errors(exc)
            else:
                ticket = opened.ticket
                added = f" {ticket.requester.email} is a new contact." if opened.new_contact else ""
                messages.success(request, f"Opened ticket #{ticket.number}.{added}")
                return redirect("service:ticket_detail", pk=ticket.pk)
    else:
        form = TicketCreateForm(
            workspace=workspace, initial={"requester_email": request.GET.get("email", "")}
        )
    return render(request, "service/ticket_new.html", {"form": form})


def _with_help_links(request: HttpRequest, articles: list[Article]) -> list[Article]:
    """Give each public article the absolute address of its help-centre page, which an agent
    can put into a reply: a customer can open that one (never an internal article, nor the
    agent-side page)."""
    slug = workspace_of(request).slug
    for article in articles:
        if article.visibility == ArticleVisibility.PUBLIC:
            path = reverse("portal:article", args=[slug, article.slug])
            article.help_url = request.build_absolute_uri(path)  # type: ignore[attr-defined]
    return articles


@member_required
@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    """Articles matching what is being typed into a new ticket (an htmx fragment)."""
    text = f"{request.GET.get('subject', '')} {request.GET.get('body', '')}"[:5000]
    articles = article_suggestions(text=text, public_only=False, limit=SUGGESTIONS)
    return render(request, "service/_suggestions.html", {"articles": articles})


@member_required
@require_GET
def product_options(request: HttpRequest) -> HttpResponse:
    """Active products matching what is typed in a ticket's product box (an htmx fragment of
    options for its datalist)."""
    text = request.GET.get("product", "")[:200]
    products = page_queries.product_suggestions(text=text)
    return render(request, "service/_product_options.html", {"products": products})


# --- the ticket page --------------------------------------------------------------------------


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    edit_form: TicketEditForm | None = None,
    reply_form: ReplyForm | None = None,
) -> HttpResponse:
    workspace = workspace_of(request)
    conversation = list(ticket_conversation(ticket=ticket).prefetch_related("attachments"))
    request_text = f"{ticket.subject} {conversation[0].body if conversation else ''}"
    first_clock, resolution_clock = sla_clocks(ticket)
    edit_form = edit_form or TicketEditForm(
        workspace=workspace, initial=TicketEditForm.initial_for(ticket)
    )
    if not membership_of(request).has_scope(RECORDS_WRITE):
        for field in edit_form.fields.values():
            field.disabled = True  # a viewer sees the values, without a way to change them
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "max_attempts": MAX_ATTEMPTS,
        "loose_attachments": list(ticket.attachments.filter(message__isnull=True)),
        "first_clock": first_clock,
        "resolution_clock": resolution_clock,
        "sla_history": list(ticket_sla_history(ticket=ticket)),
        "customer": page_queries.customer_context(workspace=workspace, ticket=ticket),
        "suggested": _with_help_links(
            request,
            article_suggestions(text=request_text[:5000], public_only=False, limit=SUGGESTIONS),
        ),
        "edit_form": edit_form,
        "root_causes": page_queries.root_causes_used(),
        "reply_form": reply_form or ReplyForm(initial=ReplyForm.initial_for(ticket)),
        "asks_outcome": page_queries.complaint_lacks_outcome(ticket),
    }
    return render(request, "service/ticket_detail.html", context)


@member_required
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _ticket_page(request, found_or_404(ticket_get, ticket_id=pk))


@member_required
@require_POST
def ticket_properties(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = found_or_404(ticket_get, ticket_id=pk)
    check_scope(request, RECORDS_WRITE)
    workspace = workspace_of(request)
    form = TicketEditForm(
        request.POST, workspace=workspace, initial=TicketEditForm.initial_for(ticket)
    )
    if form.is_valid():
        try:
            ticket_properties_set(
                workspace=workspace,
                actor=request.user,
                ticket=ticket,
                data=form.changed_service_data(),
                status=form.cleaned_data["status"],
            )
        except ServiceValidationError as exc:
            form.add_service_errors(exc)
            ticket = found_or_404(ticket_get, ticket_id=pk)  # as it still is in the database
        else:
            messages.success(request, f"Saved ticket #{ticket.number}.")
            return redirect("service:ticket_detail", pk=ticket.pk)
    return _ticket_page(request, ticket, edit_form=form)


@member_required
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = found_or_404(ticket_get, ticket_id=pk)
    check_scope(request, RECORDS_WRITE)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = ticket_answer(
                workspace=workspace_of(request),
                actor=request.user,
                ticket=ticket,
                body=form.cleaned_data["body"],
                kind=form.cleaned_data["kind"],
                uploads=form.uploads(),
                status=form.cleaned_data["set_status"],
                fields=form.outcome_changes(ticket),
            )
        except ServiceValidationError as exc:
            form.add_error(None, "Nothing was sent: fix the problem below and send again.")
            form.add_upload_errors(exc)
            ticket = found_or_404(ticket_get, ticket_id=pk)  # as it still is in the database
        else:
            sent = "Reply sent to the customer" if message.kind == "public" else "Note added"
            if form.cleaned_data["set_status"]:
                sent += f"; the ticket is now {ticket.get_status_display().lower()}"
            messages.success(request, f"{sent}.")
            return redirect(reverse("service:ticket_detail", args=[ticket.pk]) + "#conversation")
    return _ticket_page(request, ticket, reply_form=form)


# --- SLA, dashboard ---------------------------------------------------------------------------


@member_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "30")
    if period not in PERIODS:
        period = "30"
    sentiment = request.GET.get("sentiment", "")
    if sentiment not in SENTIMENTS:
        sentiment = ""
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=int(period)), today + dt.timedelta(days=1)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    complaints = complaint_report(start=start, end=end)
    trend = service_trend(start=start, end=end, size="day" if int(period) <= 30 else "week")
    monthly = monthly_trends()
    context = {
        "period": period,
        "periods": PERIODS,
        "kpis": service_kpis(start=start, end=end),
        "complaints": complaints,
        "complaint_groups": [
            (
                "Complaints by root cause",
                "complaints-by-cause",
                complaint_totals(complaints, "root_cause"),
            ),
            (
                "Complaints by product",
                "complaints-by-product",
                complaint_totals(complaints, "product"),
            ),
        ],
        "charts": service_charts(trend=trend, complaints=complaints, monthly=monthly),
        "trend": trend,
        "monthly": monthly,
        "csat": next(iter(csat_summary(since=since)), None),
        "csat_by_agent": csat_summary(by="agent", since=since),
        "csat_by_team": csat_summary(by="team", since=since),
        "sentiment": sentiment,
        "sentiments": SENTIMENTS,
        "comments": survey_comments(since=since, sentiment=sentiment, limit=COMMENTS),
        "nps": next(iter(nps_summary(since=since)), None),
        "at_risk_count": sla_at_risk().count(),
    }
    return render(request, "service/dashboard.html", context)


# --- knowledge base -----------------------------------------------------------------------------


@member_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """Every article, PAGE_SIZE a page (a knowledge base outgrows one page; none is left out
    unseen), narrowed by words, status, visibility or category."""
    form = ArticleListForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    category = data.get("category")
    qs = page_queries.article_list(
        q=data.get("q") or "",
        status=data.get("status") or "",
        visibility=data.get("visibility") or "",
        category_id=category.pk if category else None,
    )
    page: Page[Article] = Page(items=[], next_cursor=None, prev_cursor=None)
    try:
        page = paginate(
            qs,
            keys=[SortKey("updated_at", True)],
            cursor=data.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ServiceValidationError:
        form.add_error(None, "That page of the list is out of date: the first page is shown.")
        page = paginate(qs, keys=[SortKey("updated_at", True)], cursor=None, limit=PAGE_SIZE)
    context = {"form": form, "page": page, "params": request.GET, "q": data.get("q") or ""}
    return render(request, "service/kb_list.html", context)


@member_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = found_or_404(page_queries.article_get, article_id=pk)
    help_url = None
    if article.is_public:  # published and public: what the customer would see
        path = reverse("portal:article", args=[workspace_of(request).slug, article.slug])
        help_url = request.build_absolute_uri(path)
    context = {
        "article": article,
        "html": render_markdown(article.body_markdown),
        "help_url": help_url,
    }
    return render(request, "service/kb_article.html", context)


def _article_form_page(request: HttpRequest, article: Article | None) -> HttpResponse:
    workspace = workspace_of(request)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                if article is None:
                    article = article_create(
                        workspace=workspace, actor=request.user, data=form.service_data()
                    )
                else:
                    article_update(
                        workspace=workspace,
                        actor=request.user,
                        article=article,
                        data=form.service_data(),
                    )
            except ServiceValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"Saved “{article.title}”.")
                return redirect("service:article_detail", pk=article.pk)
    elif article is not None:
        form = ArticleForm(
            initial={
                "title": article.title,
                "body_markdown": article.body_markdown,
                "status": article.status,
                "visibility": article.visibility,
                "category": article.category_id,
            }
        )
    else:
        form = ArticleForm()
    return render(request, "service/kb_form.html", {"form": form, "article": article})


@scope_required(RECORDS_WRITE)
def article_new(request: HttpRequest) -> HttpResponse:
    return _article_form_page(request, None)


@scope_required(RECORDS_WRITE)
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _article_form_page(request, found_or_404(page_queries.article_get, article_id=pk))
