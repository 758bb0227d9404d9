"""An activity's timeline: the source (newest first, by page) and the item's markup."""

import datetime as dt
from html import escape

from django.db import models
from django.db.models import QuerySet
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone

from rapport.activities.models import Activity
from rapport.activities.queries import activities_for_company, activities_for_contact
from rapport.core.timeline import TimelineItem, timeline_source
from rapport.web.templatetags.rapport_ui import pk_url, user_name
from rapport.web.timeline_html import ItemView, item_writer


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
    elif a.kind == "meeting" and a.starts_at:
        facts = f'\n      <p class="tl-facts muted">{view.date(a.starts_at, short=True)}'
        if a.ends_at:
            local = timezone.localtime(a.ends_at, view.zone)
            facts += f"–{local.hour:02d}:{local.minute:02d}"
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
