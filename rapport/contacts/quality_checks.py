"""Data-quality checks of contacts and companies, by key: the data-quality dashboard counts
them (`data.quality_sections`) and the lists filter by them (`?quality=<key>`) with the same
condition, so a count's link lists exactly the records counted."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db.models import Q
from django.utils import timezone

from rapport.core.errors import ServiceValidationError

# Deliberately loose: what the services store is validated already; these catch what came
# in around them (old imports, the admin, raw SQL). They run in the database (both SQLite's
# REGEXP, which Django provides, and PostgreSQL's `~` read them the same).
EMAIL_PATTERN = r"^[^@ ]+@[^@ ]+\.[^@ ]+$"
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
UNTOUCHED_FOR = dt.timedelta(days=365)


@dataclass(frozen=True)
class QualityCheck:
    key: str
    label: str
    condition: Callable[[], Q]  # called each time: "untouched for a year" moves with now
    good: bool  # whether meeting it is good (a filled field) or bad (an invalid email)

    @property
    def says(self) -> str:
        """The check as the list's filter reads: "Email: filled", "Missing email"."""
        return f"{self.label}: filled" if self.good else self.label


def _q(**lookup: object) -> Q:
    return Q(**lookup)


def _not_blank(field: str) -> Q:
    return ~Q(**{field: ""})


def _text_filled(label: str, field: str) -> QualityCheck:
    return QualityCheck(f"has_{field}", label, partial(_not_blank, field), True)


def _set(label: str, key: str, field: str) -> QualityCheck:
    return QualityCheck(key, label, partial(_q, **{f"{field}__isnull": False}), True)


def _untouched() -> Q:
    return Q(updated_at__lt=timezone.now() - UNTOUCHED_FOR)


UNTOUCHED = QualityCheck("untouched", "Untouched for a year", _untouched, False)

CONTACT_COMPLETENESS = (
    *(
        _text_filled(label, field)
        for label, field in [
            ("First name", "first_name"),
            ("Last name", "last_name"),
            ("Email", "email"),
            ("Phone", "phone"),
            ("Job title", "job_title"),
            ("City", "city"),
            ("Country", "country"),
            ("Source", "source"),
        ]
    ),
    _set("Company", "has_company", "primary_company"),
    _set("Owner", "has_owner", "owner"),
    UNTOUCHED,
)
CONTACT_REACH = (
    QualityCheck("missing_email", "Missing email", partial(_q, email=""), False),
    QualityCheck(
        "invalid_email",
        "Invalid email",
        lambda: ~Q(email="") & ~Q(email__regex=EMAIL_PATTERN),
        False,
    ),
    QualityCheck("missing_phone", "Missing phone", partial(_q, phone=""), False),
    QualityCheck(
        "invalid_phone",
        "Invalid phone (not E.164)",
        lambda: ~Q(phone="") & ~Q(phone__regex=E164_PATTERN),
        False,
    ),
    QualityCheck("unreachable", "Neither email nor phone", partial(_q, email="", phone=""), False),
)
COMPANY_COMPLETENESS = (
    *(
        _text_filled(label, field)
        for label, field in [
            ("Domain", "domain"),
            ("Industry", "industry"),
            ("Size", "size_band"),
            ("City", "city"),
            ("Country", "country"),
        ]
    ),
    _set("Annual revenue", "has_annual_revenue", "annual_revenue"),
    _set("Owner", "has_owner", "owner"),
    UNTOUCHED,
)
CONTACT_CHECKS = {c.key: c for c in (*CONTACT_COMPLETENESS, *CONTACT_REACH)}
COMPANY_CHECKS = {c.key: c for c in COMPANY_COMPLETENESS}
CHECKS_OF = {"contact": CONTACT_CHECKS, "company": COMPANY_CHECKS}  # by the record's kind


def quality_check(checks: dict[str, QualityCheck], key: str) -> QualityCheck:
    """The check of that key; an unknown one is refused, naming the filter and its keys."""
    check = checks.get(key)
    if check is None:
        raise ServiceValidationError.single(
            "quality", f"'{key}' is not a data-quality check; one of: {', '.join(checks)}"
        )
    return check
