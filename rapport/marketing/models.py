"""Segments (saved conditions), static lists (hand-picked contacts) and consent history."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.core.models import WorkspaceScopedModel


class Segment(WorkspaceScopedModel):
    """A dynamic group of contacts: `definition` is a validated condition tree
    (`marketing.definition`), evaluated as one query whenever members are asked for."""

    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    definition = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "name"], name="segment_name_idx")]

    def __str__(self) -> str:
        return self.name


class StaticList(WorkspaceScopedModel):
    """Contacts added and removed by hand; membership never changes by itself."""

    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "name"], name="staticlist_name_idx")]

    def __str__(self) -> str:
        return self.name


class StaticListMember(WorkspaceScopedModel):
    static_list = models.ForeignKey(StaticList, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="list_memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["static_list", "contact"], name="listmember_unique")
        ]
        indexes = [models.Index(fields=["workspace", "contact"], name="listmember_contact_idx")]


class ConsentPurpose(models.TextChoices):
    EMAIL_MARKETING = "email_marketing", "Email marketing"
    NEWSLETTER = "newsletter", "Newsletter"
    SMS = "sms", "SMS marketing"
    PHONE = "phone", "Phone marketing"


# Purposes that reach the contact by email: a contact marked "do not email" refuses them all.
EMAIL_PURPOSES = frozenset({ConsentPurpose.EMAIL_MARKETING, ConsentPurpose.NEWSLETTER})


class ConsentStatus(models.TextChoices):
    OPTED_IN = "opted_in", "Opted in"
    OPTED_OUT = "opted_out", "Opted out"
    UNKNOWN = "unknown", "Unknown"


class ConsentEvent(WorkspaceScopedModel):
    """One statement of consent, never changed or deleted: the history a DPO asks for.

    The current status for a purpose is the latest event (by `at`, then id); no event means
    unknown. Keeping only events (no "current" row to keep in step) is also what lets a merge
    simply move the history: the most recent wish of either record wins.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_events")
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    status = models.CharField(max_length=10, choices=ConsentStatus.choices)
    source = models.CharField(max_length=100, help_text="where it was given: form, import, call…")
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(help_text="when the contact gave or withdrew it")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["workspace", "contact", "purpose", "-at", "-id"], name="consent_latest_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.get_status_display()}"


class SubscriptionRequest(WorkspaceScopedModel):
    """Someone asked, through a web form, to join a static list: the evidence of that request.

    Nothing is added to the list until the address confirms (double opt-in). The row stays
    after confirmation as the record a DPO asks for: what was asked, from where (IP, browser),
    when, and when it was confirmed. The link in the mail is signed over this row's id, its
    workspace and its list (`marketing.optin`), so it cannot be forged or pointed elsewhere.
    """

    static_list = models.ForeignKey(
        StaticList, on_delete=models.CASCADE, related_name="subscription_requests"
    )
    web_form = models.ForeignKey(
        "sales.WebForm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    form_name = models.CharField(max_length=100, help_text="kept if the form is deleted")
    email = models.CharField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    double_opt_in = models.BooleanField(default=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    confirmed_ip_address = models.GenericIPAddressField(null=True, blank=True)
    confirmed_user_agent = models.CharField(max_length=300, blank=True)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(
                fields=["workspace", "static_list", "email"], name="subscription_request_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.static_list_id}"

    @property
    def is_expired(self) -> bool:
        return self.confirmed_at is None and timezone.now() > self.expires_at
