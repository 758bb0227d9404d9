"""The one place a request becomes a membership, and the scope every query runs in."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest
from django_scopes import scope

from rapport.core.errors import PermissionDenied
from rapport.tenancy.models import Membership, UserPreference, Workspace
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


_MEMBERSHIPS_ATTR = "_rapport_memberships"


def memberships_of(user: Any) -> list[Membership]:
    """The user's memberships, by workspace name.

    The middleware reads them once per request to pick the request's membership and keeps
    them on the request's user object (new each request), so the workspace switcher does
    not ask again.
    """
    cached = getattr(user, _MEMBERSHIPS_ATTR, None)
    if cached is not None:
        return list(cached)
    return list(
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def remember_memberships(user: Any, memberships: list[Membership]) -> None:
    """Keep the user's memberships, just read, on this request's user object."""
    for m in memberships:
        m.user = user
    setattr(user, _MEMBERSHIPS_ATTR, memberships)


def membership_resolve(request: HttpRequest) -> Membership | None:
    """A bearer token wins; otherwise the session user's chosen (or first) workspace.

    One query for a session: all the user's memberships (a handful), the chosen one picked
    here, the rest kept for the workspace switcher; none at all when `backends.MemberBackend`
    loaded the session's user, since it read them with the user in this request.
    """
    secret = bearer_secret(request)
    if secret is not None:
        return api_token_authenticate(secret)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    user = getattr(user, "_wrapped", user)  # the loaded user behind the lazy object
    memberships = getattr(user, _MEMBERSHIPS_ATTR, None)
    if memberships is None:
        memberships = list(
            Membership.objects.filter(user=user)
            .select_related("workspace")
            .order_by("workspace__name")
        )
        remember_memberships(user, memberships)
    wanted = request.session.get(SESSION_WORKSPACE_KEY)
    if wanted:
        for m in memberships:
            if str(m.workspace_id) == str(wanted):
                return m
    return memberships[0] if memberships else None


def workspace_after_login(user: Any) -> int | None:
    """The workspace a login opens: the one the user last switched to
    (`services.user_last_workspace_set`) while they are still a member there; None for
    `membership_resolve`'s fallback, the first by name."""
    last = UserPreference.objects.filter(user=user).values_list("last_workspace", flat=True)
    return (
        Membership.objects.filter(user=user, workspace__in=last)
        .values_list("workspace_id", flat=True)
        .first()
    )


def require_scope(membership: Membership | None, scope_name: str) -> Membership:
    if membership is None or not membership.has_scope(scope_name):
        raise PermissionDenied(scope_name)
    return membership
