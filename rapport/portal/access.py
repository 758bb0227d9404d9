"""The portal's one entry check: the workspace from the URL, the contact from the portal
cookie, and every query of the view run in that workspace's scope.

An agent's own session opens a scope for *their* workspace in the middleware; the scope
opened here replaces it for the portal view, so the portal only ever sees the workspace in
its URL, whoever else the browser may be signed in as.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from rapport.audit.context import audit_source
from rapport.contacts.models import Contact
from rapport.portal.queries import portal_settings_get, portal_workspace
from rapport.portal.session import PortalVisitor, signed_in_contact_id
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

View = Callable[..., HttpResponseBase]


def visitor_of(request: HttpRequest) -> PortalVisitor:
    visitor: PortalVisitor = request.portal  # type: ignore[attr-defined]
    return visitor


def _visitor(request: HttpRequest, workspace: Workspace) -> PortalVisitor:
    contact_id = signed_in_contact_id(request, workspace=workspace)
    contact = (
        Contact.objects.select_related("primary_company").filter(pk=contact_id).first()
        if contact_id
        else None
    )
    share = portal_settings_get(workspace=workspace).share_company_tickets if contact else False
    return PortalVisitor(workspace=workspace, contact=contact, share_company=share)


def portal_page(*, signed_in: bool = True) -> Callable[[View], View]:
    """`signed_in` pages send a visitor without a valid portal cookie to the sign-in page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: HttpRequest, workspace_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            try:
                workspace = portal_workspace(slug=workspace_slug)
            except Workspace.DoesNotExist as exc:
                raise Http404 from exc
            with workspace_scope(workspace), audit_source("portal"):
                request.portal = _visitor(request, workspace)  # type: ignore[attr-defined]
                if signed_in and request.portal.contact is None:  # type: ignore[attr-defined]
                    return redirect("portal:start", workspace_slug=workspace.slug)
                return view(request, *args, **kwargs)

        return wrapper

    return decorate
