"""Template helpers for tickets: SLA clocks and their badges."""

from typing import Any

from django import template

from rapport.service.models import Ticket
from rapport.service.sla import Clock, sla_clocks
from rapport.service.sla_history import business_duration

register = template.Library()

CLOCK_LABELS = {
    "met": "Met",
    "breached": "Breached",
    "at_risk": "At risk",
    "running": "On track",
    "paused": "Paused",
    "none": "No SLA",
}


@register.filter
def clocks(ticket: Ticket) -> tuple[Clock, Clock]:
    return sla_clocks(ticket)


@register.filter
def next_clock(ticket: Ticket) -> Clock:
    """The clock a list row shows: first response until it is answered, then resolution."""
    first, resolution = sla_clocks(ticket)
    return first if ticket.first_responded_at is None and first.state != "none" else resolution


@register.inclusion_tag("service/_clock_badge.html")
def clock_badge(clock: Clock) -> dict[str, Any]:
    return {"clock": clock, "label": CLOCK_LABELS[clock.state]}


@register.filter
def hours(value: float | None) -> str:
    """A duration in hours as people say it: 45 min, 3.5 h, 2.1 days."""
    if value is None:
        return "—"
    if value < 1:
        return f"{round(value * 60)} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} days"


@register.filter
def business_time(seconds: int) -> str:
    return business_duration(seconds)


@register.filter
def time_to_due(seconds: int) -> str:
    """Business time left on a clock, or how far past due it is."""
    return (
        f"over by {business_duration(-seconds)}"
        if seconds < 0
        else f"left {business_duration(seconds)}"
    )


@register.filter
def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"
