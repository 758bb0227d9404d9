from django.db import models

from rapport.activities.models import Activity
from rapport.activities.timeline import TAG
from rapport.audit.timeline import record_changes
from rapport.core.timeline import TimelineCursor, TimelineItem, timeline_source


@timeline_source("sales.deal")
def deal_activities(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    qs = Activity.objects.filter(deal_links__deal_id=record.pk)
    if before is not None:
        qs = qs.filter(before.q(TAG, "occurred_at"))
    rows = qs.select_related("author", "assignee").order_by("-occurred_at", "-id")[:limit]
    return [TimelineItem(a.occurred_at, "activity", TAG, a.pk, a) for a in rows]


# A deal's own changes join its timeline like a contact's do.
timeline_source("sales.deal")(record_changes)
