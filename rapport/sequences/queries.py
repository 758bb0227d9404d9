"""Reads for the sequence pages and API."""

from django.db.models import Count, Q, QuerySet

from rapport.sequences.models import Enrollment, EnrollmentStatus, Sequence


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
