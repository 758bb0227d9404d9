"""The one place a request becomes a membership, and the scope every query runs in."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest
from django_scopes import scope

from rapport.core.errors import PermissionDenied
from rapport.tenancy.models import Membership, Workspace
from rapport.tenancy.services import api_token_authenticate

SESSION_WORKSPACE_KEY = "workspace_id"


@contextmanager
def workspace_scope(workspace: Workspace) -> Iterator[None]:
    """Run queries on scoped models restricted to `workspace`."""
    if workspace is None or workspace.pk is None:
        raise ValueError("workspace_scope needs a saved workspace")
    with scope(workspace=workspace.pk):
        yield


def bearer_secret(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    kind, _, secret = header.partition(" ")
    if kind.lower() == "bearer" and secret:
        return secret.strip()
    return None


def memberships_of(user: Any) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def membership_resolve(request: HttpRequest) -> Membership | None:
    """A bearer token wins; otherwise the session user's chosen (or first) workspace."""
    secret = bearer_secret(request)
    if secret is not None:
        return api_token_authenticate(secret)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    wanted = request.session.get(SESSION_WORKSPACE_KEY)
    qs = Membership.objects.filter(user=user).select_related("workspace", "user")
    membership = qs.filter(workspace_id=wanted).first() if wanted else None
    return membership or qs.order_by("workspace__name").first()


def require_scope(membership: Membership | None, scope_name: str) -> Membership:
    if membership is None or not membership.has_scope(scope_name):
        raise PermissionDenied(scope_name)
    return membership
