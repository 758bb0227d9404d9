"""Calendars, SLA policies and tickets for tests, each made through its service."""

from typing import Any

from rapport.contacts.models import Contact
from rapport.service.models import BusinessCalendar, SlaPolicy, Ticket
from rapport.service.services import calendar_create, sla_policy_create, ticket_create
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

OFFICE_HOURS = {day: ["09:00-17:00"] for day in ["mon", "tue", "wed", "thu", "fri"]}
ROUND_THE_CLOCK = {
    day: ["00:00-00:00"] for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
}
TARGETS = {
    "normal": {"first_response": 120, "resolution": 480},
    "urgent": {"first_response": 30, "resolution": 240},
}


def make_calendar(workspace: Workspace, actor: Any, **data: Any) -> BusinessCalendar:
    """London office hours, Monday to Friday, unless told otherwise."""
    data = {
        "name": "London office",
        "timezone": "Europe/London",
        "weekly_hours": OFFICE_HOURS,
        **data,
    }
    with workspace_scope(workspace):
        return calendar_create(workspace=workspace, actor=actor, data=data)


def make_policy(
    workspace: Workspace, actor: Any, calendar: BusinessCalendar, **data: Any
) -> SlaPolicy:
    data = {"name": "Standard", "calendar_id": calendar.pk, "targets": TARGETS, **data}
    with workspace_scope(workspace):
        return sla_policy_create(workspace=workspace, actor=actor, data=data)


def make_ticket(workspace: Workspace, actor: Any, requester: Contact, **data: Any) -> Ticket:
    data = {"subject": "Cannot log in", "body": "Since this morning", **data}
    with workspace_scope(workspace):
        return ticket_create(
            workspace=workspace, actor=actor, data={"requester_id": requester.pk, **data}
        )
