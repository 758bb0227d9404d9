"""One row per merge: enough to show it on the survivor's timeline and to undo it exactly."""

from django.conf import settings
from django.db import models

from rapport.core.models import WorkspaceScopedModel
from rapport.merge.snapshots import ExactJSONEncoder


class MergeRecord(WorkspaceScopedModel):
    # Plain ids, not foreign keys: the removed record is gone, and either may be merged again
    # later; a merge record is history and must not follow (or vanish with) either of them.
    entity = models.CharField(max_length=50, help_text="contacts.contact or contacts.company")
    survivor_id = models.BigIntegerField()
    removed_id = models.BigIntegerField()
    removed_repr = models.CharField(max_length=200)
    removed_row = models.JSONField(encoder=ExactJSONEncoder, help_text="the deleted row")
    choices = models.JSONField(default=dict, help_text="field -> survivor or other, as applied")
    survivor_before = models.JSONField(
        encoder=ExactJSONEncoder, default=dict, help_text="values the merge replaced"
    )
    survivor_after = models.JSONField(
        encoder=ExactJSONEncoder, default=dict, help_text="the same fields after the merge"
    )
    moved = models.JSONField(
        encoder=ExactJSONEncoder, default=dict, help_text="handler key -> its undo log"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField()
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "entity", "survivor_id", "-merged_at"],
                name="merge_survivor_idx",
            ),
            models.Index(
                fields=["workspace", "entity", "removed_id", "-merged_at"],
                name="merge_removed_idx",
            ),
        ]
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.removed_repr} merged into {self.entity}#{self.survivor_id}"

    @property
    def moved_counts(self) -> dict[str, int]:
        """Rows moved (or folded into a duplicate) per handler."""
        return {
            key: len(log.get("moved", [])) + len(log.get("removed", []))
            for key, log in self.moved.items()
        }
