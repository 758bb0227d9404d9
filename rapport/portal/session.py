"""Who is signed in to the portal: a contact, kept in a signed cookie of its own.

The cookie is apart from Django's session (the agents' sign-in): it is never read by the
agent side, and the agent session is never read here. It holds the workspace and contact
ids, is signed with a salt of its own, expires after `MAX_AGE`, and is sent only to the
workspace's portal path.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from rapport.contacts.models import Contact
from rapport.tenancy.models import Workspace

COOKIE = "rapport_portal"
SALT = "rapport.portal.session"
MAX_AGE = 8 * 3600


@dataclass(frozen=True)
class PortalVisitor:
    workspace: Workspace
    contact: Contact | None  # None: not signed in
    share_company: bool

    def signed_in(self) -> Contact:
        """The contact of a page that requires one (the access check has made sure)."""
        if self.contact is None:
            raise PermissionError("no contact is signed in to the portal")
        return self.contact


def _path(workspace: Workspace) -> str:
    return f"/portal/{workspace.slug}/"


def portal_sign_in(response: HttpResponse, *, workspace: Workspace, contact: Contact) -> None:
    response.set_signed_cookie(
        COOKIE,
        f"{workspace.pk}:{contact.pk}",
        salt=SALT,
        max_age=MAX_AGE,
        path=_path(workspace),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def portal_sign_out(response: HttpResponse, *, workspace: Workspace) -> None:
    response.delete_cookie(COOKIE, path=_path(workspace), samesite="Lax")


def signed_in_contact_id(request: HttpRequest, *, workspace: Workspace) -> int | None:
    """The contact id of a valid, unexpired cookie issued for this workspace, else None."""
    try:
        value = request.get_signed_cookie(COOKIE, salt=SALT, max_age=MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None
    workspace_id, _, contact_id = (value or "").partition(":")
    if workspace_id != str(workspace.pk) or not contact_id.isdigit():
        return None
    return int(contact_id)
