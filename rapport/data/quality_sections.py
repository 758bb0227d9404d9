"""The data quality dashboard's sections for contacts and companies (one query each)."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from rapport.contacts.models import Company, Contact
from rapport.data.quality import (
    QualitySection,
    QualitySectionResult,
    counted,
    quality_section_register,
)

# Deliberately loose: what the services store is validated already; these catch what came
# in around them (old imports, the admin, raw SQL). They run in the database (both SQLite's
# REGEXP, which Django provides, and PostgreSQL's `~` read them the same).
EMAIL_PATTERN = r"^[^@ ]+@[^@ ]+\.[^@ ]+$"
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
UNTOUCHED_FOR = dt.timedelta(days=365)


def _filled(*fields: str) -> Q:
    return Q(*[~Q(**{f: ""}) for f in fields])


def _untouched() -> tuple[Q, bool]:
    return Q(updated_at__lt=timezone.now() - UNTOUCHED_FOR), False


def contact_completeness() -> QualitySectionResult:
    conditions = {
        label: (_filled(name), True)
        for label, name in [
            ("First name", "first_name"),
            ("Last name", "last_name"),
            ("Email", "email"),
            ("Phone", "phone"),
            ("Job title", "job_title"),
            ("City", "city"),
            ("Country", "country"),
            ("Source", "source"),
        ]
    }
    conditions |= {
        "Company": (Q(primary_company__isnull=False), True),
        "Owner": (Q(owner__isnull=False), True),
        "Untouched for a year": _untouched(),
    }
    return counted("Contacts: completeness", Contact.objects.all(), conditions)


def contact_reachability() -> QualitySectionResult:
    return counted(
        "Contacts: emails and phones",
        Contact.objects.all(),
        {
            "Missing email": (Q(email=""), False),
            "Invalid email": (~Q(email="") & ~Q(email__regex=EMAIL_PATTERN), False),
            "Missing phone": (Q(phone=""), False),
            "Invalid phone (not E.164)": (~Q(phone="") & ~Q(phone__regex=E164_PATTERN), False),
            "Neither email nor phone": (Q(email="", phone=""), False),
        },
    )


def company_completeness() -> QualitySectionResult:
    conditions = {
        label: (_filled(name), True)
        for label, name in [
            ("Domain", "domain"),
            ("Industry", "industry"),
            ("Size", "size_band"),
            ("City", "city"),
            ("Country", "country"),
        ]
    }
    conditions |= {
        "Annual revenue": (Q(annual_revenue__isnull=False), True),
        "Owner": (Q(owner__isnull=False), True),
        "Untouched for a year": _untouched(),
    }
    return counted("Companies: completeness", Company.objects.all(), conditions)


quality_section_register(QualitySection("contacts", "Contacts", 10, contact_completeness))
quality_section_register(
    QualitySection("contact_reach", "Contact emails and phones", 20, contact_reachability)
)
quality_section_register(QualitySection("companies", "Companies", 30, company_completeness))
