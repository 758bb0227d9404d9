"""The audit writer. Every service that changes customer data calls `audit_record`."""

import functools
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from rapport.audit.context import current_source
from rapport.audit.models import AuditAction, AuditEntry
from rapport.core.bulk_rows import rows_insert
from rapport.core.errors import StateConflict
from rapport.tenancy.data_version import data_changed

Snapshot = dict[str, Any]
AUDIT_COLUMNS = [
    "workspace_id",
    "created_at",
    "updated_at",
    "actor_id",
    "source",
    "action",
    "entity",
    "object_id",
    "object_repr",
    "changes",
    "at",
]


# Values JSON holds as they are: most of a snapshot's, passed without the checks below
# (bulk writers take two snapshots a row).
PLAIN = frozenset({str, int, bool, float, type(None)})


def _json_safe(value: Any) -> Any:
    if type(value) in PLAIN:
        return value
    if isinstance(value, (Decimal, datetime, date)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> Snapshot:
    """The audited fields of `instance` as JSON-safe values (foreign keys as ids)."""
    return {
        name: _json_safe(getattr(instance, attname))
        for name, attname in _attnames(type(instance), tuple(fields))
    }


@functools.lru_cache(maxsize=256)
def _attnames(model: type[models.Model], fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each field's attribute (a foreign key's id), looked up once per model and field list:
    bulk writers take thousands of snapshots a chunk."""
    return [(name, getattr(model._meta.get_field(name), "attname", name)) for name in fields]


def diff(before: Snapshot, after: Snapshot) -> dict[str, list[Any]]:
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


# The values a create or a delete leaves out of its entry.
EMPTY: tuple[Any, ...] = ("", None, [], {})


def non_empty(snap: Snapshot) -> Snapshot:
    """The values a snapshot holds: a create or a delete records only what was set."""
    return {k: v for k, v in snap.items() if v not in EMPTY}


def audit_record(
    *,
    workspace_id: int,
    actor: Any,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]],
) -> AuditEntry | None:
    """Write one audit entry; an update that changed nothing writes nothing.

    Every write of customer data passes here, so this is also where the workspace's data
    version is raised (after the commit): kept pages of the workspace go stale.
    """
    if action == AuditAction.UPDATE and not changes:
        return None
    data_changed(workspace_id=workspace_id)
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.unscoped.create(
        workspace_id=workspace_id,
        actor_id=actor_id,
        source=current_source(),
        action=action,
        entity=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        changes=changes,
        at=timezone.now(),
    )


def audit_bulk_created(
    *, workspace_id: int, actor: Any, created: list[tuple[models.Model, Snapshot]]
) -> None:
    """One "create" entry per (instance, its snapshot), in one insert: for bulk writers."""
    audit_rows_created(
        workspace_id=workspace_id,
        actor=actor,
        created=((obj._meta.label_lower, obj.pk, str(obj), snap) for obj, snap in created),
    )


def audit_rows_created(
    *, workspace_id: int, actor: Any, created: Iterable[tuple[str, int, str, Snapshot]]
) -> None:
    """One "create" entry per (entity, id, repr, snapshot), in one insert: for bulk writers
    that hold plain rows, not model instances."""
    _audit_rows(
        workspace_id,
        actor,
        AuditAction.CREATE,
        (
            (entity, pk, text, {k: [None, v] for k, v in snap.items() if v not in EMPTY})
            for entity, pk, text, snap in created
        ),
    )


def audit_rows_updated(
    *, workspace_id: int, actor: Any, entries: Iterable[tuple[str, int, str, dict[str, list[Any]]]]
) -> None:
    """One "update" entry per (entity, id, repr, changes), in one insert: for bulk writers
    (an update that changed nothing has no entry)."""
    _audit_rows(workspace_id, actor, AuditAction.UPDATE, entries)


def _audit_rows(
    workspace_id: int,
    actor: Any,
    action: str,
    entries: Iterable[tuple[str, int, str, dict[str, list[Any]]]],
) -> None:
    data_changed(workspace_id=workspace_id)
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    source = current_source()
    rows = [
        (
            *(workspace_id, now, now, actor_id, source, str(action), entity, pk),
            *(text[:200], changes, now),
        )
        for entity, pk, text, changes in entries
    ]
    rows_insert(AuditEntry, AUDIT_COLUMNS, rows)


def created_changes_sql(
    model: type[models.Model], fields: Iterable[str], alias: str, extra: dict[str, str]
) -> str:
    """A PostgreSQL expression for the changes of a "create" entry, built from the columns of
    the `model` row named `alias` as `audit_rows_created` builds them from its snapshot: each
    audited field that holds a value as `[null, value]`, empty ones ("", null, {}, []) left
    out; `extra` adds entries computed by the caller (SQL giving a JSON-able value, or NULL
    when empty). Only field types whose JSON is the same both ways are accepted."""
    quote = connection.ops.quote_name
    kept, whole = [], []
    for name in fields:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)  # a concrete field, not a relation's other end
        column = f"{alias}.{quote(str(field.column))}"
        kind = field.get_internal_type()
        if kind in ("CharField", "TextField", "EmailField", "SlugField", "URLField"):
            kept.append((name, f"NULLIF({column}, '')"))
        elif kind in ("ForeignKey", "OneToOneField", "BooleanField") or kind.endswith(
            "IntegerField"
        ):
            kept.append((name, column))
        elif kind == "JSONField":
            whole.append((name, f"NULLIF(NULLIF({column}, '{{}}'::jsonb), '[]'::jsonb)"))
        else:  # dates and decimals: Python's JSON of them is not PostgreSQL's
            raise TypeError(f"{model.__name__}.{name} ({kind}) has no SQL snapshot")
    kept.extend(extra.items())
    # jsonb_strip_nulls drops the empty entries; a JSON field's value is added apart, so
    # that nulls inside it stay as the snapshot holds them.
    pairs = ", ".join(
        f"'{name}', CASE WHEN {value} IS NOT NULL THEN jsonb_build_array(NULL, {value}) END"
        for name, value in kept
    )
    out = f"jsonb_strip_nulls(jsonb_build_object({pairs}))"
    for name, value in whole:
        out += (
            f" || CASE WHEN {value} IS NOT NULL"
            f" THEN jsonb_build_object('{name}', jsonb_build_array(NULL, {value}))"
            " ELSE '{}'::jsonb END"
        )
    return out


def audit_created_by_query(
    *, workspace_id: int, actor: Any, entity: str, query: str, params: list[Any]
) -> None:
    """One "create" entry per row of `query` (columns `object_id`, `object_repr`, `changes`
    as jsonb), in id order, written by PostgreSQL itself: for bulk writers whose records are
    already in the database, so each entry's changes need no dict and JSON in Python
    (`created_changes_sql` builds them as `audit_rows_created` does)."""
    data_changed(workspace_id=workspace_id)
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    quote = connection.ops.quote_name
    columns = {f.attname: f.column for f in AuditEntry._meta.concrete_fields}
    names = ", ".join(quote(columns[c]) for c in AUDIT_COLUMNS)
    fixed = [workspace_id, now, now, actor_id, current_source(), AuditAction.CREATE.value, entity]
    sql = (
        f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({names})"  # noqa: S608 (identifiers)
        " SELECT %s, %s, %s, %s, %s, %s, %s, q.object_id, left(q.object_repr, 200), q.changes, %s"
        f" FROM ({query}) AS q ORDER BY q.object_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fixed, now, *params])


def audited_update(
    *,
    workspace_id: int,
    actor: Any,
    instance: models.Model,
    values: dict[str, Any],
    fields: list[str],
) -> None:
    """Set `values` on `instance`, save it, and record what changed, in one transaction."""
    with transaction.atomic():
        before = snapshot(instance, fields)
        for name, value in values.items():
            setattr(instance, name, value)
        instance.save()
        audit_record(
            workspace_id=workspace_id,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=instance,
            changes=diff(before, snapshot(instance, fields)),
        )


def audit_change(
    *,
    workspace_id: int,
    actor: Any,
    action: str,
    instance: models.Model,
    before: Snapshot,
    after: Snapshot,
) -> AuditEntry | None:
    """`audit_record` of the difference between two snapshots."""
    return audit_record(
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        instance=instance,
        changes=diff(before, after),
    )


def audited_delete(
    *, workspace_id: int, actor: Any, instance: models.Model, before: Snapshot
) -> None:
    """Delete `instance`, recording `before` (what it held) in the same transaction: the
    entry names the record by its primary key, so it is written before the row goes. A row
    that protects it (a ticket's requester) refuses the delete as a `StateConflict` naming
    them, the entry rolled back with it."""
    with transaction.atomic():
        audit_record(
            workspace_id=workspace_id,
            actor=actor,
            action=AuditAction.DELETE,
            instance=instance,
            changes=diff(before, {}),
        )
        try:
            instance.delete()
        except ProtectedError as exc:
            raise _still_needed(instance, exc.protected_objects) from exc


def _still_needed(instance: models.Model, needing: Iterable[models.Model]) -> StateConflict:
    """The refusal to delete `instance` while the rows `needing` it remain: how many of each
    kind and the first few by name, so the caller knows what to delete or change first."""
    by_kind: dict[type[models.Model], list[models.Model]] = {}
    for row in needing:
        by_kind.setdefault(type(row), []).append(row)
    parts = []
    for model, rows in by_kind.items():
        meta = model._meta
        kind = meta.verbose_name if len(rows) == 1 else meta.verbose_name_plural
        rows.sort(key=lambda row: row.pk)
        named = ", ".join(str(row) for row in rows[:3]) + (", …" if len(rows) > 3 else "")
        parts.append(f"{len(rows)} {kind} ({named})")
    return StateConflict.single(
        instance._meta.model_name or "record",
        f"is still referred to by {' and '.join(parts)}; delete or change those first",
    )


def audited_delete_many(
    *, workspace_id: int, actor: Any, deleted: list[tuple[models.Model, Snapshot]]
) -> None:
    """Delete these instances of one model, each with the entry `audited_delete` writes
    (one insert for the entries, one cascade for the rows): for bulk deletes, an undo."""
    if not deleted:
        return
    with transaction.atomic():
        _audit_rows(
            workspace_id,
            actor,
            AuditAction.DELETE,
            ((obj._meta.label_lower, obj.pk, str(obj), diff(snap, {})) for obj, snap in deleted),
        )
        model = type(deleted[0][0])
        model._base_manager.filter(pk__in=[obj.pk for obj, _ in deleted]).delete()
