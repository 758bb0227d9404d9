"""Email campaigns: templates, campaigns, one row per recipient, and what each recipient did.

A recipient row is written for every address a campaign is meant for before the first message
goes out; sending walks those rows, so a crash or a restart resumes where it stopped and the
(campaign, email) constraint is what makes "nobody gets it twice" hold.
"""

import secrets

from django.conf import settings
from django.db import models

from rapport.core.models import WorkspaceScopedModel


def new_token() -> str:
    return secrets.token_urlsafe(18)


class EmailTemplate(WorkspaceScopedModel):
    """Subject and bodies with Jinja merge fields (`{{ contact.first_name or "there" }}`)."""

    name = models.CharField(max_length=120)
    subject = models.CharField(max_length=250)
    body_html = models.TextField(blank=True)
    body_text = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="emailtemplate_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"


class Campaign(WorkspaceScopedModel):
    name = models.CharField(max_length=150)
    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    from_email = models.EmailField(blank=True)
    # Who it goes to: a segment (evaluated when sending starts) or a static list.
    segment = models.ForeignKey(
        "marketing.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    static_list = models.ForeignKey(
        "marketing.StaticList", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    budget = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when an email step of this sequence sends it: one contact at a time as they reach the
    # step, for as long as the sequence runs, so it is reported and stopped with the sequence.
    sequence = models.ForeignKey(
        "sequences.Sequence",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"], name="campaign_ws_status")]

    def __str__(self) -> str:
        return self.name


class RecipientStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    UNCERTAIN = "uncertain", "Not known if sent"


class Recipient(WorkspaceScopedModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="campaign_receipts"
    )
    email = models.CharField(max_length=254)
    status = models.CharField(
        max_length=10, choices=RecipientStatus.choices, default=RecipientStatus.PENDING
    )
    skip_reason = models.CharField(max_length=60, blank=True)
    token = models.CharField(max_length=32, unique=True, default=new_token)
    message_id = models.CharField(max_length=250, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "email"], name="recipient_unique_email")
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="recipient_campaign_status"),
            models.Index(fields=["workspace", "contact"], name="recipient_ws_contact"),
        ]

    def __str__(self) -> str:
        return self.email


class EventKind(models.TextChoices):
    OPEN = "open", "Opened"
    CLICK = "click", "Clicked"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"
    BOUNCE = "bounce", "Bounced"
    SOFT_BOUNCE = "soft_bounce", "Bounced for now"


class TrackingEvent(WorkspaceScopedModel):
    """One thing a recipient did with a campaign message; shown on the contact's timeline."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="events")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="campaign_events"
    )
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    url = models.URLField(max_length=2000, blank=True)
    detail = models.CharField(max_length=250, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "contact", "at"], name="event_ws_contact_at"),
            models.Index(fields=["campaign", "kind"], name="event_campaign_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class SuppressionReason(models.TextChoices):
    BOUNCE = "bounce", "Bounced"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"


class Suppression(WorkspaceScopedModel):
    """An address no campaign of the workspace mails again (hard bounce, unsubscribe)."""

    email = models.CharField(max_length=254)
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    campaign = models.ForeignKey(Campaign, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="suppression_unique_email")
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"
