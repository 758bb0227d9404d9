"""The periodic SLA sweep: marks tickets whose clock ran out and tells their assignee once.

Run every few minutes by `rapport sla_sweep` (cron) or as a django-tasks task; each run only
touches tickets that breached since the last one, so it is cheap and safe to repeat.
"""

import datetime as dt
from functools import partial

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.service.models import Ticket, TicketStatus
from rapport.service.services import OPEN_STATUSES
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


def _tell_assignee(ticket: Ticket) -> None:
    send_mail(
        subject=f"SLA breached: [#{ticket.number}] {ticket.subject}",
        message=f"Ticket #{ticket.number} for {ticket.requester} ran past its SLA.",
        from_email=None,
        recipient_list=[ticket.assignee.email],  # type: ignore[union-attr]
    )


def sla_sweep(*, workspace: Workspace, now: dt.datetime | None = None) -> list[int]:
    """Flag newly breached tickets of `workspace`; returns their ids."""
    now = now or timezone.now()
    first_late = Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
    resolution_late = Q(resolution_due_at__lt=now) & ~Q(status=TicketStatus.PENDING)
    with workspace_scope(workspace), transaction.atomic():
        newly = list(
            Ticket.objects.select_for_update(of=("self",))
            .filter(status__in=OPEN_STATUSES, sla_breached_at__isnull=True)
            .filter(first_late | resolution_late)
            .select_related("assignee", "requester")
        )
        Ticket.objects.filter(pk__in=[t.pk for t in newly]).update(sla_breached_at=now)
        for ticket in newly:
            audit_record(
                workspace_id=workspace.pk,
                actor=None,
                action=AuditAction.UPDATE,
                instance=ticket,
                changes={"sla_breached_at": [None, now.isoformat()]},
            )
            if ticket.assignee is not None and ticket.assignee.email:
                transaction.on_commit(partial(_tell_assignee, ticket))
    return [t.pk for t in newly]


@task()
def sla_sweep_all() -> int:
    return sum(len(sla_sweep(workspace=w)) for w in Workspace.objects.all())
