"""A record's changes on its timeline: the source and the item's markup."""

import datetime as dt
from html import escape

from django.db import models

from rapport.audit.queries import audit_for_record
from rapport.audit.references import describe_changes
from rapport.core.timeline import TimelineItem, timeline_source
from rapport.web.templatetags.rapport_ui import change_value, humanize_field, user_name
from rapport.web.timeline_html import ItemView, item_writer


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


@item_writer("change")
def change_html(item: TimelineItem, view: ItemView) -> str:
    """Who created, deleted or changed the record, and for an update each field's before and
    after (referenced ids as names, from `describe_changes`)."""
    entry = item.obj
    if entry.action == "create":
        what = "created this record"
    elif entry.action == "delete":
        what = "deleted this record"
    elif entry.action == "export":
        what = "exported this person's data"
    else:
        count = len(entry.changes)
        what = f"changed {count} field{'' if count == 1 else 's'}"
    changes = ""
    if entry.action == "update":
        pairs = "".join(
            f'<li><span class="change-field">{escape(humanize_field(name))}</span>'
            f' <span class="change-before">{escape(change_value(pair[0]))}</span> →'
            f' <span class="change-after">{escape(change_value(pair[1]))}</span></li>'
            for name, pair in entry.changes_display.items()
        )
        changes = f'\n    <ul class="changes">\n      {pairs}\n    </ul>\n    '
    return (
        f'<li class="tl-item tl-change" id="tl-{item.key}">\n'
        '  <span class="tl-dot tl-dot-change" aria-hidden="true">✎</span>\n'
        '  <div class="tl-body">\n'
        f'    <p class="tl-meta"><strong>{escape(user_name(entry.actor, "System"))}</strong>\n'
        f"      {what}\n"
        f'      <span class="muted">· via {escape(entry.source)} · {view.ago(item.at)}</span></p>\n'
        f"    {changes}\n"
        "  </div>\n"
        "</li>"
    )
