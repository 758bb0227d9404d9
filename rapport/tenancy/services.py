"""Writes on workspaces, memberships, users' preferences and API tokens."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import pycountry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.core.errors import ServiceValidationError
from rapport.core.money import currency_clean
from rapport.tenancy.backends import live_token
from rapport.tenancy.data_version import data_changed
from rapport.tenancy.models import ApiToken, Membership, UserPreference, Workspace
from rapport.tenancy.roles import Role
from rapport.tenancy.time_zones import time_zone_clean

TOKEN_PREFIX = "rpt_"
# last_used_at is written at most this often per token, so API reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def workspace_create(
    *,
    name: str,
    owner: Any = None,
    default_region: str = "US",
    base_currency: str = "USD",
    slug: str | None = None,
) -> Workspace:
    name = name.strip()
    if not name:
        raise ServiceValidationError.single("name", "is required")
    region = default_region.strip().upper()
    if pycountry.countries.get(alpha_2=region) is None:
        raise ServiceValidationError.single("default_region", f"'{region}' is not a country code")
    base = slugify(slug or name)[:50] or "workspace"
    candidate, n = base, 1
    while Workspace.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    with transaction.atomic():
        workspace = Workspace.objects.create(
            name=name,
            slug=candidate,
            default_region=region,
            base_currency=currency_clean(base_currency, field="base_currency"),
        )
        if owner is not None:
            Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


def user_create(*, username: str, password: str, email: str = "", **extra: Any) -> Any:
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ServiceValidationError.single("username", f"'{username}' is already taken")
    user = User.objects.create_user(username=username, email=email, password=password, **extra)
    return user


def membership_add(*, workspace: Workspace, user: Any, role: str) -> Membership:
    if role not in Role.values:
        raise ServiceValidationError.single("role", f"must be one of {', '.join(Role.values)}")
    membership, _ = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    data_changed(workspace_id=workspace.pk)  # the owner filter and owner names list members
    return membership


def workspace_time_zone_set(*, workspace: Workspace, actor: Any, time_zone: str) -> Workspace:
    """The zone the workspace's members see times in unless they chose their own (audited)."""
    name = time_zone_clean(time_zone)
    before = workspace.time_zone
    with transaction.atomic():
        Workspace.objects.filter(pk=workspace.pk).update(time_zone=name)
        workspace.time_zone = name
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=workspace,
            changes={"time_zone": [before, name]} if before != name else {},
        )
    return workspace


def user_time_zone_set(*, user: Any, time_zone: str) -> UserPreference:
    """The zone `user` sees times in, in every workspace; "" follows each workspace's. A
    user's own preference, not workspace data: not in any workspace's audit log."""
    name = time_zone_clean(time_zone, blank=True)
    preference, _ = UserPreference.objects.update_or_create(user=user, defaults={"time_zone": name})
    return preference


def user_last_workspace_set(*, user: Any, workspace: Workspace) -> None:
    """Remember the workspace `user` switched to, so that their next login opens it
    (`access.workspace_after_login`). Their own preference, not workspace data: not audited."""
    UserPreference.objects.update_or_create(user=user, defaults={"last_workspace": workspace})


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, membership: Membership, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain secret is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ServiceValidationError.single("name", "is required")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=membership, name=name[:100], prefix=secret[:10], key_hash=_hash(secret)
    )
    return token, secret


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(secret: str) -> Membership | None:
    """The membership a live token stands for, touching its last-used time."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = live_token(_hash(secret))
    if token is None or not token.membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.membership
