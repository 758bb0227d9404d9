"""Writes the desk pages make that combine the ticket services into one step.

Each runs in one transaction: if any part is refused (a closed ticket reopened, a file of the
wrong type) nothing of the step is kept, the audit rows included, and the reply mail that
`ticket_reply` schedules on commit is never sent.
"""

from dataclasses import dataclass

from django.db import transaction

from rapport.contacts.models import Contact
from rapport.contacts.services import Actor, Data
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.service.attachments import attachment_add
from rapport.service.models import MessageKind, Ticket, TicketMessage
from rapport.service.services import ticket_reply, ticket_set_status, ticket_update
from rapport.tenancy.models import Workspace


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    content_type: str


def ticket_properties_set(
    *, workspace: Workspace, actor: Actor, ticket: Ticket, data: Data, status: str
) -> Ticket:
    """Change a ticket's fields (`ticket_update`) and its status (`ticket_set_status`, which
    moves the SLA clocks) together, as the ticket page's side panel saves them."""
    with transaction.atomic():
        if data:
            ticket_update(workspace=workspace, actor=actor, ticket=ticket, data=data)
        ticket_set_status(workspace=workspace, actor=actor, ticket=ticket, status=status)
    return ticket


def ticket_answer(
    *,
    workspace: Workspace,
    actor: Actor,
    ticket: Ticket,
    body: str,
    kind: str = MessageKind.PUBLIC,
    uploads: list[Upload] | None = None,
    contact: Contact | None = None,
    status: str = "",
) -> TicketMessage:
    """A message with its files and, if `status` is given, the ticket moved to it (an agent
    answers and sets it pending on the customer or solved in one step): all of it is kept, or
    (one file refused, a closed ticket reopened) none is."""
    with transaction.atomic():
        message = ticket_reply(
            workspace=workspace,
            actor=actor,
            ticket=ticket,
            body=body,
            kind=kind,
            contact=contact,
        )
        for upload in uploads or []:
            try:
                attachment_add(
                    workspace=workspace,
                    actor=actor,
                    ticket=ticket,
                    message=message,
                    name=upload.name,
                    content=upload.content,
                    content_type=upload.content_type,
                )
            except ServiceValidationError as exc:
                # Say which of the files it was.
                raise ServiceValidationError(
                    [FieldError(e.field, f"{upload.name}: {e.message}") for e in exc.errors]
                ) from exc
        if status:
            ticket_set_status(workspace=workspace, actor=actor, ticket=ticket, status=status)
    return message
