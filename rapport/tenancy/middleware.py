from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_scopes import scopes_disabled

from rapport.audit.context import audit_source
from rapport.tenancy.access import membership_resolve, workspace_scope
from rapport.tenancy.time_zones import effective_time_zone


class WorkspaceMiddleware:
    """Resolves the request's membership once and runs the whole request in its workspace scope.

    Without a membership no scope is active, so any query on customer data raises
    instead of leaking. Superusers in the Django admin see across workspaces.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = membership_resolve(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.workspace = membership.workspace if membership else None  # type: ignore[attr-defined]
        if membership is not None and request.user.is_anonymous:
            # A bearer token authenticates the request as the token's user.
            request.user = membership.user
        source = "api" if request.path.startswith("/api/") else "ui"
        if request.path.startswith("/admin/"):
            if request.user.is_authenticated and request.user.is_superuser:
                with scopes_disabled(), audit_source("admin"):
                    return self.get_response(request)
            return self.get_response(request)
        with audit_source(source):
            if membership is None:
                return self.get_response(request)
            with workspace_scope(membership.workspace):
                return self.get_response(request)


class TimeZoneMiddleware:
    """Shows and reads the UI's times in the member's zone (`time_zones.effective_time_zone`):
    every template's dates and every form's date-time fields follow the active zone.

    After `WorkspaceMiddleware`, which resolved the membership. The API keeps UTC, as do pages
    without a membership (the login page, the customer portal); the zone is deactivated after
    each request, so a thread never carries one into the next.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if membership is None or request.path.startswith("/api/"):
            return self.get_response(request)
        timezone.activate(ZoneInfo(effective_time_zone(membership)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
