"""An activity's timeline: the source (newest first, by page) and the item's markup."""

import datetime as dt
from functools import cache
from html import escape
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone

from rapport.activities.models import Activity, ActivityCompany, ActivityContact
from rapport.core.model_rows import ModelRows
from rapport.core.timeline import TimelineCursor, TimelineItem, timeline_source
from rapport.web.templatetags.rapport_ui import pk_url, user_name
from rapport.web.timeline_html import ItemView, item_writer

# What an activity's markup reads of its author and assignee (`user_name`).
_USER_FIELDS = ("id", "username", "first_name", "last_name")


# The activities' tag in the timeline's order (`TimelineItem.position`).
TAG = "b"


@cache
def _select(link: type[models.Model], relation: str | None) -> tuple[str, ModelRows, ModelRows]:
    """The statement of a record's activities through `link` (the contacts' or companies'
    link table; `relation`: after a cursor, `TimelineCursor.condition`) and what it reads:
    every activity field, the author's and assignee's names.

    It is the query `activities_for_contact(...).select_related("author", "assignee")` sent,
    ordered and limited (the activity in the record's workspace, the link by the record's id),
    written once: built through the ORM, it cost more Python to compile than the database
    spends on it, on every first visit of a record's page. The tables and columns are the
    models' own (hence the `noqa: S608`)."""
    activity, user = ModelRows.of(Activity), ModelRows.of(get_user_model(), _USER_FIELDS)
    table, users = Activity._meta.db_table, get_user_model()._meta.db_table
    record = next(f.column for f in link._meta.concrete_fields if f.name in ("contact", "company"))
    older = ""
    if relation is not None:
        at, pk = f'"{table}"."occurred_at"', f'"{table}"."id"'
        older = f" AND {TimelineCursor.condition(relation, at, pk)}"
    columns = activity.columns(table) + user.columns("U1") + user.columns("U2")
    sql = (
        f'SELECT {", ".join(columns)} FROM "{table}" '  # noqa: S608
        f'INNER JOIN "{link._meta.db_table}" L ON ("{table}"."id" = L."activity_id") '
        f'LEFT OUTER JOIN "{users}" "U1" ON ("{table}"."author_id" = "U1"."id") '
        f'LEFT OUTER JOIN "{users}" "U2" ON ("{table}"."assignee_id" = "U2"."id") '
        f'WHERE ("{table}"."workspace_id" = %s AND L."{record}" = %s{older}) '
        f'ORDER BY "{table}"."occurred_at" DESC, "{table}"."id" DESC LIMIT %s'
    )
    return sql, activity, user


