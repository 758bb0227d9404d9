"""Reads of activities, inside the caller's workspace scope."""

import datetime as dt

from django.db.models import F, QuerySet

from rapport.activities.models import Activity, ActivityKind
from rapport.core.pagination import Page, SortKey, paginate


def activity_get(*, activity_id: int) -> Activity:
    return Activity.objects.select_related("author", "assignee").get(pk=activity_id)


def activities_for_contact(*, contact_id: int) -> QuerySet[Activity]:
    return Activity.objects.filter(contact_links__contact_id=contact_id)


def activities_for_company(*, company_id: int) -> QuerySet[Activity]:
    return Activity.objects.filter(company_links__company_id=company_id)


def open_tasks_for(*, user_id: int) -> QuerySet[Activity]:
    """A user's open tasks, soonest due first, undated last."""
    return (
        Activity.objects.filter(kind=ActivityKind.TASK, done_at__isnull=True, assignee_id=user_id)
        .prefetch_related("contacts", "companies")
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def activity_list(
    *,
    kind: str = "",
    contact_id: int | None = None,
    company_id: int | None = None,
    assignee_id: int | None = None,
    open_only: bool = False,
    occurred_after: dt.datetime | None = None,
    occurred_before: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Activity]:
    qs = Activity.objects.select_related("author", "assignee").prefetch_related(
        "contact_links", "company_links"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if contact_id is not None:
        qs = qs.filter(contact_links__contact_id=contact_id)
    if company_id is not None:
        qs = qs.filter(company_links__company_id=company_id)
    if assignee_id is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if open_only:
        qs = qs.filter(kind=ActivityKind.TASK, done_at__isnull=True)
    if occurred_after:
        qs = qs.filter(occurred_at__gte=occurred_after)
    if occurred_before:
        qs = qs.filter(occurred_at__lt=occurred_before)
    return paginate(
        qs, keys=[SortKey("occurred_at", True)], cursor=cursor, limit=min(max(limit, 1), 200)
    )
