import datetime as dt

from django.db import models
from django.db.models import QuerySet

from rapport.activities.models import Activity
from rapport.activities.queries import activities_for_company, activities_for_contact
from rapport.core.timeline import TimelineItem, timeline_source


def _items(qs: QuerySet[Activity], before: dt.datetime | None, limit: int) -> list[TimelineItem]:
    if before is not None:
        qs = qs.filter(occurred_at__lt=before)
    rows = qs.select_related("author", "assignee").order_by("-occurred_at", "-id")[:limit]
    return [TimelineItem(a.occurred_at, "activity", f"b{a.pk}", a) for a in rows]


@timeline_source("contacts.contact")
def contact_activities(
    record: models.Model, before: dt.datetime | None, limit: int
) -> list[TimelineItem]:
    return _items(activities_for_contact(contact_id=record.pk), before, limit)


@timeline_source("contacts.company")
def company_activities(
    record: models.Model, before: dt.datetime | None, limit: int
) -> list[TimelineItem]:
    return _items(activities_for_company(company_id=record.pk), before, limit)
