"""Customer service: tickets and their conversation, teams, business calendars and SLAs."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.contacts.models import Company, Contact, Tag
from rapport.core.models import WorkspaceScopedModel


class BusinessCalendar(WorkspaceScopedModel):
    """Opening hours for SLA clocks. `weekly_hours` maps "mon".."sun" to ["09:00-17:00", ...]."""

    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="UTC")
    weekly_hours = models.JSONField(default=dict)
    country = models.CharField(max_length=2, blank=True, help_text="public holidays of")
    subdivision = models.CharField(max_length=10, blank=True)
    closed_days = models.JSONField(default=list, blank=True, help_text="extra YYYY-MM-DD")

    def __str__(self) -> str:
        return self.name


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class SlaPolicy(WorkspaceScopedModel):
    """Targets in business minutes per priority, for one customer tier ("" = everyone else).

    `targets` maps a priority to {"first_response": minutes, "resolution": minutes}.
    """

    name = models.CharField(max_length=100)
    tier = models.CharField(max_length=50, blank=True)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    targets = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "tier"], name="slapolicy_one_per_tier")
        ]

    def __str__(self) -> str:
        return self.name


class AssignmentMethod(models.TextChoices):
    MANUAL = "manual", "Manual"
    ROUND_ROBIN = "round_robin", "Round robin"
    LEAST_LOADED = "least_loaded", "Least loaded"


class Team(WorkspaceScopedModel):
    name = models.CharField(max_length=100)
    assignment = models.CharField(
        max_length=20, choices=AssignmentMethod.choices, default=AssignmentMethod.ROUND_ROBIN
    )

    def __str__(self) -> str:
        return self.name


class TeamMember(WorkspaceScopedModel):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    away = models.BooleanField(default=False)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="teammember_unique")]


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (on customer)"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


class TicketType(models.TextChoices):
    QUESTION = "question", "Question"
    INCIDENT = "incident", "Incident"
    PROBLEM = "problem", "Problem"
    COMPLAINT = "complaint", "Complaint"
    REQUEST = "request", "Request"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone"
    WEB_FORM = "web_form", "Web form"
    API = "api", "API"


class Ticket(WorkspaceScopedModel):
    """A request and its conversation. Beside these fields the table has `search_words`, the
    words of the subject and every message, kept by the database (migration 0008,
    `service.search`)."""

    number = models.PositiveIntegerField(help_text="per workspace, shown as #1042")
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default="new")
    priority = models.CharField(max_length=10, choices=Priority.choices, default="normal")
    ticket_type = models.CharField(max_length=10, choices=TicketType.choices, default="question")
    channel = models.CharField(max_length=10, choices=Channel.choices, default="email")
    requester = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    tags: models.ManyToManyField[Tag, Any] = models.ManyToManyField(
        Tag, blank=True, related_name="tickets"
    )
    # SLA clocks. Due times are recomputed on every status change; pending time is paused.
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    pending_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0, help_text="business time pending")
    sla_breached_at = models.DateTimeField(
        null=True, blank=True, help_text="set by the SLA sweep when a clock first ran out"
    )
    reopened_count = models.PositiveIntegerField(default=0)
    # Complaint management.
    product = models.ForeignKey(
        "sales.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    root_cause = models.CharField(max_length=100, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="ticket_unique_number")
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-updated_at"], name="ticket_status_idx"),
            models.Index(fields=["workspace", "-updated_at", "-id"], name="ticket_updated_idx"),
            models.Index(fields=["workspace", "assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["workspace", "team", "status"], name="ticket_team_idx"),
            models.Index(
                fields=["workspace", "resolution_due_at"],
                name="ticket_open_due_idx",
                condition=~Q(status__in=["solved", "closed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class MessageKind(models.TextChoices):
    PUBLIC = "public", "Public reply"
    INTERNAL = "internal", "Internal note"


class TicketMessage(WorkspaceScopedModel):
    """One entry of a ticket's conversation, from an agent (author) or the customer (contact)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default="public")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    message_id = models.CharField(max_length=255, blank=True, help_text="email Message-ID")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["workspace", "message_id"], name="message_mid_idx")]


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Sending"
    SENT = "sent", "Emailed"
    FAILED = "failed", "Not sent yet"
    NO_ADDRESS = "no_address", "Not emailed: the requester has no address"


class ReplyDelivery(WorkspaceScopedModel):
    """The mailing of an agent's public reply to the requester. It is tried by a background
    task once the reply is committed and retried by a sweep while the mail server refuses, so
    an outage delays a reply (and says so on the ticket) instead of failing the agent's request
    or tempting a second send. Its own table: the message table keeps its search triggers."""

    message = models.OneToOneField(TicketMessage, on_delete=models.CASCADE, related_name="delivery")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "state"], name="delivery_state_idx")]


class Mailbox(WorkspaceScopedModel):
    """An inbound address: mail to it becomes tickets of its workspace."""

    address = models.CharField(max_length=254, unique=True)
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.address


class TicketAttachment(WorkspaceScopedModel):
    """A file on a ticket, kept through Django's storage API and served only after a check."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()


class SlaEventKind(models.TextChoices):
    POLICY_APPLIED = "policy_applied", "Policy applied"
    STARTED = "started", "Clock started"
    PAUSED = "paused", "Paused (pending on customer)"
    RESUMED = "resumed", "Resumed"
    AT_RISK = "at_risk", "Near breach"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"


class SlaClock(models.TextChoices):
    BOTH = "", "Both clocks"
    FIRST_RESPONSE = "first_response", "First response"
    RESOLUTION = "resolution", "Resolution"


# Outcomes a clock reaches once: a second sweep or a retried write must not repeat them.
ONCE_PER_CLOCK = [SlaEventKind.AT_RISK, SlaEventKind.BREACHED, SlaEventKind.MET]


class SlaEvent(WorkspaceScopedModel):
    """One step of a ticket's SLA clocks, with the business-time figures as they stood then.

    Business figures are seconds of open time on the policy's calendar: `elapsed` is what the
    resolution clock has run (pending time excluded), `remaining` what is left until the due
    time of `clock` (negative once past it), `paused` the pending time so far.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_events")
    kind = models.CharField(max_length=20, choices=SlaEventKind.choices)
    clock = models.CharField(max_length=20, choices=SlaClock.choices, blank=True)
    occurred_at = models.DateTimeField()
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    business_elapsed_seconds = models.IntegerField(default=0)
    business_remaining_seconds = models.IntegerField(null=True, blank=True)
    business_paused_seconds = models.IntegerField(default=0)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "ticket", "kind", "clock"],
                condition=Q(kind__in=ONCE_PER_CLOCK),
                name="slaevent_once_per_clock",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "ticket", "occurred_at"], name="slaevent_ticket_idx")
        ]
