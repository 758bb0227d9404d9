"""A merge moves tickets (as requester or company) and the customer's ticket messages."""

from rapport.merge.registry import RelationMove, merge_handler_register
from rapport.service.models import Ticket, TicketMessage

for handler in (
    RelationMove(Ticket, "requester", label="tickets"),
    RelationMove(TicketMessage, "contact", label="ticket messages"),
    RelationMove(Ticket, "company", label="tickets"),
):
    merge_handler_register(handler)
