"""Bulk actions on the ticket list: several tickets assigned, moved to a team, or given a status
or a priority in one step.

Each ticket goes through the one-ticket services (`ticket_update`, `ticket_set_status`), so its
SLA clocks, audit entry and status rules are exactly those of a change made on its own page.
Each runs in its own savepoint: a ticket refused (a complaint solved without its root cause, a
closed ticket reopened) keeps nothing and is reported with its reason while the others change.
The list page's bulk bar and the API (`POST /service/tickets/bulk`) both come through here.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction

from rapport.contacts.services import Actor
from rapport.core.errors import ServiceValidationError
from rapport.service.models import Priority, Ticket, TicketStatus
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
CHOICES = {"status": TicketStatus, "priority": Priority}


class BulkResult(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"  # already so: nothing written
    REFUSED = "refused"  # the one-ticket service refused it: `reason` says why
    NOT_FOUND = "not_found"  # no ticket of this workspace (another workspace's is not told apart)


@dataclass(frozen=True)
class BulkTicketResult:
    id: int
    number: int | None  # None when not found: nothing is said about another workspace's id
    result: BulkResult
    reason: str = ""


@dataclass
class BulkOutcome:
    """What happened to each ticket id asked for, in the order asked."""

    results: list[BulkTicketResult] = field(default_factory=list)

    def _numbers(self, result: BulkResult) -> list[int]:
        return sorted(r.number for r in self.results if r.result == result and r.number)

    @property
    def changed(self) -> list[int]:
        return self._numbers(BulkResult.CHANGED)

    @property
    def unchanged(self) -> list[int]:
        return self._numbers(BulkResult.UNCHANGED)

    @property
    def refused(self) -> list[tuple[int, str]]:
        refused = (r for r in self.results if r.result == BulkResult.REFUSED)
        return sorted((r.number, r.reason) for r in refused if r.number)

    def count(self, result: BulkResult) -> int:
        return sum(r.result == result for r in self.results)


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
        if isinstance(value, bool):
            raise ServiceValidationError.single("value", "must be an id")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ServiceValidationError.single("value", "must be an id") from None
    # Checked once here rather than refused ticket by ticket with the same reason.
    if value not in CHOICES[action].values:
        raise ServiceValidationError.single(
            "value", f"must be one of {', '.join(CHOICES[action].values)}"
        )
    return value


def _reason(exc: ServiceValidationError) -> str:
    return "; ".join(dict.fromkeys(e.message for e in exc.errors))


def tickets_bulk_change(
    *,
    workspace: Workspace,
    actor: Actor,
    ticket_ids: Any,
    action: str,
    value: Any,
    missing_refuses_all: bool = True,
) -> BulkOutcome:
    """Apply one change (`action`: assignee, team, status or priority) to up to `BULK_LIMIT`
    tickets of `workspace`. The actor must be allowed to write there (a viewer is refused,
    nothing changes). An id that is no ticket of this workspace refuses the whole step (the
    list page, whose ticks are all of its own tickets) or, with `missing_refuses_all=False`
    (the API, which reports per ticket), is reported as not found while the others change;
    either way another workspace's ticket is never touched nor told apart from a missing one."""
    require_scope(
        Membership.objects.filter(
            workspace=workspace, user_id=getattr(actor, "pk", None) or 0
        ).first(),
        RECORDS_WRITE,
    )
    ids = _ids(ticket_ids)
    target = _target(action, value)
    tickets = list(Ticket.objects.filter(workspace=workspace, pk__in=ids).order_by("number"))
    missing = sorted(set(ids) - {t.pk for t in tickets})
    if missing and missing_refuses_all:
        raise ServiceValidationError.single(
            "ticket_ids", f"no such ticket: {', '.join(map(str, missing))}; nothing was changed"
        )
    done = {pk: BulkTicketResult(pk, None, BulkResult.NOT_FOUND) for pk in missing}
    for ticket in tickets:
        done[ticket.pk] = _change_one(workspace, actor, ticket, action, target)
    return BulkOutcome(results=[done[pk] for pk in ids])


def _change_one(
    workspace: Workspace, actor: Actor, ticket: Ticket, action: str, target: Any
) -> BulkTicketResult:
    if getattr(ticket, BULK_ACTIONS[action]) == target:
        return BulkTicketResult(ticket.pk, ticket.number, BulkResult.UNCHANGED)
    try:
        with transaction.atomic():
            if action == "status":
                ticket_set_status(workspace=workspace, actor=actor, ticket=ticket, status=target)
            else:
                ticket_update(
                    workspace=workspace,
                    actor=actor,
                    ticket=ticket,
                    data={f"{action}_id" if action != "priority" else action: target},
                )
    except ServiceValidationError as exc:
        ticket.refresh_from_db()  # the savepoint rolled back; the object may not have
        return BulkTicketResult(ticket.pk, ticket.number, BulkResult.REFUSED, _reason(exc))
    return BulkTicketResult(ticket.pk, ticket.number, BulkResult.CHANGED)
