"""Nurture sequences: multi-step drips a contact enters, walks through and leaves."""

from django.db import models

from rapport.contacts.models import LifecycleStage
from rapport.core.models import WorkspaceScopedModel


class SequenceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"


class Sequence(WorkspaceScopedModel):
    name = models.CharField(max_length=150)
    status = models.CharField(
        max_length=10, choices=SequenceStatus.choices, default=SequenceStatus.DRAFT
    )
    steps = models.JSONField(default=list, help_text="validated by sequences.steps")
    from_email = models.EmailField(blank=True)
    # Entry by event: a contact reaching this lifecycle stage enters (blank: by hand only).
    enter_on_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, blank=True)
    # Entry by segment: its members enter, and whoever joins it later at the next sweep.
    enter_segment = models.ForeignKey(
        "marketing.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Entry by event: a contact joining this static list enters (a web form's confirmed
    # sign-up, say). Deleting the list is refused while a sequence is entered by it (RESTRICT,
    # not PROTECT, so deleting a whole workspace still takes both).
    enter_list = models.ForeignKey(
        "marketing.StaticList", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    # Goals: reaching this stage, or replying, takes the contact out.
    exit_on_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, blank=True)
    exit_on_reply = models.BooleanField(default=True)
    # One campaign per email step carries the sends and their tracking: {"<step>": campaign id}.
    step_campaigns = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="sequence_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "In the sequence"
    COMPLETED = "completed", "Completed"
    EXITED = "exited", "Left on a goal"
    REMOVED = "removed", "Removed"


class Enrollment(WorkspaceScopedModel):
    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="sequence_enrollments"
    )
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    step = models.PositiveIntegerField(default=0, help_text="0-based index of the next step")
    next_run_at = models.DateTimeField(db_index=True)
    last_recipient = models.ForeignKey(
        "campaigns.Recipient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exit_reason = models.CharField(max_length=100, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sequence", "contact"], name="enrollment_unique")
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "next_run_at"], name="enrollment_due")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.sequence_id}"
