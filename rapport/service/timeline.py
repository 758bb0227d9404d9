from django.db import models

from rapport.core.timeline import TimelineCursor, TimelineItem, timeline_source
from rapport.service.models import Ticket


@timeline_source("contacts.contact", any_rows=Ticket)
def contact_tickets(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    """A contact's tickets join their timeline at the time they were opened."""
    qs = Ticket.objects.filter(requester_id=record.pk)
    if before is not None:
        qs = qs.filter(before.q("t", "created_at"))
    rows = qs.select_related("assignee").order_by("-created_at", "-id")[:limit]
    return [TimelineItem(t.created_at, "ticket", "t", t.pk, t) for t in rows]
