from django.db import models

from rapport.campaigns.models import Recipient, RecipientStatus, TrackingEvent
from rapport.core.timeline import TimelineCursor, TimelineItem, timeline_source


# Shown while the workspace ever queued a campaign (`any_rows=Recipient`). Opens and clicks
# arrive through the public tracking endpoints and do not raise the data version (a version
# raise per open would throw away every kept list page at each tracking pixel), so "any
# event" could be stale; but every event belongs to a recipient, and recipients are written
# only by `campaign_start`, whose audited change raises the version when it commits.
@timeline_source("contacts.contact", any_rows=Recipient)
def contact_campaign_events(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    """Opens, clicks, unsubscribes and bounces join the contact's timeline as they happen."""
    qs = TrackingEvent.objects.filter(contact_id=record.pk)
    if before is not None:
        qs = qs.filter(before.q("ce", "at"))
    rows = qs.select_related("campaign").order_by("-at", "-id")[:limit]
    return [TimelineItem(e.at, "campaign_event", "ce", e.pk, e) for e in rows]


@timeline_source("contacts.contact", any_rows=Recipient)
def contact_campaign_sends(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    """Each campaign or sequence email the contact was sent, at the time it left."""
    qs = Recipient.objects.filter(contact_id=record.pk, status=RecipientStatus.SENT)
    if before is not None:
        qs = qs.filter(before.q("cs", "sent_at"))
    rows = qs.select_related("campaign").order_by("-sent_at", "-id")[:limit]
    return [TimelineItem(r.sent_at, "campaign_sent", "cs", r.pk, r) for r in rows]
