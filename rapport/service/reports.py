"""Service figures: KPIs over a period and the complaint report that feeds improvement."""

import datetime as dt
from dataclasses import dataclass, field
from statistics import median

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from rapport.feedback.queries import CsatMonth, NpsMonth, csat_trend, nps_trend
from rapport.service.models import Priority, Ticket, TicketStatus, TicketType
from rapport.service.services import OPEN_STATUSES

# Solved with no breach and, where a resolution target was set, before it.
ON_TIME = Q(sla_breached_at__isnull=True) & (
    Q(resolution_due_at__isnull=True) | Q(solved_at__lte=F("resolution_due_at"))
)
_ON_TIME = ExpressionWrapper(ON_TIME, output_field=BooleanField())


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC),
        dt.datetime.combine(end, dt.time.min, tzinfo=dt.UTC),
    )


def _hours(deltas: list[dt.timedelta]) -> float | None:
    return round(median(d.total_seconds() for d in deltas) / 3600, 2) if deltas else None


@dataclass
class ServiceKpis:
    created: int
    solved: int
    median_first_response_hours: float | None
    median_resolution_hours: float | None
    sla_compliance: float | None  # share of tickets solved in the period with no breach
    reopen_rate: float | None
    backlog: int
    backlog_median_age_hours: float | None


def service_kpis(
    *, start: dt.date, end: dt.date, now: dt.datetime | None = None, team_id: int | None = None
) -> ServiceKpis:
    """Figures are medians (one stuck ticket should not hide how most customers are served)."""
    now = now or timezone.now()
    lo, hi = _bounds(start, end)
    tickets = Ticket.objects.all() if team_id is None else Ticket.objects.filter(team_id=team_id)
    created = tickets.filter(created_at__gte=lo, created_at__lt=hi)
    solved = tickets.filter(solved_at__gte=lo, solved_at__lt=hi)
    first = [
        r - c
        for c, r in created.filter(first_responded_at__isnull=False).values_list(
            "created_at", "first_responded_at"
        )
    ]
    resolution = [s - c for c, s in solved.values_list("created_at", "solved_at")]
    counts = solved.aggregate(
        n=Count("id"),
        on_time=Count("id", filter=ON_TIME),
        reopened=Count("id", filter=Q(reopened_count__gt=0)),
    )
    backlog = list(tickets.filter(status__in=OPEN_STATUSES).values_list("created_at", flat=True))
    n = counts["n"]
    return ServiceKpis(
        created=created.count(),
        solved=n,
        median_first_response_hours=_hours(first),
        median_resolution_hours=_hours(resolution),
        sla_compliance=counts["on_time"] / n if n else None,
        reopen_rate=counts["reopened"] / n if n else None,
        backlog=len(backlog),
        backlog_median_age_hours=_hours([now - c for c in backlog]),
    )


@dataclass
class TrendPoint:
    bucket: dt.date  # the first day of the day, week (Monday) or month
    created: int = 0
    solved: int = 0
    solved_on_time: int = 0
    solved_reopened: int = 0
    first_responses: list[dt.timedelta] = field(default_factory=list)
    resolutions: list[dt.timedelta] = field(default_factory=list)

    @property
    def sla_compliance(self) -> float | None:
        return self.solved_on_time / self.solved if self.solved else None

    @property
    def reopen_rate(self) -> float | None:
        return self.solved_reopened / self.solved if self.solved else None

    @property
    def median_first_response_hours(self) -> float | None:
        return _hours(self.first_responses)

    @property
    def median_resolution_hours(self) -> float | None:
        return _hours(self.resolutions)


def bucket_of(day: dt.date, size: str) -> dt.date:
    if size == "week":
        return day - dt.timedelta(days=day.weekday())
    if size == "month":
        return day.replace(day=1)
    return day


def _buckets(start: dt.date, end: dt.date, size: str) -> list[dt.date]:
    out: list[dt.date] = []
    day = bucket_of(start, size)
    while day < end:
        out.append(day)
        day = (
            (day + dt.timedelta(days=32)).replace(day=1)
            if size == "month"
            else day + dt.timedelta(days=7 if size == "week" else 1)
        )
    return out


