"""Service figures: KPIs over a period and the complaint report that feeds improvement."""

import datetime as dt
from dataclasses import dataclass
from statistics import median

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from rapport.service.models import Ticket, TicketStatus, TicketType
from rapport.service.services import OPEN_STATUSES


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
        on_time=Count(
            "id",
            filter=Q(sla_breached_at__isnull=True)
            & (Q(resolution_due_at__isnull=True) | Q(solved_at__lte=F("resolution_due_at"))),
        ),
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


def _seconds(value: object) -> float:
    """Avg of a duration is a timedelta on PostgreSQL and microseconds on SQLite."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # type: ignore[arg-type]
