"""Reads on survey results: CSAT per agent, team or period, NPS per period, their monthly
trends for the dashboard's charts, and the latest comments with their sentiment.

Only answered surveys count; `since`/`until` bound the answer time (until is exclusive).
Periods are cut in UTC, whatever the database session's time zone.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek

from rapport.feedback.models import SurveyInvite, SurveyKind
from rapport.service.models import Team

CsatGrouping = Literal["agent", "team", "month", "week"]
Period = Literal["month", "week"]
_TRUNC = {"month": TruncMonth, "week": TruncWeek}


@dataclass(frozen=True)
class CsatRow:
    key: Any  # agent id, team id, the period's first day, or None
    label: str
    count: int
    average: float
    satisfied_pct: float  # share of 4s and 5s


@dataclass(frozen=True)
class NpsRow:
    period: dt.date | None
    count: int
    promoters: int
    passives: int
    detractors: int
    nps: float  # % promoters − % detractors, -100..100


def _answered(kind: str, since: dt.datetime | None, until: dt.datetime | None) -> QuerySet:
    qs = SurveyInvite.objects.filter(kind=kind, answered_at__isnull=False)
    if since is not None:
        qs = qs.filter(answered_at__gte=since)
    if until is not None:
        qs = qs.filter(answered_at__lt=until)
    return qs


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _group(qs: QuerySet, by: str | None) -> tuple[QuerySet, str | None]:
    if by is None:
        return qs, None
    if by in _TRUNC:
        return qs.annotate(group=_TRUNC[by]("answered_at", tzinfo=dt.UTC)), "group"
    return qs, f"{by}_id"


def _labels(by: str | None, keys: list[Any]) -> dict[Any, str]:
    if by == "agent":
        users = get_user_model().objects.filter(pk__in=[k for k in keys if k])
        return {u.pk: u.get_full_name() or u.get_username() for u in users}
    if by == "team":
        return dict(Team.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
    return {k: k.date().isoformat() for k in keys if isinstance(k, dt.datetime)}


def csat_summary(
    *,
    by: CsatGrouping | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[CsatRow]:
    """Average score, share satisfied (4-5) and count: overall, or one row per agent (who
    had the ticket when it was solved), team, month or week."""
    if by is not None and by not in ("agent", "team", *_TRUNC):
        raise ValueError(f"cannot group CSAT by {by!r}")
    qs, key = _group(_answered(SurveyKind.CSAT, since, until), by)
    aggregates = {
        "count": Count("id"),
        "average": Avg("score"),
        "satisfied": Count("id", filter=Q(score__gte=4)),
    }
    if key is None:
        rows = [{"key": None, **qs.aggregate(**aggregates)}]
    else:
        grouped = qs.values(key).annotate(**aggregates).order_by(F(key).asc(nulls_last=True))
        rows = [{"key": r[key], **r} for r in grouped]
    rows = [r for r in rows if r["count"]]
    labels = _labels(by, [r["key"] for r in rows])
    empty_label = {"agent": "Unassigned", "team": "No team"}.get(by or "", "All")
    return [
        CsatRow(
            key=r["key"].date() if isinstance(r["key"], dt.datetime) else r["key"],
            label=labels.get(r["key"], empty_label),
            count=r["count"],
            average=round(float(r["average"]), 2),
            satisfied_pct=_pct(r["satisfied"], r["count"]),
        )
        for r in rows
    ]


def nps_summary(
    *,
    period: Period | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[NpsRow]:
    """Promoters (9-10), passives (7-8), detractors (0-6) and the NPS, overall or per month
    or week."""
    if period is not None and period not in _TRUNC:
        raise ValueError(f"cannot group NPS by {period!r}")
    qs, key = _group(_answered(SurveyKind.NPS, since, until), period)
    aggregates = {
        "count": Count("id"),
        "promoters": Count("id", filter=Q(score__gte=9)),
        "detractors": Count("id", filter=Q(score__lte=6)),
    }
    if key is None:
        rows = [{"group": None, **qs.aggregate(**aggregates)}]
    else:
        rows = list(qs.values(key).annotate(**aggregates).order_by(key))
    return [
        NpsRow(
            period=r["group"].date() if r["group"] else None,
            count=r["count"],
            promoters=r["promoters"],
            passives=r["count"] - r["promoters"] - r["detractors"],
            detractors=r["detractors"],
            nps=round(100 * (r["promoters"] - r["detractors"]) / r["count"], 1),
        )
        for r in rows
        if r["count"]
    ]


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of each calendar month that [start, end) touches."""
    months: list[dt.date] = []
    month = start.replace(day=1)
    while month < end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


@dataclass(frozen=True)
class CsatMonth:
    month: dt.date  # its first day
    count: int
    average: float | None  # None in a month with no answers
    satisfied_pct: float | None


@dataclass(frozen=True)
class NpsMonth:
    month: dt.date
    count: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None


def csat_trend(*, start: dt.date, end: dt.date) -> list[CsatMonth]:
    """CSAT per month from the month of `start` up to `end` (exclusive), in one grouped
    query. A month without answers is kept, empty, so a chart shows the gap rather than
    joining its neighbours as if they were adjacent."""
    months = month_starts(start, end)
    if not months:
        return []
    found = {r.key: r for r in csat_summary(by="month", since=_utc(months[0]), until=_utc(end))}
    return [
        CsatMonth(m, r.count, r.average, r.satisfied_pct)
        if (r := found.get(m))
        else CsatMonth(m, 0, None, None)
        for m in months
    ]


def nps_trend(*, start: dt.date, end: dt.date) -> list[NpsMonth]:
    """NPS with its promoters, passives and detractors per month, like `csat_trend`."""
    months = month_starts(start, end)
    if not months:
        return []
    found = {
        r.period: r for r in nps_summary(period="month", since=_utc(months[0]), until=_utc(end))
    }
    return [
        NpsMonth(m, r.count, r.promoters, r.passives, r.detractors, r.nps)
        if (r := found.get(m))
        else NpsMonth(m, 0, 0, 0, 0, None)
        for m in months
    ]


# VADER's own cut-offs for its compound score.
POSITIVE, NEGATIVE = 0.05, -0.05
SENTIMENTS = ["positive", "neutral", "negative"]


def sentiment_label(score: float | None) -> str:
    if score is None:
        return ""
    return "positive" if score >= POSITIVE else "negative" if score <= NEGATIVE else "neutral"


@dataclass(frozen=True)
class CommentRow:
    survey: SurveyInvite
    sentiment: str  # positive, neutral or negative


def survey_comments(
    *,
    since: dt.datetime | None = None,
    sentiment: str = "",
    limit: int = 20,
) -> list[CommentRow]:
    """What customers wrote in surveys (CSAT and NPS), newest first, with who it was about;
    `sentiment` keeps only positive, neutral or negative ones."""
    qs = SurveyInvite.objects.exclude(comment="").select_related("contact", "ticket", "agent")
    if since is not None:
        qs = qs.filter(commented_at__gte=since)
    if sentiment == "positive":
        qs = qs.filter(sentiment__gte=POSITIVE)
    elif sentiment == "negative":
        qs = qs.filter(sentiment__lte=NEGATIVE)
    elif sentiment == "neutral":
        qs = qs.filter(sentiment__gt=NEGATIVE, sentiment__lt=POSITIVE)
    elif sentiment:  # not one of SENTIMENTS
        raise ValueError(f"no sentiment {sentiment!r}")
    rows = qs.order_by("-commented_at", "-id")[:limit]
    return [CommentRow(survey=r, sentiment=sentiment_label(r.sentiment)) for r in rows]