def service_trend(
    *, start: dt.date, end: dt.date, size: str = "week", team_id: int | None = None
) -> list[TrendPoint]:
    """The KPIs per day, week or month of [start, end), for the dashboard's charts: opened
    and solved, SLA compliance, reopen rate and median times, each counted in the bucket where
    it happened (a first response in the bucket the ticket was opened, a resolution where it
    was solved)."""
    if size not in ("day", "week", "month"):
        raise ValueError("size must be day, week or month")
    lo, hi = _bounds(start, end)
    tickets = Ticket.objects.all() if team_id is None else Ticket.objects.filter(team_id=team_id)
    points = {b: TrendPoint(b) for b in _buckets(start, end, size)}

    def point(moment: dt.datetime) -> TrendPoint:
        return points[bucket_of(moment.astimezone(dt.UTC).date(), size)]

    for created, responded in tickets.filter(created_at__gte=lo, created_at__lt=hi).values_list(
        "created_at", "first_responded_at"
    ):
        p = point(created)
        p.created += 1
        if responded is not None:
            p.first_responses.append(responded - created)
    for created, solved, on_time, reopened in (
        tickets.filter(solved_at__gte=lo, solved_at__lt=hi)
        .annotate(on_time=_ON_TIME)
        .values_list("created_at", "solved_at", "on_time", "reopened_count")
    ):
        p = point(solved)
        p.solved += 1
        p.solved_on_time += bool(on_time)
        p.solved_reopened += reopened > 0
        p.resolutions.append(solved - created)
    return [points[b] for b in sorted(points)]


# Age buckets of the backlog: (label, from, to) in days, `from` inclusive, `to` exclusive, so a
# ticket exactly one day old is in "1–3 days".
AGE_BUCKETS: list[tuple[str, int, int | None]] = [
    ("< 1 day", 0, 1),
    ("1–3 days", 1, 3),
    ("3–7 days", 3, 7),
    ("7–30 days", 7, 30),
    ("30 days +", 30, None),
]
# Most pressing first: the order of the table's columns and the chart's stack.
PRIORITIES = [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]


@dataclass
class BacklogAge:
    buckets: list[str]
    priorities: list[tuple[str, str]]  # (value, label)
    counts: dict[str, list[int]]  # per priority, a count per bucket

    @property
    def rows(self) -> list[tuple[str, list[int], int]]:
        """Per bucket: its label, its count per priority, and their total (the table)."""
        out = []
        for i, label in enumerate(self.buckets):
            cells = [self.counts[p][i] for p, _ in self.priorities]
            out.append((label, cells, sum(cells)))
        return out

    @property
    def total(self) -> int:
        return sum(sum(c) for c in self.counts.values())


def backlog_by_age(*, now: dt.datetime | None = None, team_id: int | None = None) -> BacklogAge:
    """Unsolved tickets (new, open, pending, on hold) by how long ago they were opened and by
    priority: one grouped query counting each bucket with a filter, so the cost does not grow
    with the backlog in Python. A ticket stamped after `now` (clock skew) counts as new."""
    now = now or timezone.now()
    buckets = {}
    for i, (_, lo, hi) in enumerate(AGE_BUCKETS):
        in_bucket = Q(created_at__lte=now - dt.timedelta(days=lo)) if lo else Q()
        if hi is not None:
            in_bucket &= Q(created_at__gt=now - dt.timedelta(days=hi))
        buckets[f"age_{i}"] = Count("id", filter=in_bucket)
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    if team_id is not None:
        tickets = tickets.filter(team_id=team_id)
    found = {
        r["priority"]: [r[f"age_{i}"] for i in range(len(AGE_BUCKETS))]
        for r in tickets.order_by().values("priority").annotate(**buckets)
    }
    return BacklogAge(
        buckets=[label for label, _, _ in AGE_BUCKETS],
        priorities=[(p.value, p.label) for p in PRIORITIES],
        counts={p.value: found.get(p.value, [0] * len(AGE_BUCKETS)) for p in PRIORITIES},
    )


