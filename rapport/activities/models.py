"""Interactions: notes, calls, logged emails, meetings and tasks.

An activity links to records through one link table per linked model. Contacts and companies
are linked here; a later app (deals, tickets) adds its own link model pointing at `Activity`
and registers a timeline source, without changing this app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.contacts.models import Company, Contact
from rapport.core.models import WorkspaceScopedModel, workspace_key_unindexed


class ActivityKind(models.TextChoices):
    NOTE = "note", "Note"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"
    TASK = "task", "Task"


class Direction(models.TextChoices):
    NONE = "", "—"
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class CallOutcome(models.TextChoices):
    NONE = "", "—"
    CONNECTED = "connected", "Connected"
    LEFT_VOICEMAIL = "left_voicemail", "Left voicemail"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class Activity(WorkspaceScopedModel):
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(help_text="when it happened (for a task: when created)")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # call and email
    direction = models.CharField(max_length=10, choices=Direction.choices, blank=True)
    # call
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices, blank=True)
    # meeting
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    attendees = models.JSONField(default=list, blank=True, help_text="names or emails")
    # task
    due_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    contacts: models.ManyToManyField[Contact, "ActivityContact"] = models.ManyToManyField(
        Contact, through="ActivityContact", related_name="activities"
    )
    companies: models.ManyToManyField[Company, "ActivityCompany"] = models.ManyToManyField(
        Company, through="ActivityCompany", related_name="activities"
    )

    class Meta:
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["workspace", "-occurred_at"], name="activity_recent_idx"),
            models.Index(
                fields=["workspace", "assignee", "due_at"],
                name="activity_open_task_idx",
                condition=Q(kind="task", done_at__isnull=True),
            ),
            # Covering: "no call in the last 90 days" (segments) probes each contact's
            # activities by id for kind and time, answered from the index alone.
            models.Index(fields=["id", "kind", "occurred_at"], name="activity_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open_task(self) -> bool:
        return self.kind == ActivityKind.TASK and self.done_at is None


class ActivityContact(WorkspaceScopedModel):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activity_links")
    # Made only because one of a meeting's attendees is the contact's email, not chosen: the
    # link follows the attendee list (`activities.attendees`). A contact both chosen and an
    # attendee is chosen (False), so dropping the attendee keeps it.
    via_attendee = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "activity"], name="activitycontact_unique")
        ]
        # Covering, for the same probe: a contact's activity ids within the workspace scope.
        indexes = [
            models.Index(fields=["contact", "workspace", "activity"], name="activitycontact_cover")
        ]


class ActivityCompany(WorkspaceScopedModel):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="company_links")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="activity_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "activity"], name="activitycompany_unique")
        ]


class AttendeeEmail(WorkspaceScopedModel):
    """A meeting's attendee typed as an email, lowercased: how a contact given that email later
    finds the meetings listing it through an index, instead of reading every meeting's
    `attendees` (`attendees.attendee_links_for_contacts`)."""

    workspace = workspace_key_unindexed()
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attendee_emails", db_index=False
    )
    email = models.CharField(max_length=254)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "email"], name="attendeeemail_unique")
        ]
        indexes = [models.Index(fields=["workspace", "email"], name="attendeeemail_email_idx")]
