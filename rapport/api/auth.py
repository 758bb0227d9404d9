"""API authentication on top of the membership WorkspaceMiddleware already resolved.

The middleware does the resolving (a bearer token wins over the session) once per request;
these classes only decide whether that resolution may be used by this operation, and describe
the two schemes in the OpenAPI schema. A session must pass Django's CSRF check on unsafe
methods, since a browser sends the cookie on cross-site requests; a bearer token cannot be
sent that way, so token requests skip the check.

Each instance carries the scope its operation needs: ninja runs authentication before it
parses parameters, so a viewer's write is refused (403) before its body is even read, and
no request without a membership (401) learns whether its body was valid.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthorizationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from rapport.core.errors import PermissionDenied
from rapport.tenancy.access import bearer_secret
from rapport.tenancy.models import Membership


def _granted(request: HttpRequest, scope: str) -> Membership | None:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is not None and not membership.has_scope(scope):
        raise PermissionDenied(scope)
    return membership


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer rpt_...`; a revoked or unknown token resolves to no membership."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        return _granted(request, self.scope)


class SessionMembershipAuth(APIKeyCookie):
    """The web UI's session cookie, in the workspace chosen there."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(csrf=True)  # also tells the docs page to send the CSRF token

    def __call__(self, request: HttpRequest) -> Membership | None:
        if bearer_secret(request) is not None:
            # A token was offered and failed: never fall back to a cookie sent alongside it.
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(
                403, "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken."
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        if key is None:
            return None
        membership = _granted(request, self.scope)
        if membership is None:
            raise AuthorizationError(message="You are not a member of any workspace.")
        return membership