def complaint_report(*, start: dt.date, end: dt.date) -> list[dict[str, object]]:
    """Complaints per month, root cause and product, with their average time to resolve."""
    lo, hi = _bounds(start, end)
    rows = (
        Ticket.objects.filter(
            ticket_type=TicketType.COMPLAINT, created_at__gte=lo, created_at__lt=hi
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month", "root_cause", "product__name")
        .annotate(
            complaints=Count("id"),
            resolved=Count("id", filter=Q(status__in=[TicketStatus.SOLVED, TicketStatus.CLOSED])),
            avg_resolve=Avg(F("solved_at") - F("created_at"), filter=Q(solved_at__isnull=False)),
        )
        .order_by("month", "-complaints", "root_cause")
    )
    return [
        {
            "month": r["month"].date().isoformat()[:7]
            if isinstance(r["month"], dt.datetime)
            else str(r["month"])[:7],
            "root_cause": r["root_cause"] or "(not set)",
            "product": r["product__name"] or "(none)",
            "complaints": r["complaints"],
            "resolved": r["resolved"],
            "avg_hours_to_resolve": round(_seconds(r["avg_resolve"]) / 3600, 1)
            if r["avg_resolve"] is not None
            else None,
        }
        for r in rows
    ]


def complaint_totals(rows: list[dict[str, object]], by: str) -> list[dict[str, object]]:
    """The report's rows summed per root cause or per product, most complaints first. A
    group's average time to resolve is its rows' averages weighted by what each resolved,
    which is the average over the group's resolved complaints."""
    groups: dict[str, dict[str, float]] = {}
    for row in rows:
        g = groups.setdefault(
            str(row[by]), {"complaints": 0, "resolved": 0, "timed": 0, "hours": 0.0}
        )
        resolved = int(row["resolved"])  # type: ignore[call-overload]
        g["complaints"] += int(row["complaints"])  # type: ignore[call-overload]
        g["resolved"] += resolved
        if row["avg_hours_to_resolve"] is not None:
            g["timed"] += resolved
            g["hours"] += float(row["avg_hours_to_resolve"]) * resolved  # type: ignore[arg-type]
    return [
        {
            "name": name,
            "complaints": int(g["complaints"]),
            "resolved": int(g["resolved"]),
            "avg_hours_to_resolve": round(g["hours"] / g["timed"], 1) if g["timed"] else None,
        }
        for name, g in sorted(groups.items(), key=lambda kv: (-kv[1]["complaints"], kv[0]))
    ]


def _seconds(value: object) -> float:
    """Avg of a duration is a timedelta on PostgreSQL and microseconds on SQLite."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # type: ignore[arg-type]


# The monthly charts look back a year whatever the dashboard's period: a month is too coarse
# for a week, and a satisfaction trend means little over fewer months.
TREND_MONTHS = 12


@dataclass
class MonthlyTrends:
    months: int
    csat: list[CsatMonth]
    nps: list[NpsMonth]
    backlog: BacklogAge


def monthly_trends(*, now: dt.datetime | None = None) -> MonthlyTrends:
    """CSAT and NPS for each of the last TREND_MONTHS calendar months (UTC, this one so far
    included) and the backlog by age now."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    back = today.year * 12 + today.month - TREND_MONTHS  # months since year 0, 0-based
    start = dt.date(back // 12, back % 12 + 1, 1)
    end = today + dt.timedelta(days=1)
    return MonthlyTrends(
        months=TREND_MONTHS,
        csat=csat_trend(start=start, end=end),
        nps=nps_trend(start=start, end=end),
        backlog=backlog_by_age(now=now),
    )


def _monthly_series(trends: MonthlyTrends) -> dict[str, object]:
    return {
        "csat": {
            "labels": [m.month.isoformat()[:7] for m in trends.csat],
            "average": [m.average for m in trends.csat],
            "answers": [m.count for m in trends.csat],
        },
        "nps": {
            "labels": [m.month.isoformat()[:7] for m in trends.nps],
            "nps": [m.nps for m in trends.nps],
            "promoters": [m.promoters for m in trends.nps],
            "passives": [m.passives for m in trends.nps],
            "detractors": [m.detractors for m in trends.nps],
        },
        "backlog": {
            "labels": trends.backlog.buckets,
            "priorities": [
                {"key": key, "label": label, "counts": trends.backlog.counts[key]}
                for key, label in trends.backlog.priorities
            ],
        },
    }


def service_charts(
    *,
    trend: list[TrendPoint],
    complaints: list[dict[str, object]],
    monthly: MonthlyTrends | None = None,
) -> dict[str, object]:
    """The dashboard charts' series: the trend per bucket, complaints per month by cause and,
    given `monthly`, CSAT, NPS and the backlog's age."""
    causes = sorted({str(r["root_cause"]) for r in complaints})
    months = sorted({str(r["month"]) for r in complaints})
    per_cause = {(str(r["month"]), str(r["root_cause"])): 0 for r in complaints}
    for r in complaints:
        per_cause[(str(r["month"]), str(r["root_cause"]))] += int(r["complaints"])  # type: ignore[call-overload]
    return {
        "labels": [p.bucket.isoformat() for p in trend],
        "created": [p.created for p in trend],
        "solved": [p.solved for p in trend],
        "sla_compliance": [
            None if p.sla_compliance is None else round(p.sla_compliance * 100, 1) for p in trend
        ],
        "reopen_rate": [
            None if p.reopen_rate is None else round(p.reopen_rate * 100, 1) for p in trend
        ],
        "first_response_hours": [p.median_first_response_hours for p in trend],
        "resolution_hours": [p.median_resolution_hours for p in trend],
        "complaint_months": months,
        "complaints_by_cause": {
            cause: [per_cause.get((m, cause), 0) for m in months] for cause in causes
        },
        **(_monthly_series(monthly) if monthly is not None else {}),
    }
