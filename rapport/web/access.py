"""What every UI view needs before it runs: a signed-in member, and the scope for the action.

The middleware has already resolved `request.membership` and opened the workspace scope; these
decorators only turn its absence into a login redirect or a page, and a missing scope into 403.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from rapport.tenancy.models import Membership, Workspace

View = Callable[..., HttpResponseBase]
T = TypeVar("T")


def member_required(view: View) -> View:
    """Anonymous users go to the login page; users without a workspace see why."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return _to_login(request)
        if getattr(request, "membership", None) is None:
            return render(request, "web/no_workspace.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _to_login(request: HttpRequest) -> HttpResponseBase:
    """The login page, then back to the page the user was on.

    An htmx request (a search box, an inline edit, a tick) from a page whose session has ended
    must not follow the redirect itself: htmx would swap the whole login page into the little
    element it asked for. It is told to load the login page in the window instead, with the
    page (not the fragment's URL) to come back to.
    """
    htmx = getattr(request, "htmx", None)
    if htmx:
        login = redirect_to_login(htmx.current_url_abs_path or "/")
        return HttpResponseClientRedirect(login["Location"])
    return redirect_to_login(request.get_full_path())


def scope_required(scope_name: str) -> Callable[[View], View]:
    """A member whose role lacks `scope_name` gets 403 and nothing runs."""

    def decorate(view: View) -> View:
        @wraps(view)
        def check(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            check_scope(request, scope_name)
            return view(request, *args, **kwargs)

        return member_required(check)

    return decorate


def check_scope(request: HttpRequest, scope_name: str) -> None:
    """For a view that reads for everyone but writes only for some: 403 without the scope."""
    if not membership_of(request).has_scope(scope_name):
        raise PermissionDenied(scope_name)


def membership_of(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


def workspace_of(request: HttpRequest) -> Workspace:
    return membership_of(request).workspace


def found_or_404(getter: Callable[..., T], **lookup: Any) -> T:
    """Call an `<entity>_get` helper; a record of another workspace is simply not found."""
    try:
        return getter(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


# A write whose CSRF token no longer matches the cookie's, said in words the user can act on.
STALE_PAGE = "This page is out of date (its security token has expired). Reload it and try again."


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseBase:
    """Django's CSRF_FAILURE_VIEW: a page open across a sign-in elsewhere (which rotates the
    token) or whose cookies were cleared is told to reload, never that the user's role
    forbids the action (what a bare 403 says). Public pages (surveys, the portal) get the
    same words; a reload of a page that needs a session leads to the login page."""
    if getattr(request, "htmx", None):  # shown as it is by web/request_errors.js
        return HttpResponse(STALE_PAGE, status=403, content_type="text/plain; charset=utf-8")
    return render(request, "403_csrf.html", {"message": STALE_PAGE}, status=403)
