"""Roles and the scopes each one grants. Views and API handlers ask for a scope, not a role."""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


RECORDS_READ = "records:read"
RECORDS_WRITE = "records:write"
RECORDS_DELETE = "records:delete"
# Taking records out in bulk (CSV, XLSX, vCard): members and above, not viewers, who read
# records one page at a time but may not carry the whole book away.
RECORDS_EXPORT = "records:export"
SETTINGS_WRITE = "settings:write"
AUDIT_READ = "audit:read"
MEMBERS_MANAGE = "members:manage"
# Handing a person everything held about them (a data protection officer's task): admins.
PRIVACY_MANAGE = "privacy:manage"

_READ = {RECORDS_READ}
_WRITE = _READ | {RECORDS_WRITE, RECORDS_EXPORT}
_MANAGE = _WRITE | {RECORDS_DELETE}
_ADMIN = _MANAGE | {SETTINGS_WRITE, AUDIT_READ, MEMBERS_MANAGE, PRIVACY_MANAGE}

ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset(_READ),
    Role.MEMBER: frozenset(_WRITE),
    Role.MANAGER: frozenset(_MANAGE),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(_ADMIN),
}
