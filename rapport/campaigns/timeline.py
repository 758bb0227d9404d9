import datetime as dt

from django.db import models

from rapport.campaigns.models import TrackingEvent
from rapport.core.timeline import TimelineItem, timeline_source


@timeline_source("contacts.contact")
def contact_campaign_events(
    record: models.Model, before: dt.datetime | None, limit: int
) -> list[TimelineItem]:
    """Opens, clicks, unsubscribes and bounces join the contact's timeline as they happen."""
    qs = TrackingEvent.objects.filter(contact_id=record.pk)
    if before is not None:
        qs = qs.filter(at__lt=before)
    rows = qs.select_related("campaign").order_by("-at", "-id")[:limit]
    return [TimelineItem(e.at, "campaign_event", f"ce{e.pk}", e) for e in rows]
