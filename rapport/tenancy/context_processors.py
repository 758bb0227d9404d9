from django.http import HttpRequest

from rapport.tenancy.access import memberships_of
from rapport.tenancy.roles import (
    AUDIT_READ,
    PRIVACY_MANAGE,
    RECORDS_EXPORT,
    RECORDS_WRITE,
    SETTINGS_WRITE,
)


def workspace(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "current_workspace": membership.workspace,
        "current_membership": membership,
        "my_memberships": lambda: memberships_of(request.user),
        "can_write": membership.has_scope(RECORDS_WRITE),
        "can_export": membership.has_scope(RECORDS_EXPORT),
        "can_admin": membership.has_scope(SETTINGS_WRITE),
        "can_audit": membership.has_scope(AUDIT_READ),
        "can_privacy": membership.has_scope(PRIVACY_MANAGE),
    }
