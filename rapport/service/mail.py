"""Email in and out of tickets.

In: a parsed message to a workspace's mailbox becomes a new ticket, or a reply on the ticket it
answers: found by the Message-IDs in In-Reply-To/References, else by the "[#123]" token in
the subject, and only when the sender is that ticket's requester (anyone else opens a new
ticket rather than writing into a stranger's conversation). The sender is matched to a
contact by email, or created.
"""

import email
import re
from collections.abc import Iterable
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid, parseaddr

from django.db import transaction
from django.utils.html import strip_tags

from rapport.audit.context import audit_source
from rapport.contacts.models import Contact
from rapport.core.errors import ServiceValidationError
from rapport.service.attachments import attachment_add
from rapport.service.inbound import inbound_route_for
from rapport.service.models import Channel, Mailbox, Ticket, TicketMessage
from rapport.service.requesters import requester_for_email
from rapport.service.services import ticket_create, ticket_reply
from rapport.tenancy.access import workspace_scope

TOKEN = re.compile(r"\[#(\d+)\]")
MAX_BODY_CHARS = 100_000


class MailRejected(Exception):
    """The message cannot become a ticket; the SMTP server answers with this text."""


def mailbox_for(address: str) -> Mailbox | None:
    return (
        Mailbox.unscoped.select_related("workspace", "default_team")
        .filter(address__iexact=address.strip(), active=True)
        .first()
    )


def mail_parse(raw: bytes) -> EmailMessage:
    """The message as received; one that cannot be read is refused (554)."""
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # the parser's failures are not one type; refuse, do not crash
        raise MailRejected("554 5.6.0 malformed message") from exc
    if not isinstance(message, EmailMessage) or (message.defects and not message.get("From")):
        raise MailRejected("554 5.6.0 malformed message")
    return message


def mail_deliver(*, raw: bytes, recipients: Iterable[str]) -> list[TicketMessage]:
    """The one way inbound mail enters, from the SMTP server or the IMAP poller: parse it,
    then store it for each recipient that is an active mailbox, or hand it to the route that
    takes its address (`service.inbound`, e.g. campaign bounces). Raises MailRejected with
    the SMTP reply when the message cannot become a ticket."""
    message = mail_parse(raw)
    stored, routed = [], False
    for address in recipients:
        route = inbound_route_for(address)
        if route is not None:
            route.deliver(address, message)
            routed = True
        elif (mailbox := mailbox_for(address)) is not None:
            stored.append(mail_ingest(mailbox=mailbox, message=message))
    if not stored and not routed:
        raise MailRejected("550 5.1.1 no such mailbox")
    return stored


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise MailRejected("554 5.6.0 the message has no text body")
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = strip_tags(content)
    return content.strip()[:MAX_BODY_CHARS]


def _sender_contact(mailbox: Mailbox, message: EmailMessage) -> Contact:
    name, address = parseaddr(str(message.get("From", "")))
    if "@" not in address:
        raise MailRejected("554 5.1.7 the message has no valid From address")
    first, _, last = name.partition(" ")
    try:
        return requester_for_email(
            workspace=mailbox.workspace,
            actor=None,
            email=address,
            data={"first_name": first, "last_name": last, "source": "email"},
        ).contact
    except ServiceValidationError as exc:
        raise MailRejected(f"554 5.1.7 {exc}") from exc


def _thread(message: EmailMessage, sender: Contact) -> Ticket | None:
    ids = [
        mid
        for _, mid in getaddresses(
            [str(message.get("In-Reply-To", "")), str(message.get("References", ""))]
        )
        if mid
    ]
    ids = [f"<{mid.strip('<>')}>" for mid in ids]
    ticket = None
    if ids:
        found = TicketMessage.objects.filter(message_id__in=ids).select_related("ticket").first()
        ticket = found.ticket if found else None
    if ticket is None:
        match = TOKEN.search(str(message.get("Subject", "")))
        ticket = Ticket.objects.filter(number=int(match.group(1))).first() if match else None
    if ticket is not None and ticket.requester_id != sender.pk:
        return None
    return ticket


def mail_ingest(*, mailbox: Mailbox, message: EmailMessage) -> TicketMessage:
    """Turn one inbound message into a ticket or a reply, inside its workspace."""
    workspace = mailbox.workspace
    message_id = str(message.get("Message-ID", "") or make_msgid()).strip()
    with workspace_scope(workspace), audit_source("email"), transaction.atomic():
        if TicketMessage.objects.filter(message_id=message_id).exists():
            # A retried delivery: answer success without a second copy.
            return TicketMessage.objects.get(message_id=message_id)
        body = _text_of(message)
        sender = _sender_contact(mailbox, message)
        ticket = _thread(message, sender)
        if ticket is not None:
            stored = ticket_reply(
                workspace=workspace,
                actor=None,
                ticket=ticket,
                body=body,
                contact=sender,
                message_id=message_id,
            )
        else:
            subject = TOKEN.sub("", str(message.get("Subject", "") or "")).strip()
            data = {
                "subject": (subject or "(no subject)")[:200],
                "body": body or "(empty message)",
                "requester_id": sender.pk,
                "channel": Channel.EMAIL,
            }
            if mailbox.default_team_id:
                data["team_id"] = mailbox.default_team_id
            ticket = ticket_create(
                workspace=workspace, actor=None, data=data, message_id=message_id
            )
            stored = ticket.messages.get()
        _keep_attachments(message, stored)
        return stored


def _keep_attachments(message: EmailMessage, stored: TicketMessage) -> None:
    """Store each attached file; a refused one is named in an internal note, not lost quietly."""
    refused = []
    for part in message.iter_attachments():
        name = part.get_filename() or "attachment"
        payload = part.get_payload(decode=True)
        try:
            attachment_add(
                workspace=stored.ticket.workspace,
                actor=None,
                ticket=stored.ticket,
                message=stored,
                name=name,
                content=payload if isinstance(payload, bytes) else b"",
                content_type=part.get_content_type(),
            )
        except ServiceValidationError as exc:
            refused.append(f"{name}: {exc.errors[0].message}")
    if refused:
        ticket_reply(
            workspace=stored.ticket.workspace,
            actor=None,
            ticket=stored.ticket,
            kind="internal",
            body="Attachments not kept:\n" + "\n".join(refused),
        )
