"""The inbound SMTP server (`rapport mail-in`): aiosmtpd on the asyncio side, the ticket work
in Django's synchronous world through sync_to_async. Bad mail gets an SMTP error, never a
crash: oversized data is refused by aiosmtpd itself (552), unknown recipients at RCPT (550),
unparseable or bodiless messages at DATA (554)."""

import logging
from typing import Any

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.db import connections

from rapport.service.inbound import inbound_route_for
from rapport.service.mail import MailRejected, mail_deliver, mailbox_for
from rapport.service.models import Mailbox

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


def _deliver(raw: bytes, recipients: list[str]) -> None:
    """Runs in sync_to_async's worker thread, whose database connection is closed after each
    message: the server is long-lived and the thread's connection would otherwise go stale."""
    try:
        mail_deliver(raw=raw, recipients=recipients)
    finally:
        connections.close_all()


def _mailbox(address: str) -> Mailbox | None:
    try:
        return mailbox_for(address)
    finally:
        connections.close_all()


class TicketMailHandler:
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        routed = inbound_route_for(address) is not None
        if not routed and await sync_to_async(_mailbox)(address) is None:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        try:
            await sync_to_async(_deliver)(raw, list(envelope.rcpt_tos))
        except MailRejected as exc:
            return str(exc)
        except Exception:
            log.exception("inbound mail could not become a ticket")
            return "451 4.3.0 temporary failure, try again later"
        return "250 Message accepted for delivery"


def mail_server(host: str, port: int, max_bytes: int = MAX_MESSAGE_BYTES) -> Controller:
    return Controller(TicketMailHandler(), hostname=host, port=port, data_size_limit=max_bytes)
