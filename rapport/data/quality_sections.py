"""The data quality dashboard's sections for contacts and companies (one query each), each
count a link to the list filtered to the records it counts (`contacts.quality_checks`)."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.urls import reverse

from rapport.contacts.models import Company, Contact
from rapport.contacts.quality_checks import (
    COMPANY_COMPLETENESS,
    CONTACT_COMPLETENESS,
    CONTACT_REACH,
    QualityCheck,
)
from rapport.data.quality import (
    QualitySection,
    QualitySectionResult,
    counted,
    quality_section_register,
)


def _counted(
    title: str, records: QuerySet, checks: Iterable[QualityCheck], list_name: str
) -> QualitySectionResult:
    checks = list(checks)
    conditions: dict[str, tuple[Q, bool]] = {c.label: (c.condition(), c.good) for c in checks}
    url = reverse(list_name)
    links = {c.label: f"{url}?quality={c.key}" for c in checks}
    return counted(title, records, conditions, links=links)


def contact_completeness() -> QualitySectionResult:
    return _counted(
        "Contacts: completeness",
        Contact.objects.all(),
        CONTACT_COMPLETENESS,
        "contacts:contact_list",
    )


def contact_reachability() -> QualitySectionResult:
    return _counted(
        "Contacts: emails and phones", Contact.objects.all(), CONTACT_REACH, "contacts:contact_list"
    )


def company_completeness() -> QualitySectionResult:
    return _counted(
        "Companies: completeness",
        Company.objects.all(),
        COMPANY_COMPLETENESS,
        "contacts:company_list",
    )


quality_section_register(QualitySection("contacts", "Contacts", 10, contact_completeness))
quality_section_register(
    QualitySection("contact_reach", "Contact emails and phones", 20, contact_reachability)
)
quality_section_register(QualitySection("companies", "Companies", 30, company_completeness))
