"""Writes of the customer portal: asking for a sign-in link, using it, opening a ticket and
replying as the signed-in contact, and the workspace's portal settings."""

import datetime as dt
import hashlib
import logging
import secrets
import smtplib
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.contacts.models import Contact
from rapport.contacts.normalise import email_normalise
from rapport.contacts.services import Actor
from rapport.core.errors import ServiceValidationError
from rapport.portal.models import PortalLink, PortalSettings
from rapport.service.desk_services import Upload, ticket_answer
from rapport.service.models import Channel, Ticket, TicketMessage
from rapport.service.page_queries import contact_by_email
from rapport.service.services import ticket_create
from rapport.tenancy.models import Workspace

LINK_LIFETIME = dt.timedelta(minutes=30)
logger = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link_mail_send(*, workspace_name: str, address: str, url: str) -> None:
    """Mail the link; a mail server that is down or refuses is logged, not raised: the sign-in
    page must answer the same for a known address as for an unknown one (an error page only
    for known ones would tell who is a customer), and the visitor can ask again."""
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    message = EmailMessage(
        subject=f"Your sign-in link for {workspace_name}",
        body=(
            f"Hello,\n\nOpen this link to sign in to the {workspace_name} customer portal:\n\n"
            f"{url}\n\nIt works once, for {minutes} minutes. If you did not ask for it, "
            "you can ignore this mail.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("portal sign-in link not mailed (workspace %s)", workspace_name)


LINKS_PER_HOUR = 5


def portal_link_request(
    *, workspace: Workspace, email: str, link_url: Callable[[str], str]
) -> PortalLink | None:
    """Mail a one-time sign-in link if a contact has `email`; None (and no mail) otherwise.

    Callers must answer the same either way, so addresses cannot be probed. The mail goes
    out after commit, to the address that was asked for (one of the contact's own). At most
    LINKS_PER_HOUR links a contact an hour: the form cannot be used to flood a mailbox.
    """
    contact = contact_by_email(email=email)
    if contact is None:
        return None
    recent = PortalLink.objects.filter(
        contact=contact, created_at__gte=timezone.now() - dt.timedelta(hours=1)
    )
    if recent.count() >= LINKS_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    address = email_normalise(email)
    with transaction.atomic():
        link = PortalLink.objects.create(
            workspace=workspace,
            contact=contact,
            token_hash=token_hash(token),
            expires_at=timezone.now() + LINK_LIFETIME,
        )
        audit_record(
            workspace_id=workspace.pk,
            actor=None,
            action=AuditAction.CREATE,
            instance=link,
            changes={"contact": [None, contact.pk]},
        )
        transaction.on_commit(
            partial(
                _link_mail_send,
                workspace_name=workspace.name,
                address=address,
                url=link_url(token),
            )
        )
    return link


def portal_link_check(*, token: str) -> PortalLink | None:
    """The unused, unexpired link of `token` in the active workspace, or None."""
    return (
        PortalLink.objects.select_related("contact")
        .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def portal_link_redeem(*, workspace: Workspace, token: str) -> Contact | None:
    """Use a link: the contact it signs in, or None if it is unknown, used or expired.

    The row is locked and re-checked inside the transaction, so two clicks racing on one
    link sign in only once.
    """
    with transaction.atomic():
        link = (
            PortalLink.objects.select_for_update()
            .filter(token_hash=token_hash(token), used_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if link is None or link.expires_at <= now:
            return None
        link.used_at = now
        link.save(update_fields=["used_at", "updated_at"])
        audit_record(
            workspace_id=workspace.pk,
            actor=None,
            action=AuditAction.UPDATE,
            instance=link,
            changes={"used_at": [None, now.isoformat()]},
        )
        return Contact.objects.select_related("primary_company").get(pk=link.contact_id)


def portal_ticket_open(
    *, workspace: Workspace, contact: Contact, subject: str, body: str
) -> Ticket:
    """A ticket the contact opens themselves: they are the requester, the channel is the
    portal, and the request is their first message."""
    return ticket_create(
        workspace=workspace,
        actor=None,
        data={
            "requester_id": contact.pk,
            "subject": subject,
            "body": body,
            "channel": Channel.PORTAL,
        },
    )


def portal_reply(
    *,
    workspace: Workspace,
    contact: Contact,
    ticket: Ticket,
    body: str,
    uploads: list[Upload] | None = None,
) -> TicketMessage:
    """The contact's answer on one of the tickets they may see (the caller fetched it through
    the portal's queries), with its files (the desk's checks of size and type apply); always
    public, and it reopens a pending or solved ticket."""
    return ticket_answer(
        workspace=workspace,
        actor=None,
        ticket=ticket,
        body=body,
        contact=contact,
        uploads=uploads,
    )


def portal_settings_update(
    *, workspace: Workspace, actor: Actor, share_company_tickets: bool
) -> PortalSettings:
    if not isinstance(share_company_tickets, bool):
        raise ServiceValidationError.single("share_company_tickets", "must be true or false")
    with transaction.atomic():
        row, _ = PortalSettings.objects.get_or_create(workspace=workspace)
        before = row.share_company_tickets
        row.share_company_tickets = share_company_tickets
        row.save()
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=row,
            changes={"share_company_tickets": [before, share_company_tickets]},
        )
    return row
