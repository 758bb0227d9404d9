"""SLA clocks: due times from the policy's business calendar, paused while pending.

The resolution clock stops while a ticket waits on the customer: the business time spent
pending is added to the target. The first-response clock does not pause (an agent's first
answer is what puts a ticket in pending in the first place).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from pydantic import BaseModel, Field, ValidationError, field_validator

from rapport.contacts.models import Contact
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.service.business_hours import Calendar
from rapport.service.models import BusinessCalendar, Priority, SlaPolicy, Ticket, TicketStatus

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
AT_RISK_SHARE = 0.2  # flagged when less than a fifth of the target is left
TIER_FIELD = "tier"  # the contact's (or its company's) custom field naming its tier


def _window(text: str) -> tuple[dt.time, dt.time]:
    start, _, end = text.partition("-")
    opens, closes = dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())
    if closes != dt.time(0) and closes <= opens:
        raise ValueError(f"'{text}' closes before it opens")
    return opens, closes


class WeeklyHours(BaseModel):
    """{"mon": ["09:00-12:00", "13:00-17:00"], ...}; "00:00-00:00" is the whole day."""

    days: dict[str, list[str]]

    @field_validator("days")
    @classmethod
    def _valid(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, windows in value.items():
            if day not in DAYS:
                raise ValueError(f"'{day}' is not one of {', '.join(DAYS)}")
            for w in windows:
                _window(w)
        if not any(value.values()):
            raise ValueError("the calendar needs opening hours on at least one day")
        return value


class Target(BaseModel):
    first_response: int = Field(gt=0, le=60 * 24 * 90)
    resolution: int = Field(gt=0, le=60 * 24 * 365)


class Targets(BaseModel):
    targets: dict[str, Target]


def parse_weekly_hours(raw: Any) -> dict[str, list[str]]:
    try:
        return WeeklyHours(days=raw).days
    except ValidationError as exc:
        raise ServiceValidationError(
            [
                FieldError("weekly_hours", e["msg"].removeprefix("Value error, "))
                for e in exc.errors()
            ]
        ) from exc


def parse_targets(raw: Any) -> dict[str, dict[str, int]]:
    try:
        parsed = Targets(targets=raw).targets
    except ValidationError as exc:
        raise ServiceValidationError(
            [
                FieldError("targets." + ".".join(str(p) for p in e["loc"][1:]), e["msg"])
                for e in exc.errors()
            ]
        ) from exc
    unknown = set(parsed) - set(Priority.values)
    if unknown:
        raise ServiceValidationError.single("targets", f"unknown priority: {', '.join(unknown)}")
    return {k: v.model_dump() for k, v in parsed.items()}


def calendar_of(model: BusinessCalendar) -> Calendar:
    weekly = {
        DAYS.index(day): tuple(_window(w) for w in windows)
        for day, windows in model.weekly_hours.items()
    }
    return Calendar(
        timezone=model.timezone,
        weekly=weekly,
        country=model.country,
        subdivision=model.subdivision,
        closed_days=frozenset(dt.date.fromisoformat(d) for d in model.closed_days),
    )


def policy_for(contact: Contact) -> SlaPolicy | None:
    """The policy of the requester's tier (contact, else company custom field), else default."""
    tier = str(contact.custom_fields.get(TIER_FIELD) or "")
    if not tier and contact.primary_company is not None:
        tier = str(contact.primary_company.custom_fields.get(TIER_FIELD) or "")
    policies = {p.tier: p for p in SlaPolicy.objects.select_related("calendar")}
    return policies.get(tier) or policies.get("")


def sla_apply(ticket: Ticket) -> None:
    """Set the due times from the policy, the creation time and the time paused so far."""
    policy = ticket.sla_policy
    target = policy.targets.get(ticket.priority) if policy else None
    if policy is None or target is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        return
    calendar = calendar_of(policy.calendar)
    created = ticket.created_at or timezone.now()
    ticket.first_response_due_at = calendar.add(
        created, dt.timedelta(minutes=target["first_response"])
    )
    ticket.resolution_due_at = calendar.add(
        created, dt.timedelta(minutes=target["resolution"], seconds=ticket.paused_seconds)
    )


def sla_pause_end(ticket: Ticket, now: dt.datetime) -> None:
    """Leaving pending: add the business time spent there to the paused total."""
    if ticket.pending_since is None:
        return
    if ticket.sla_policy is not None:
        paused = calendar_of(ticket.sla_policy.calendar).between(ticket.pending_since, now)
        ticket.paused_seconds += int(paused.total_seconds())
    ticket.pending_since = None


@dataclass(frozen=True)
class Clock:
    due_at: dt.datetime | None
    state: str  # "met", "breached", "at_risk", "running", "paused", "none"


def _clock(
    due: dt.datetime | None,
    done_at: dt.datetime | None,
    target_minutes: int | None,
    now: dt.datetime,
    paused: bool,
) -> Clock:
    if due is None or target_minutes is None:
        return Clock(None, "none")
    if done_at is not None:
        return Clock(due, "met" if done_at <= due else "breached")
    if now > due:
        return Clock(due, "breached")
    if paused:
        return Clock(due, "paused")
    left = (due - now).total_seconds() / 60
    return Clock(due, "at_risk" if left < AT_RISK_SHARE * target_minutes else "running")


def sla_clocks(ticket: Ticket, now: dt.datetime | None = None) -> tuple[Clock, Clock]:
    """(first response, resolution) as the ticket page and breach lists show them.

    At-risk compares wall-clock time left with the business-time target: a simple, slightly
    early warning that needs no calendar look-up per row in lists.
    """
    now = now or timezone.now()
    policy = ticket.sla_policy
    target = policy.targets.get(ticket.priority) if policy else None
    resolved_at = (
        ticket.solved_at if ticket.status in (TicketStatus.SOLVED, TicketStatus.CLOSED) else None
    )
    return (
        _clock(
            ticket.first_response_due_at,
            ticket.first_responded_at,
            target["first_response"] if target else None,
            now,
            paused=False,
        ),
        _clock(
            ticket.resolution_due_at,
            resolved_at,
            target["resolution"] if target else None,
            now,
            paused=ticket.status == TicketStatus.PENDING,
        ),
    )
