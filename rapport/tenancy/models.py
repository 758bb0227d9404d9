from django.conf import settings
from django.db import models

from rapport.tenancy.roles import ROLE_SCOPES, Role
from rapport.tenancy.time_zones import time_zone_validator


class Workspace(models.Model):
    """A tenant: one company using Rapport. Every customer-data row points here."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    default_region = models.CharField(
        max_length=2, default="US", help_text="ISO 3166 country used to read local phone numbers"
    )
    base_currency = models.CharField(max_length=3, default="USD")
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[time_zone_validator],
        help_text="IANA zone times are shown in by default",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised after every committed change of this workspace's data (tenancy.data_version):
    # pages kept in the cache are keyed by it, so a change makes every kept page unreachable.
    data_version = models.PositiveBigIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    def has_scope(self, scope: str) -> bool:
        return scope in ROLE_SCOPES[self.role]


class UserPreference(models.Model):
    """What a user chose for themselves, in every workspace they belong to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[time_zone_validator],
        help_text="IANA zone; blank: the workspace's",
    )
    last_workspace = models.ForeignKey(
        Workspace,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the workspace last switched to, opened after the next login",
    )

    def __str__(self) -> str:
        return f"{self.user}'s preferences"


class ApiToken(models.Model):
    """A personal API token for one membership. Only a SHA-256 of the secret is stored."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="first characters, to recognise a token")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
