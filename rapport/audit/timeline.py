"""A record's changes on its timeline: the source and the item's markup."""

from functools import cache
from html import escape
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models

from rapport.audit.labels import change_rows
from rapport.audit.models import AuditEntry
from rapport.audit.references import describe_changes
from rapport.core.model_rows import ModelRows
from rapport.core.timeline import TimelineCursor, TimelineItem, timeline_source
from rapport.web.templatetags.rapport_ui import change_value, user_name
from rapport.web.timeline_html import ItemView, item_writer

# Changed fields another timeline item already tells (a merge's `merged_contact`): left out
# of the change item, which shows nothing when only these changed. The audit log keeps them.
_folded: set[str] = set()


def timeline_folded(*fields: str) -> None:
    """Leave changes of these field names out of a record's change items."""
    _folded.update(fields)


# The changes' tag in the timeline's order (`TimelineItem.position`).
TAG = "a"


@cache
def _select(relation: str | None) -> tuple[str, ModelRows, ModelRows]:
    """The statement of a record's entries (`relation`: after a cursor,
    `TimelineCursor.condition`) and what it reads:
    every entry field, the actor's names (what the markup shows).

    It is the query `audit_for_record(...)` sent, ordered and limited, written once: built
    through the ORM, it cost more Python to compile than the database spends on it, on
    every first visit of a record's page. The tables and columns are the models' own (hence
    the `noqa: S608`)."""
    entry = ModelRows.of(AuditEntry)
    actor = ModelRows.of(get_user_model(), ("id", "username", "first_name", "last_name"))
    table, users = AuditEntry._meta.db_table, get_user_model()._meta.db_table
    older = ""
    if relation is not None:
        at, pk = f'"{table}"."at"', f'"{table}"."id"'
        older = f" AND {TimelineCursor.condition(relation, at, pk)}"
    sql = (
        f'SELECT {", ".join(entry.columns(table) + actor.columns("U1"))} FROM "{table}" '  # noqa: S608
        f'LEFT OUTER JOIN "{users}" "U1" ON ("{table}"."actor_id" = "U1"."id") '
        f'WHERE ("{table}"."workspace_id" = %s AND "{table}"."entity" = %s '
        f'AND "{table}"."object_id" = %s{older}) '
        f'ORDER BY "{table}"."at" DESC, "{table}"."id" DESC LIMIT %s'
    )
    return sql, entry, actor


@timeline_source("contacts.contact", "contacts.company")
def record_changes(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    """The record's entries after `before`, newest first, in its workspace, each with
    its actor as `select_related` leaves it (one instance per user)."""
    sql, entry, actor = _select(before.relation(TAG) if before else None)
    params: list[Any] = [record.workspace_id, record._meta.label_lower, record.pk]  # type: ignore[attr-defined]
    if before is not None:
        params.extend(before.params(TAG))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    n_entry = len(entry.fields)
    actor_field = AuditEntry._meta.get_field("actor")
    actors: dict[int, Any] = {}
    entries = []
    for row in rows:
        e = entry.instance(row[:n_entry])
        actor_field.set_cached_value(e, actor.shared(row[n_entry:], actors))
        entries.append(e)
    describe_changes(entries)
    return [TimelineItem(e.at, "change", TAG, e.pk, e) for e in entries]


# A value longer than this folds behind a "show all" disclosure, its start in the summary.
FOLD_AT = 120
SUMMARY_CHARS = 80


def _value_html(value: object, css: str) -> str:
    """A changed value, whole: wrapped, and folded when long; never cut."""
    text = change_value(value)
    if len(text) <= FOLD_AT:
        return f'<span class="{css}">{escape(text)}</span>'
    return (
        f'<span class="{css}"><span class="change-start">{escape(text[:SUMMARY_CHARS])}…</span>'
        f' <details class="change-long"><summary>show all {len(text)} characters</summary>'
        f'<span class="change-full">{escape(text)}</span></details></span>'
    )


@item_writer("change")
def change_html(item: TimelineItem, view: ItemView) -> str:
    """Who created, deleted or changed the record, and for an update each field by its label
    with its before and after (ids as names, choices and custom fields by their labels: the
    `change_rows` of `describe_changes`)."""
    entry = item.obj
    rows = getattr(entry, "change_rows", None)
    if rows is None:
        rows = change_rows(entry)
    shown = [row for row in rows if row.name not in _folded]
    if entry.action == "update" and not shown:
        return ""
    if entry.action == "create":
        what = "created this record"
    elif entry.action == "delete":
        what = "deleted this record"
    elif entry.action == "export":
        what = "exported this person's data"
    else:
        count = len(shown)
        what = f"changed {count} field{'' if count == 1 else 's'}"
    changes = ""
    if entry.action == "update":
        pairs = "".join(
            f'<li><span class="change-field">{escape(row.label)}</span>'
            f" {_value_html(row.before, 'change-before')} →"
            f" {_value_html(row.after, 'change-after')}</li>"
            for row in shown
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
