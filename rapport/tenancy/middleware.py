from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_scopes import scopes_disabled

from rapport.audit.context import audit_source
from rapport.tenancy.access import membership_resolve, workspace_scope


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
