"""An agent's public reply is mailed to the requester once it is committed, with the ticket
token in the subject, its own Message-ID (stored, so the customer's answer threads back) and
the workspace's mailbox as Reply-To."""

from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from rapport.service.models import Mailbox, TicketMessage
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

MAIL_DOMAIN = getattr(settings, "RAPPORT_MAIL_DOMAIN", "rapport.localhost")


def new_message_id() -> str:
    return make_msgid(domain=MAIL_DOMAIN)


def reply_mail_send(*, workspace: Workspace, message_id: int) -> bool:
    """Mail the reply; False when the requester has no address to mail it to. A refusal by
    the mail server raises (`reply_delivery` notes it and tries again later)."""
    with workspace_scope(workspace):
        message = TicketMessage.objects.select_related("ticket__requester").get(pk=message_id)
        ticket = message.ticket
        if not ticket.requester.email:
            return False
        mailbox = Mailbox.objects.filter(active=True).order_by("id").first()
        previous = (
            TicketMessage.objects.filter(ticket=ticket)
            .exclude(pk=message.pk)
            .exclude(message_id="")
            .order_by("-created_at", "-id")
            .first()
        )
    headers = {"Message-ID": message.message_id}
    if previous is not None:
        headers["In-Reply-To"] = previous.message_id
        headers["References"] = previous.message_id
    EmailMessage(
        subject=f"[#{ticket.number}] {ticket.subject}",
        body=message.body,
        from_email=mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL,
        to=[ticket.requester.email],
        reply_to=[mailbox.address] if mailbox else None,
        headers=headers,
    ).send()
    return True
