"""Which scope each operation needs, and the caller it then acts for.

Every operation declares its scope in its decorator (`auth=WRITE`), the way an endpoint
declares its HTTP method, so reading a handler tells who may call it. The role is checked
before any parameter is parsed or record looked up: a viewer's write is a 403 whether or not
the record exists, and a permitted caller asking for another workspace's record gets the
scoped lookup's 404.
"""

from dataclasses import dataclass
from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.security.base import AuthBase

from rapport.api.auth import ApiTokenAuth, SessionMembershipAuth
from rapport.tenancy.models import Membership, Workspace
from rapport.tenancy.roles import RECORDS_DELETE, RECORDS_READ, RECORDS_WRITE, SETTINGS_WRITE


@cache
def requires(scope: str) -> list[AuthBase]:
    """Token or session authentication that also demands `scope` of the caller's role."""
    return [ApiTokenAuth(scope), SessionMembershipAuth(scope)]


READ = requires(RECORDS_READ)
WRITE = requires(RECORDS_WRITE)
DELETE = requires(RECORDS_DELETE)
SETTINGS = requires(SETTINGS_WRITE)


@dataclass(frozen=True)
class Caller:
    """Who is calling, in which workspace: what services take as `actor` and `workspace`."""

    membership: Membership

    @property
    def workspace(self) -> Workspace:
        return self.membership.workspace

    @property
    def actor(self) -> AbstractBaseUser:
        return self.membership.user


def caller(request: HttpRequest) -> Caller:
    """The authenticated caller; only valid inside an operation declaring `auth=`."""
    membership: Membership = request.auth  # type: ignore[attr-defined]
    return Caller(membership)
