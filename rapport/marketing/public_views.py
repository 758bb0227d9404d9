"""The double opt-in confirmation page: reached from the mail's link, no login.

GET only shows the question and a button; the POST confirms. Mail scanners and link previews
fetch every link in a message, and a GET that confirmed would subscribe people who never
clicked. The POST is exempt from CSRF (there is no session to carry a CSRF token), which is
safe because all it can do is confirm the one request its signed token names.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rapport.audit.context import audit_source
from rapport.marketing.optin import (
    OptinExpired,
    OptinInvalid,
    subscription_confirm,
    subscription_from_token,
)
from rapport.tenancy.access import workspace_scope

TEMPLATE = "marketing/optin_confirm.html"


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, TEMPLATE, context, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def optin_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = subscription_from_token(token)
    except OptinInvalid:
        return _page(request, {"state": "invalid"}, status=404)
    context = {
        "subscription": subscription,
        "workspace_name": subscription.workspace.name,
        "list_name": subscription.static_list.name,
    }
    if subscription.confirmed_at is not None:
        return _page(request, {**context, "state": "already"})
    if request.method == "GET":
        expired = subscription.is_expired
        return _page(
            request, {**context, "state": "expired" if expired else "ask"}, 410 if expired else 200
        )
    try:
        with workspace_scope(subscription.workspace), audit_source("webform"):
            done = subscription_confirm(
                subscription=subscription,
                ip_address=request.META.get("REMOTE_ADDR") or None,
                user_agent=request.headers.get("User-Agent", ""),
            )
    except OptinExpired:
        return _page(request, {**context, "state": "expired"}, status=410)
    state = "already" if done.already else "done"
    return _page(request, {**context, "state": state, "held_back": done.held_back})
