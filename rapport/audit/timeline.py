import datetime as dt

from django.db import models

from rapport.audit.queries import audit_for_record
from rapport.audit.references import describe_changes
from rapport.core.timeline import TimelineItem, timeline_source


@timeline_source("contacts.contact", "contacts.company")
def record_changes(
    record: models.Model, before: dt.datetime | None, limit: int
) -> list[TimelineItem]:
    qs = audit_for_record(entity=record._meta.label_lower, object_id=record.pk)
    if before is not None:
        qs = qs.filter(at__lt=before)
    entries = list(qs.order_by("-at", "-id")[:limit])
    describe_changes(entries)
    return [TimelineItem(e.at, "change", f"a{e.pk}", e) for e in entries]
