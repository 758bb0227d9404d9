"""The survey pages a customer reaches from the invitation mail: no login, the token is the
key. They show the question, the thanks and the comment form, nothing else of the workspace.

A score link in the mail is a GET that shows the score chosen in a form which the page posts
at once: one click for a person, while the mail scanners that fetch every link of a mail (and
run no script) record nothing. A GET that recorded the score let the first link a scanner
fetched answer the survey, and the customer's own click was then ignored. The comment is a
CSRF-protected POST from the page too.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from rapport.audit.context import audit_source
from rapport.core.errors import ServiceValidationError
from rapport.feedback.models import SurveyInvite
from rapport.feedback.services import COMMENT_LIMIT, survey_answer, survey_comment
from rapport.tenancy.access import workspace_scope

TOKEN_MAX = 64


def _invite(token: str) -> SurveyInvite:
    if len(token) > TOKEN_MAX:
        raise Http404
    invite = SurveyInvite.unscoped.select_related("workspace").filter(token=token).first()
    if invite is None:
        raise Http404
    return invite


def _page(
    request: HttpRequest,
    invite: SurveyInvite,
    *,
    error: str = "",
    status: int = 200,
    chosen: int | None = None,
) -> HttpResponse:
    response = render(
        request,
        "feedback/survey.html",
        {
            "invite": invite,
            "workspace_name": invite.workspace.name,
            "error": error,
            "comment_limit": COMMENT_LIMIT,
            "chosen": chosen,
        },
        status=status,
    )
    # The token is in the URL: keep it out of Referer headers sent to other sites. Not
    # "no-referrer": that makes browsers send `Origin: null`, failing the comment's CSRF check.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    invite = _invite(token)
    if request.method == "GET":
        return _page(request, invite)
    with workspace_scope(invite.workspace), audit_source("survey"):
        try:
            survey_comment(invite=invite, comment=request.POST.get("comment", ""))
        except ServiceValidationError as exc:
            return _page(request, invite, error=exc.errors[0].message, status=422)
    return _page(request, invite)


@never_cache
@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def survey_answer_page(request: HttpRequest, token: str, score: int) -> HttpResponse:
    """GET shows the score to confirm (the page's script sends it); POST records it."""
    invite = _invite(token)
    if score not in invite.scores:
        raise Http404
    if request.method == "GET":
        return _page(request, invite, chosen=None if invite.answered_at else score)
    with workspace_scope(invite.workspace), audit_source("survey"):
        survey_answer(invite=invite, score=score)
    return _page(request, invite)
