"""The customer portal: sign in with a mailed link, see and answer one's own tickets, open
a ticket, and search the public help articles. Nothing of the agent side is linked from or
reachable through it."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.core.errors import ServiceValidationError
from rapport.knowledge.queries import (
    article_get,
    article_search,
    article_suggestions,
    articles_by_category,
)
from rapport.knowledge.rendering import render_markdown
from rapport.knowledge.services import article_vote
from rapport.portal import queries
from rapport.portal.access import portal_page, visitor_of
from rapport.portal.forms import ArticleVoteForm, LinkRequestForm, PortalReplyForm, PortalTicketForm
from rapport.portal.services import (
    portal_link_check,
    portal_link_redeem,
    portal_link_request,
    portal_reply,
    portal_ticket_open,
)
from rapport.portal.session import portal_sign_in, portal_sign_out
from rapport.service.models import Ticket, TicketAttachment
from rapport.web.forms import add_service_errors

SUGGESTIONS = 5
SEARCH_RESULTS = 20


def _url(request: HttpRequest, name: str, *args: object) -> str:
    return reverse(f"portal:{name}", args=[visitor_of(request).workspace.slug, *args])


def _token_page(response: HttpResponse) -> HttpResponse:
    # The sign-in token is in the URL: it may go to this site only (not "no-referrer", which
    # makes the browser send `Origin: null` and fail the CSRF check of the sign-in POST).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- signing in -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@portal_page(signed_in=False)
def start(request: HttpRequest) -> HttpResponse:
    visitor = visitor_of(request)
    if request.method == "GET" and visitor.contact is not None:
        return redirect(_url(request, "tickets"))
    form = LinkRequestForm(request.POST or None)
    if form.is_valid():
        portal_link_request(
            workspace=visitor.workspace,
            email=form.cleaned_data["email"],
            link_url=lambda token: request.build_absolute_uri(_url(request, "link", token)),
        )
        # The same answer whether or not the address is known.
        return render(request, "portal/link_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "portal/start.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@portal_page(signed_in=False)
def link(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button: mail scanners that fetch links must not use up the link."""
    workspace = visitor_of(request).workspace
    if request.method == "GET":
        valid = portal_link_check(token=token) is not None
        status = 200 if valid else 410
        template = "portal/link_confirm.html" if valid else "portal/link_invalid.html"
        return _token_page(render(request, template, status=status))
    contact = portal_link_redeem(workspace=workspace, token=token)
    if contact is None:
        return _token_page(render(request, "portal/link_invalid.html", status=410))
    response = redirect(_url(request, "tickets"))
    portal_sign_in(response, workspace=workspace, contact=contact)
    return response


@require_POST
@portal_page(signed_in=False)
def sign_out(request: HttpRequest) -> HttpResponse:
    response = redirect(_url(request, "start"))
    portal_sign_out(response, workspace=visitor_of(request).workspace)
    return response


# --- tickets ----------------------------------------------------------------------------------


def _ticket(request: HttpRequest, number: int) -> Ticket:
    try:
        visitor = visitor_of(request)
        return queries.portal_ticket_get(
            contact=visitor.signed_in(), share_company=visitor.share_company, number=number
        )
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc


@never_cache
@require_GET
@portal_page()
def tickets(request: HttpRequest) -> HttpResponse:
    visitor = visitor_of(request)
    rows = list(
        queries.portal_tickets(contact=visitor.signed_in(), share_company=visitor.share_company)[
            :200
        ]
    )
    return render(request, "portal/tickets.html", {"tickets": rows})


@never_cache
@require_http_methods(["GET", "POST"])
@portal_page()
def ticket_new(request: HttpRequest) -> HttpResponse:
    visitor = visitor_of(request)
    form = PortalTicketForm(request.POST or None)
    if form.is_valid():
        try:
            ticket = portal_ticket_open(
                workspace=visitor.workspace,
                contact=visitor.signed_in(),
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ServiceValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Thank you: your request is ticket #{ticket.number}.")
            return redirect(_url(request, "ticket", ticket.number))
    return render(request, "portal/ticket_new.html", {"form": form})


@require_GET
@portal_page()
def suggestions(request: HttpRequest) -> HttpResponse:
    text = f"{request.GET.get('subject', '')} {request.GET.get('body', '')}"[:5000]
    articles = article_suggestions(text=text, public_only=True, limit=SUGGESTIONS)
    return render(request, "portal/_suggestions.html", {"articles": articles})


def _ticket_page(request: HttpRequest, ticket: Ticket, form: PortalReplyForm) -> HttpResponse:
    conversation = list(queries.portal_conversation(ticket=ticket))
    return render(
        request,
        "portal/ticket.html",
        {"ticket": ticket, "conversation": conversation, "form": form},
    )


@never_cache
@require_GET
@portal_page()
def ticket(request: HttpRequest, number: int) -> HttpResponse:
    return _ticket_page(request, _ticket(request, number), PortalReplyForm())


@require_POST
@portal_page()
def reply(request: HttpRequest, number: int) -> HttpResponse:
    visitor = visitor_of(request)
    found = _ticket(request, number)
    form = PortalReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            portal_reply(
                workspace=visitor.workspace,
                contact=visitor.signed_in(),
                ticket=found,
                body=form.cleaned_data["body"],
                uploads=form.uploads(),
            )
        except ServiceValidationError as exc:
            form.add_upload_errors(exc)
        else:
            messages.success(request, "Your reply was sent.")
            return redirect(_url(request, "ticket", found.number) + "#conversation")
    return _ticket_page(request, found, form)


@require_GET
@portal_page()
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    try:
        visitor = visitor_of(request)
        found = queries.portal_attachment_get(
            contact=visitor.signed_in(),
            share_company=visitor.share_company,
            attachment_id=attachment_id,
        )
    except TicketAttachment.DoesNotExist as exc:
        raise Http404 from exc
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- help articles ----------------------------------------------------------------------------


@require_GET
@portal_page(signed_in=False)
def help_centre(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    results = article_search(q=q, public_only=True, limit=SEARCH_RESULTS) if q else []
    sections = [] if q else articles_by_category(public_only=True)
    return render(request, "portal/help.html", {"q": q, "results": results, "sections": sections})


@require_http_methods(["GET", "POST"])
@portal_page(signed_in=False)
def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    visitor = visitor_of(request)
    found = article_get(slug=slug, public_only=True)
    if found is None:
        raise Http404
    voted = False
    if request.method == "POST" and visitor.contact is not None:
        form = ArticleVoteForm(request.POST)
        if form.is_valid():
            found = article_vote(
                workspace=visitor.workspace,
                article=found,
                voter_key=f"contact:{visitor.contact.pk}",
                helpful=form.cleaned_data["helpful"],
            )
            voted = True
    context = {"article": found, "html": render_markdown(found.body_markdown), "voted": voted}
    return render(request, "portal/article.html", context)
