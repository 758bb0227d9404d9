"""Reads of activities, inside the caller's workspace scope."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rapport.activities.links import other_links_attach
from rapport.activities.models import Activity, ActivityKind
from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page, SortKey, paginate


def activity_get(*, activity_id: int) -> Activity:
    return Activity.objects.select_related("author", "assignee").get(pk=activity_id)


def activities_for_contact(*, contact_id: int) -> QuerySet[Activity]:
    return Activity.objects.filter(contact_links__contact_id=contact_id)


def activities_for_company(*, company_id: int) -> QuerySet[Activity]:
    return Activity.objects.filter(company_links__company_id=company_id)


TASK_GROUPS = {
    "": "All open",
    "overdue": "Overdue",
    "today": "Due today",
    "upcoming": "Upcoming",
    "undated": "No due date",
}
TASK_PAGE = 50


def _task_group_filters(now: dt.datetime) -> dict[str, Q]:
    """The open-task groups as conditions. "Today" is the rest of the current day in the active
    time zone (the reader's), so a task is in exactly one group whatever the time."""
    local = timezone.localtime(now)
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), local.tzinfo)
    return {
        "overdue": Q(due_at__lt=now),
        "today": Q(due_at__gte=now, due_at__lt=tomorrow),
        "upcoming": Q(due_at__gte=tomorrow),
        "undated": Q(due_at__isnull=True),
    }


def _open_tasks(assignee_id: int | None) -> QuerySet[Activity]:
    qs = Activity.objects.filter(kind=ActivityKind.TASK, done_at__isnull=True)
    return qs if assignee_id is None else qs.filter(assignee_id=assignee_id)


def open_task_counts(*, assignee_id: int | None, now: dt.datetime) -> dict[str, int]:
    """How many open tasks each group holds (key "" for all), in one aggregate query; a user's
    own when `assignee_id` is given, else everyone's in the workspace."""
    counts = _open_tasks(assignee_id).aggregate(
        all=Count("pk"),
        **{g: Count("pk", filter=cond) for g, cond in _task_group_filters(now).items()},
    )
    return {("" if key == "all" else key): value for key, value in counts.items()}


def task_groups(*, assignee_id: int | None, now: dt.datetime) -> list[tuple[str, str, int]]:
    """The tasks page's groups as (key, label, count of open tasks)."""
    counts = open_task_counts(assignee_id=assignee_id, now=now)
    return [(key, label, counts[key]) for key, label in TASK_GROUPS.items()]


def open_tasks(
    *,
    assignee_id: int | None,
    group: str,
    now: dt.datetime,
    cursor: str | None = None,
    limit: int = TASK_PAGE,
) -> Page[Activity]:
    """A page of open tasks in a group ("" for all), soonest due first, undated last."""
    if group not in TASK_GROUPS:
        choices = ", ".join(key for key in TASK_GROUPS if key)
        raise ServiceValidationError.single("due", f"must be empty or one of {choices}")
    qs = (
        _open_tasks(assignee_id)
        .select_related("assignee")
        .prefetch_related("contacts", "companies")
    )
    if group:
        qs = qs.filter(_task_group_filters(now)[group])
    page = paginate(qs, keys=[SortKey("due_at", False)], cursor=cursor, limit=limit)
    other_links_attach(page.items)
    return page


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
    qs = Activity.objects.select_related("author", "assignee")
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
