from django.conf import settings
from django.db import models

from rapport.core.models import WorkspaceScopedModel, workspace_key_unindexed


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported personal data"
    ERASE = "erase", "Erased the person"


class AuditEntry(WorkspaceScopedModel):
    """One change to customer data: who, when, through which door, which fields from what to what.

    `changes` maps a field name to `[before, after]` (JSON-safe values). Entries are written in
    the same transaction as the change they record, so neither exists without the other.
    """

    workspace = workspace_key_unindexed()  # both indexes start with it

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    entity = models.CharField(max_length=50, help_text="app_label.model of the changed record")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "entity", "object_id", "-at"], name="audit_record_idx"
            ),
            models.Index(fields=["workspace", "-at"], name="audit_workspace_idx"),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.entity}#{self.object_id}"
