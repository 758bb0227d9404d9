"""The data quality dashboard's duplicates section: open suspected pairs, per kind of record,
and how many of them are near-certain (one aggregate query)."""

from django.db.models import Q
from django.urls import reverse

from rapport.data.quality import (
    QualitySection,
    QualitySectionResult,
    counted,
    quality_section_register,
)
from rapport.dedupe.models import DuplicatePair, PairEntity, PairStatus

NEAR_CERTAIN = 0.95


def suspected_duplicates() -> QualitySectionResult:
    """Each kind's count links to its tab of the queue (the near-certain ones lead it)."""
    queue = reverse("dedupe:queue")
    return counted(
        "Suspected duplicates awaiting review",
        DuplicatePair.objects.filter(status=PairStatus.OPEN),
        {
            "Contact pairs": (Q(entity=PairEntity.CONTACT), False),
            "Company pairs": (Q(entity=PairEntity.COMPANY), False),
            f"Probability ≥ {NEAR_CERTAIN:.0%}": (Q(probability__gte=NEAR_CERTAIN), False),
        },
        unit="pair",
        link=queue,
        links={
            "Contact pairs": f"{queue}?entity={PairEntity.CONTACT}",
            "Company pairs": f"{queue}?entity={PairEntity.COMPANY}",
        },
    )


quality_section_register(
    QualitySection("duplicates", "Suspected duplicates", 40, suspected_duplicates)
)
