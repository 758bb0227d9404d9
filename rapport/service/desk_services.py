"""Writes the desk pages make that combine the ticket services into one step.

Each runs in one transaction: if any part is refused (a closed ticket reopened, a file of the
wrong type) nothing of the step is kept, the audit rows included, and the reply mail that
`ticket_reply` schedules on commit is never sent.
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction

from rapport.contacts.models import Contact
from rapport.contacts.services import Actor, Data
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.service.attachments import attachment_add
from rapport.service.models import MessageKind, Ticket, TicketMessage
from rapport.service.requesters import Requester, requester_for_email
from rapport.service.services import (
    ticket_create,
    ticket_reply,
    ticket_set_status,
    ticket_update,
)
from rapport.tenancy.models import Workspace


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    content_type: str


class Opened(NamedTuple):
    ticket: Ticket
    new_contact: bool  # the requester's address was no contact's yet


def ticket_open(
    *,
    workspace: Workspace,
    actor: Actor,
    requester_email: str,
    data: Data,
    uploads: list[Upload] | None = None,
) -> Opened:
    """An agent's new ticket, on behalf of whoever has `requester_email`: the workspace's
    contact of that address, or a contact made with it (normalised and audited by the
    contacts service), with the request's files. One transaction: a refused field or file
    keeps nothing, the new contact included."""
    with transaction.atomic():
        requester = _requester(workspace=workspace, actor=actor, email=requester_email)
        ticket = ticket_create(
            workspace=workspace,
            actor=actor,
            data={**data, "requester_id": requester.contact.pk},
            from_contact=False,
        )
        _attach(
            workspace=workspace, actor=actor, message=ticket.messages.get(), uploads=uploads or []
        )
    return Opened(ticket, new_contact=requester.created)


def _requester(*, workspace: Workspace, actor: Actor, email: str) -> Requester:
    field = "requester_email"
    try:
        return requester_for_email(
            workspace=workspace,
            actor=actor,
            email=email,
            data={"source": "service desk"},
            field=field,
        )
    except ServiceValidationError as exc:
        if any(e.field == field for e in exc.errors):
            raise
        # E.g. a contact custom field the workspace requires: the agent adds them first.
        raise ServiceValidationError(
            [
                FieldError(
                    field,
                    f"no contact has this address and one cannot be made from it alone "
                    f"({e.field.replace('_', ' ')}: {e.message}); add the contact first",
                )
                for e in exc.errors
            ]
        ) from exc


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
    fields: Data | None = None,
) -> TicketMessage:
    """A message with its files and, if `status` is given, the ticket moved to it (an agent
    answers and sets it pending on the customer or solved in one step), after `fields` (a
    complaint's root cause and resolution) are set: all of it is kept, or (one file refused,
    a closed ticket reopened, a complaint solved without its cause) none is."""
    with transaction.atomic():
        message = ticket_reply(
            workspace=workspace,
            actor=actor,
            ticket=ticket,
            body=body,
            kind=kind,
            contact=contact,
        )
        _attach(workspace=workspace, actor=actor, message=message, uploads=uploads or [])
        if fields:
            ticket_update(workspace=workspace, actor=actor, ticket=ticket, data=fields)
        if status:
            ticket_set_status(workspace=workspace, actor=actor, ticket=ticket, status=status)
    return message


def _attach(
    *, workspace: Workspace, actor: Actor, message: TicketMessage, uploads: list[Upload]
) -> None:
    """Keep each file on the message (`attachment_add` checks size and type), naming the file
    a refusal is about."""
    for upload in uploads:
        try:
            attachment_add(
                workspace=workspace,
                actor=actor,
                ticket=message.ticket,
                message=message,
                name=upload.name,
                content=upload.content,
                content_type=upload.content_type,
            )
        except ServiceValidationError as exc:
            raise ServiceValidationError(
                [FieldError(e.field, f"{upload.name}: {e.message}") for e in exc.errors]
            ) from exc
