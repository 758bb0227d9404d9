"""A suspected duplicate: two contacts (or two companies) and how likely they are one."""

from django.db import models

from rapport.core.models import WorkspaceScopedModel


class PairStatus(models.TextChoices):
    OPEN = "open", "Open"
    NOT_DUPLICATE = "not_duplicate", "Not a duplicate"
    MERGED = "merged", "Merged"


class PairEntity(models.TextChoices):
    CONTACT = "contact", "Contacts"
    COMPANY = "company", "Companies"


class DuplicatePair(WorkspaceScopedModel):
    # Plain ids, low first: a merge deletes one record, and the pair stays as the memory of
    # the decision ("not a duplicate" must survive later detection runs).
    entity = models.CharField(max_length=10, choices=PairEntity.choices)
    a_id = models.BigIntegerField(help_text="the lower record id")
    b_id = models.BigIntegerField(help_text="the higher record id")
    probability = models.FloatField()
    # log₂ odds of a match: the queue's order, still telling apart pairs whose probability
    # rounds to 1 (a shared email, phone and name outweighs a shared email alone).
    match_weight = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=15, choices=PairStatus.choices, default=PairStatus.OPEN)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "entity", "a_id", "b_id"], name="duplicatepair_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(a_id__lt=models.F("b_id")), name="duplicatepair_ordered"
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "status", "-match_weight", "id"],
                name="duplicatepair_weight_queue_idx",
            ),
            models.Index(fields=["workspace", "entity", "b_id"], name="duplicatepair_b_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.a_id}~{self.b_id} ({self.probability:.2f})"
