"""The links inside a campaign message: the open pixel, click redirects and unsubscribe.

No login: the recipient's token is the key. The unsubscribe page's POST is what RFC 8058's
one-click header sends (a mail client's POST, without a session or a CSRF token), so it is
exempt from CSRF; all it can do is take the token's own address off the workspace's mailings.
"""

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from rapport.campaigns.models import Recipient
from rapport.campaigns.services import recipient_clicked, recipient_opened, recipient_unsubscribed
from rapport.campaigns.tracking import click_verified
from rapport.tenancy.access import workspace_scope

TOKEN_MAX = 32
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _recipient(token: str) -> Recipient:
    if len(token) > TOKEN_MAX:
        raise Http404
    recipient = Recipient.unscoped.select_related("workspace").filter(token=token).first()
    if recipient is None:
        raise Http404
    return recipient


@never_cache
@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    recipient = _recipient(token)
    with workspace_scope(recipient.workspace):
        recipient_opened(recipient=recipient)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    url = request.GET.get("u", "")
    if not url.startswith(("http://", "https://")) or not click_verified(
        token, url, request.GET.get("s", "")
    ):
        raise Http404  # a forged or altered link leads nowhere, least of all to another site
    recipient = _recipient(token)
    with workspace_scope(recipient.workspace):
        recipient_clicked(recipient=recipient, url=url)
    return HttpResponseRedirect(url)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    recipient = _recipient(token)
    done = request.method == "POST"
    if done:
        with workspace_scope(recipient.workspace):
            recipient_unsubscribed(recipient=recipient)
    response = render(
        request,
        "campaigns/unsubscribe.html",
        {"recipient": recipient, "workspace_name": recipient.workspace.name, "done": done},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
