"""Background work of the feedback app: surveying tickets as they are solved."""

from django.db import transaction
from django_tasks import task

from rapport.core.hooks import on_records_changed
from rapport.feedback.services import csat_invite_for_ticket
from rapport.service.models import Ticket, TicketStatus
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@task()
def csat_invites_for_tickets(workspace_id: int, ticket_ids: list[int]) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), transaction.atomic():
        solved = Ticket.objects.filter(pk__in=ticket_ids, status=TicketStatus.SOLVED)
        for ticket in solved.select_related("requester"):
            csat_invite_for_ticket(workspace=workspace, ticket=ticket)


@on_records_changed("service.ticket")
def _ticket_changed(workspace_id: int, ids: list[int]) -> None:
    # Most ticket changes are not solves: check here rather than queue a task for each.
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace):
        solved = list(
            Ticket.objects.filter(pk__in=ids, status=TicketStatus.SOLVED).values_list(
                "pk", flat=True
            )
        )
    if solved:
        csat_invites_for_tickets.enqueue(workspace_id, solved)
