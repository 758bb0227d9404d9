"""Bulk actions on the ticket list: several tickets assigned, moved to a team, or given a status
or a priority in one step.

Each ticket goes through the one-ticket services (`ticket_update`, `ticket_set_status`), so its
SLA clocks, audit entry and status rules are exactly those of a change made on its own page.
Each runs in its own savepoint: a ticket refused (a complaint solved without its root cause, a
closed ticket reopened) keeps nothing and is reported with its reason while the others change.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from rapport.contacts.services import Actor
from rapport.core.errors import ServiceValidationError
from rapport.service.models import Ticket
from rapport.service.services import ticket_set_status, ticket_update
from rapport.tenancy.access import require_scope
from rapport.tenancy.models import Membership, Workspace
from rapport.tenancy.roles import RECORDS_WRITE

BULK_LIMIT = 200
# action -> the ticket attribute it sets (compared to skip tickets already so)
BULK_ACTIONS = {
    "assignee": "assignee_id",
    "team": "team_id",
    "status": "status",
    "priority": "priority",
}


@dataclass
class BulkOutcome:
    """Ticket numbers changed, already so (nothing written), and refused with the reason."""

    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def _ids(ticket_ids: Any) -> list[int]:
    if not isinstance(ticket_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ticket_ids
    ):
        raise ServiceValidationError.single("ticket_ids", "must be a list of ticket ids")
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        raise ServiceValidationError.single("ticket_ids", "tick at least one ticket")
    if len(ids) > BULK_LIMIT:
        raise ServiceValidationError.single("ticket_ids", f"at most {BULK_LIMIT} at once")
    return ids


def _target(action: str, value: Any) -> Any:
    """The value as the ticket holds it: an id (or None, to clear) for assignee and team."""
    if action not in BULK_ACTIONS:
        raise ServiceValidationError.single("action", f"must be one of {', '.join(BULK_ACTIONS)}")
    if action in ("assignee", "team"):
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ServiceValidationError.single("value", "must be an id") from None
    return value


def _reason(exc: ServiceValidationError) -> str:
    return "; ".join(dict.fromkeys(e.message for e in exc.errors))


def tickets_bulk_change(
    *, workspace: Workspace, actor: Actor, ticket_ids: Any, action: str, value: Any
) -> BulkOutcome:
    """Apply one change (`action`: assignee, team, status or priority) to up to `BULK_LIMIT`
    tickets of `workspace`. The actor must be allowed to write there (a viewer is refused,
    nothing changes); an id that is no ticket of this workspace refuses the whole step, so
    another workspace's ticket is never touched nor told apart from a missing one."""
    require_scope(
        Membership.objects.filter(
            workspace=workspace, user_id=getattr(actor, "pk", None) or 0
        ).first(),
        RECORDS_WRITE,
    )
    ids = _ids(ticket_ids)
    target = _target(action, value)
    tickets = list(Ticket.objects.filter(workspace=workspace, pk__in=ids).order_by("number"))
    if missing := sorted(set(ids) - {t.pk for t in tickets}):
        raise ServiceValidationError.single(
            "ticket_ids", f"no such ticket: {', '.join(map(str, missing))}; nothing was changed"
        )
    outcome = BulkOutcome()
    for ticket in tickets:
        if getattr(ticket, BULK_ACTIONS[action]) == target:
            outcome.unchanged.append(ticket.number)
            continue
        try:
            with transaction.atomic():
                if action == "status":
                    ticket_set_status(
                        workspace=workspace, actor=actor, ticket=ticket, status=target
                    )
                else:
                    ticket_update(
                        workspace=workspace,
                        actor=actor,
                        ticket=ticket,
                        data={f"{action}_id" if action != "priority" else action: target},
                    )
        except ServiceValidationError as exc:
            ticket.refresh_from_db()  # the savepoint rolled back; the object may not have
            outcome.refused.append((ticket.number, _reason(exc)))
        else:
            outcome.changed.append(ticket.number)
    return outcome
