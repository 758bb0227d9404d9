"""The customer portal's own records: one-time sign-in links and the workspace's settings.

Portal visitors are contacts, not Django users: nothing here touches `auth`.
"""

from django.db import models

from rapport.contacts.models import Contact
from rapport.core.models import WorkspaceScopedModel


class PortalLink(WorkspaceScopedModel):
    """A sign-in link mailed to a contact. Only the SHA-256 of its token is kept, so the
    table cannot be used to sign in; a link works once and for a short while."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "token_hash"], name="portallink_token")
        ]


class PortalSettings(WorkspaceScopedModel):
    """One row per workspace (missing = the defaults)."""

    share_company_tickets = models.BooleanField(
        default=False, help_text="contacts also see the tickets of their primary company"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="portalsettings_one_per_workspace")
        ]
