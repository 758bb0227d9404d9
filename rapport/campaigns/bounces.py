"""Bounces come back to `bounce+<token>@RAPPORT_MAIL_DOMAIN`, the envelope sender of each
campaign message, through the mail-in server. A permanent failure (a 5.x.x status, or a
bounce that says nothing machine-readable) suppresses the address; a temporary one (4.x.x)
is only noted on the timeline, since the next campaign may well get through."""

import re
from email.message import EmailMessage, Message

from rapport.campaigns.models import Recipient
from rapport.campaigns.services import recipient_bounced, recipient_soft_bounced
from rapport.service.inbound import InboundRoute, inbound_route_register
from rapport.service.mail import MailRejected
from rapport.service.mail_out import MAIL_DOMAIN
from rapport.tenancy.access import workspace_scope

BOUNCE_ADDRESS = re.compile(rf"^bounce\+([A-Za-z0-9_-]{{1,32}})@{re.escape(MAIL_DOMAIN)}$", re.I)


def _status(message: EmailMessage) -> tuple[str, str]:
    """(status, diagnostic) from the delivery-status report (RFC 3464), if there is one."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload() if part.is_multipart() else []:
            if isinstance(block, Message) and block.get("Status"):
                return str(block["Status"]).strip(), str(block.get("Diagnostic-Code", "")).strip()
    return "", str(message.get("Subject", "")).strip()


def _deliver(address: str, message: EmailMessage) -> None:
    match = BOUNCE_ADDRESS.match(address.strip())
    token = match.group(1) if match else ""
    recipient = (
        Recipient.unscoped.select_related("workspace", "campaign").filter(token=token).first()
    )
    if recipient is None:
        raise MailRejected("550 5.1.1 no such recipient")
    status, diagnostic = _status(message)
    detail = " ".join(filter(None, [status, diagnostic]))
    with workspace_scope(recipient.workspace):
        if status.startswith("4"):
            recipient_soft_bounced(recipient=recipient, detail=detail)
        else:
            recipient_bounced(recipient=recipient, detail=detail)


inbound_route_register(
    InboundRoute("campaign-bounces", lambda a: bool(BOUNCE_ADDRESS.match(a.strip())), _deliver)
)
