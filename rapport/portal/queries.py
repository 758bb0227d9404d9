"""Reads of the customer portal. Every ticket read starts from `portal_tickets`, which keeps
the signed-in contact's own tickets (and their company's, if the workspace shares them):
a ticket outside it is "not found", whatever its number."""

from django.db.models import Q, QuerySet

from rapport.contacts.models import Contact
from rapport.portal.models import PortalSettings
from rapport.service.models import MessageKind, Ticket, TicketAttachment, TicketMessage
from rapport.service.queries import ticket_conversation
from rapport.tenancy.models import Workspace


def portal_workspace(*, slug: str) -> Workspace:
    return Workspace.objects.get(slug=slug)


def portal_settings_get(*, workspace: Workspace) -> PortalSettings:
    return PortalSettings.objects.filter(workspace=workspace).first() or PortalSettings(
        workspace=workspace
    )


def portal_tickets(*, contact: Contact, share_company: bool) -> QuerySet[Ticket]:
    mine = Q(requester_id=contact.pk)
    if share_company and contact.primary_company_id:
        mine |= Q(company_id=contact.primary_company_id)
    return Ticket.objects.filter(mine).select_related("requester").order_by("-updated_at", "-id")


def portal_ticket_get(*, contact: Contact, share_company: bool, number: int) -> Ticket:
    return portal_tickets(contact=contact, share_company=share_company).get(number=number)


def portal_conversation(*, ticket: Ticket) -> QuerySet[TicketMessage]:
    """Public messages only: internal notes never reach a customer."""
    return ticket_conversation(ticket=ticket, public_only=True).prefetch_related("attachments")


def portal_attachment_get(
    *, contact: Contact, share_company: bool, attachment_id: int
) -> TicketAttachment:
    """A file of a public message on a ticket the contact may see; nothing else."""
    return TicketAttachment.objects.get(
        pk=attachment_id,
        message__kind=MessageKind.PUBLIC,
        ticket__in=portal_tickets(contact=contact, share_company=share_company),
    )
