"""The data quality dashboard's registry: each section is one aggregate query.

An app joins the dashboard by registering a section (`quality_section_register`): a title
and a function that returns its figures for the current workspace (called inside its
scope). Contacts' and companies' sections are registered by `data.quality_sections`; the
duplicates section belongs to whichever app finds duplicates. Sections compute with one
aggregate query each, never a loop over records, so the page costs the same at a million
rows as at ten.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet


@dataclass(frozen=True)
class QualityFigure:
    label: str
    count: int
    total: int
    good: bool  # whether a high count is good (filled fields) or bad (invalid emails)
    link: str = ""  # the list of exactly the records counted, if there is one

    @property
    def percent(self) -> int:
        """Rounded, except that 100% means every record and 0% none: 3,001 job titles of
        3,011 read 99%, not 100%, and one invalid email of 3,000 reads 1%, not 0%."""
        if not self.total or not self.count:
            return 0
        if self.count == self.total:
            return 100
        return min(max(round(100 * self.count / self.total), 1), 99)


@dataclass(frozen=True)
class QualitySectionResult:
    title: str
    total: int
    figures: list[QualityFigure]
    unit: str = "record"  # what the section counts: "pair" for suspected duplicates
    link: str = ""  # where its records are reviewed, if somewhere


@dataclass(frozen=True)
class QualitySection:
    key: str
    title: str
    order: int
    compute: Callable[[], QualitySectionResult]


_sections: dict[str, QualitySection] = {}


def quality_section_register(section: QualitySection) -> QualitySection:
    _sections[section.key] = section
    return section


def quality_sections() -> list[QualitySection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def quality_report() -> list[QualitySectionResult]:
    return [section.compute() for section in quality_sections()]


def counted(
    title: str,
    qs: QuerySet,
    conditions: dict[str, tuple[Q, bool]],
    *,
    unit: str = "record",
    link: str = "",
    links: dict[str, str] | None = None,
) -> QualitySectionResult:
    """One aggregate over `qs`: its row count and, per label, how many rows meet the
    condition (and whether meeting it is good); `links` gives a label's list of them."""
    aggregates = {f"c{i}": Count("pk", filter=q) for i, (q, _) in enumerate(conditions.values())}
    row = qs.order_by().aggregate(total=Count("pk"), **aggregates)
    total = row["total"]
    figures = [
        QualityFigure(label, row[f"c{i}"], total, good, (links or {}).get(label, ""))
        for i, (label, (_, good)) in enumerate(conditions.items())
    ]
    return QualitySectionResult(title, total, figures, unit, link)