def _items(
    link: type[models.Model], record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    """The record's activities after `before`, newest first, each with its author and
    assignee as `select_related` leaves them (one instance per user)."""
    sql, activity, user = _select(link, before.relation(TAG) if before else None)
    params: list[Any] = [record.workspace_id, record.pk]  # type: ignore[attr-defined]
    if before is not None:
        params.extend(before.params(TAG))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    n_activity, n_user = len(activity.fields), len(user.fields)
    author_field = Activity._meta.get_field("author")
    assignee_field = Activity._meta.get_field("assignee")
    users: dict[int, Any] = {}
    items = []
    for row in rows:
        a = activity.instance(row[:n_activity])
        author_field.set_cached_value(a, user.shared(row[n_activity : n_activity + n_user], users))
        assignee_field.set_cached_value(a, user.shared(row[n_activity + n_user :], users))
        items.append(TimelineItem(a.occurred_at, "activity", TAG, a.pk, a))
    return items


@timeline_source("contacts.contact")
def contact_activities(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    return _items(ActivityContact, record, before, limit)


@timeline_source("contacts.company")
def company_activities(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    return _items(ActivityCompany, record, before, limit)


_ICONS = {"note": "✎", "call": "☎", "task": "✓", "email": "✉"}


@item_writer("activity")
def activity_html(item: TimelineItem, view: ItemView) -> str:
    """A note, call, email, meeting or task on the timeline, with its edit, delete and done
    buttons for writers (the same markup `activities/views.py` swaps in after an edit)."""
    a: Activity = item.obj
    key = item.key
    kind = escape(a.kind)
    label = escape(str(a.get_kind_display()))
    subject = f' · <span class="tl-subject">{escape(a.subject)}</span>' if a.subject else ""
    actions = ""
    if view.can_write:
        delete = ""
        if view.can_delete:
            delete = (
                f'<button class="btn-link danger" hx-post="{pk_url(a.pk, "activities:delete")}"'
                f' hx-confirm="Delete this {label.lower()}?" hx-target="#tl-{key}"'
                ' hx-swap="outerHTML">Delete</button>'
            )
        actions = (
            '<div class="tl-actions">\n'
            f'        <button class="btn-link" hx-get="{pk_url(a.pk, "activities:edit")}"'
            f' hx-target="#tl-{key}" hx-swap="outerHTML">Edit</button>\n'
            f"        {delete}\n      </div>"
        )
    if a.kind == "task":
        facts = f'\n      <p class="tl-task">\n        {_task_check(a, key, view)}\n        '
        if a.done_at:
            facts += '<span class="badge badge-done">Done</span>'
        elif a.due_at:
            due = view.date(a.due_at, short=True)
            facts += f'<span class="badge{view.overdue_class(a.due_at)}">Due {due}</span>'
        facts += "\n        "
        if a.assignee:
            facts += f'<span class="muted">for {escape(user_name(a.assignee))}</span>'
        facts += "\n      </p>\n    "
    elif a.kind == "call":
        facts = '\n      <p class="tl-facts">'
        if a.direction:
            facts += f'<span class="badge">{escape(str(a.get_direction_display()))}</span> '
        if a.outcome:
            facts += f'<span class="badge">{escape(str(a.get_outcome_display()))}</span> '
        if a.duration_seconds:
            facts += f'<span class="muted">{round(a.duration_seconds / 60)} min</span>'
        facts += "</p>\n    "
    elif a.kind == "email" and a.direction:
        facts = (
            '\n      <p class="tl-facts">'
            f'<span class="badge">{escape(str(a.get_direction_display()))}</span></p>\n    '
        )
    elif a.kind == "meeting" and a.starts_at:
        facts = f'\n      <p class="tl-facts muted">{view.date(a.starts_at, short=True)}'
        if a.ends_at:
            facts += f"–{_meeting_end(a.starts_at, a.ends_at, view)}"
        if a.attendees:
            facts += " · " + ", ".join(escape(str(x)) for x in a.attendees)
        facts += "</p>\n    "
    else:
        facts = ""
    body = f'<div class="tl-text">{linebreaksbr(a.body, autoescape=True)}</div>' if a.body else ""
    return (
        f'<li class="tl-item tl-activity tl-{kind}{" is-done" if a.done_at else ""}"'
        f' id="tl-{key}">\n'
        f'  <span class="tl-dot tl-dot-{kind}" aria-hidden="true">'
        f"{_ICONS.get(a.kind, '◷')}</span>\n"
        '  <div class="tl-body">\n'
        '    <div class="tl-head">\n'
        f'      <p class="tl-meta"><strong>{label}</strong>{subject}\n'
        f'        <span class="muted">· {escape(user_name(a.author, "System"))} · '
        f"{view.ago(item.at)}</span></p>\n"
        f"      {actions}\n"
        "    </div>\n"
        f"    {facts}\n"
        f"    {body}\n"
        "  </div>\n"
        "</li>"
    )


def _meeting_end(starts: dt.datetime, ends: dt.datetime, view: ItemView) -> str:
    """The end's time alone when the meeting ends on the day it starts (in the view's zone),
    else its date and time: a meeting over midnight or over days shows where it ends."""
    local = timezone.localtime(ends, view.zone)
    if local.date() == timezone.localtime(starts, view.zone).date():
        return f"{local.hour:02d}:{local.minute:02d}"
    return view.date(ends, short=True)


def _task_check(a: Activity, key: str, view: ItemView) -> str:
    if not view.can_write:
        return ""
    done = "true" if a.done_at is None else "false"
    return (
        f'<button class="check{" is-checked" if a.done_at else ""}"'
        f' hx-post="{pk_url(a.pk, "activities:done")}"'
        f""" hx-vals='{{"done": "{done}"}}' hx-target="#tl-{key}" hx-swap="outerHTML\""""
        f' aria-label="{"Reopen task" if a.done_at else "Mark task done"}">✓</button>'
    )
