"""Customer feedback: CSAT after a solved ticket, NPS sent to chosen contacts.

One row per invitation holds its answer too: a survey is one question, answered once
through the unguessable token mailed to the contact.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.contacts.models import Contact
from rapport.core.models import WorkspaceScopedModel
from rapport.service.models import Team, Ticket


class SurveyKind(models.TextChoices):
    CSAT = "csat", "Customer satisfaction (1-5)"
    NPS = "nps", "Net promoter score (0-10)"


SCORE_RANGE = {SurveyKind.CSAT: range(1, 6), SurveyKind.NPS: range(11)}


class SurveyInvite(WorkspaceScopedModel):
    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    # Looked up across workspaces (the public page has no workspace yet), hence globally unique.
    token = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    # CSAT only: the ticket, and who handled it when it was solved (credit stays with them
    # even if the ticket is reassigned afterwards).
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ticket_solved_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    commented_at = models.DateTimeField(null=True, blank=True)
    sentiment = models.FloatField(null=True, blank=True, help_text="VADER compound, -1..1")

    class Meta:
        constraints = [
            # One CSAT survey per solve: a reopened and re-solved ticket gets a new one.
            models.UniqueConstraint(
                fields=["ticket", "ticket_solved_at"],
                condition=Q(kind="csat"),
                name="surveyinvite_one_per_solve",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "kind", "answered_at"], name="survey_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} survey #{self.pk}"

    @property
    def scores(self) -> range:
        return SCORE_RANGE[SurveyKind(self.kind)]
