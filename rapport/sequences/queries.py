"""Reads for the sequence pages and API."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from rapport.campaigns.queries import campaign_list_with_counts
from rapport.sequences.models import Enrollment, EnrollmentStatus, Sequence
from rapport.sequences.steps import EmailStep, steps_parse


def sequence_list() -> QuerySet[Sequence]:
    return Sequence.objects.annotate(
        active=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE)),
        finished=Count("enrollments", filter=~Q(enrollments__status=EnrollmentStatus.ACTIVE)),
    )


def sequence_get(*, sequence_id: int) -> Sequence:
    return Sequence.objects.get(pk=sequence_id)


def enrollment_list(*, sequence: Sequence) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(sequence=sequence)
        .select_related("contact")
        .order_by("-created_at", "-id")
    )


def enrollment_get(*, enrollment_id: int) -> Enrollment:
    return Enrollment.objects.select_related("sequence", "contact").get(pk=enrollment_id)


def enrollment_counts(*, sequence: Sequence) -> dict[str, int]:
    """How many enrollments are in each status (every status named, zero included)."""
    counted = dict(
        Enrollment.objects.filter(sequence=sequence)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return {status: counted.get(status, 0) for status in EnrollmentStatus.values}


@dataclass(frozen=True)
class StepFigures:
    """What one step has done so far. `here` counts the contacts in the sequence whose last
    step run is this one: on a wait step, those waiting on it."""

    here: int = 0
    campaign_id: int | None = None
    sent: int = 0
    opened: int = 0
    clicked: int = 0


def step_figures(*, sequence: Sequence) -> list[StepFigures]:
    """One entry per step, in order. An email step's sends and tracking are its campaign's
    (the same counts as the campaigns list: recipients, not events)."""
    steps = steps_parse(sequence.steps)
    here = dict(
        Enrollment.objects.filter(sequence=sequence, status=EnrollmentStatus.ACTIVE)
        .order_by()
        .values_list("step")
        .annotate(n=Count("id"))
    )
    campaign_ids = {
        index: sequence.step_campaigns.get(str(index))
        for index, step in enumerate(steps)
        if isinstance(step, EmailStep)
    }
    counted = campaign_list_with_counts().filter(pk__in=[pk for pk in campaign_ids.values() if pk])
    fields = ("pk", "sent", "opened", "clicked")  # the last three are annotations
    counts = {row["pk"]: row for row in counted.values(*fields)}
    figures = []
    for index in range(len(steps)):
        campaign_id = campaign_ids.get(index)
        sends = counts.get(campaign_id, {})
        figures.append(
            StepFigures(
                here=here.get(index + 1, 0),
                campaign_id=campaign_id,
                sent=sends.get("sent", 0),
                opened=sends.get("opened", 0),
                clicked=sends.get("clicked", 0),
            )
        )
    return figures
