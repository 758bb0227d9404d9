"""Merging two contacts or two companies, and undoing a merge.

A merge runs in one transaction: the handlers of every app move their rows from the record
going away to the survivor, the survivor takes the chosen values, the other record is
deleted, and a `MergeRecord` keeps the deleted row, the survivor's replaced values and each
handler's log, so `merge_undo` can put everything back, the removed record under its old id.
"""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record, diff
from rapport.contacts.models import Company, Contact
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.hooks import records_changed
from rapport.merge.fields import (
    NOT_EMPTY_IF_ANY,
    MergeField,
    audit_view,
    contact_primaries_sync,
    has_parent_cycle,
    is_empty,
    jsonable,
    merge_fields,
    value_of,
    value_set,
)
from rapport.merge.models import MergeRecord
from rapport.merge.registry import (
    MergePair,
    covered_relations,
    merge_handler_get,
    merge_handlers,
    relations_to,
)
from rapport.merge.snapshots import row_restore, row_snapshot
from rapport.tenancy.models import Workspace

Actor = AbstractBaseUser | AnonymousUser | None
SURVIVOR, OTHER = "survivor", "other"
MERGE_ENTITY = "merge.mergerecord"


def choices_default(field: MergeField, survivor: models.Model, other: models.Model) -> str:
    """Keep the survivor's value, unless it is empty and the other record's is not."""
    if is_empty(value_of(survivor, field)) and not is_empty(value_of(other, field)):
        return OTHER
    return SURVIVOR


def _choices_clean(
    fields: list[MergeField], survivor: models.Model, other: models.Model, choices: Any
) -> dict[str, str]:
    if choices is None:
        choices = {}
    if not isinstance(choices, dict):
        raise ServiceValidationError.single("choices", "must map field names to survivor or other")
    known = {f.name: f for f in fields}
    errors = [FieldError(f"choices.{k}", "is not a field that can be merged") for k in choices]
    errors = [e for e in errors if e.field.removeprefix("choices.") not in known]
    clean: dict[str, str] = {}
    for field in fields:
        choice = choices.get(field.name) or choices_default(field, survivor, other)
        if choice not in (SURVIVOR, OTHER):
            errors.append(FieldError(f"choices.{field.name}", "must be survivor or other"))
            continue
        picked, rest = (survivor, other) if choice == SURVIVOR else (other, survivor)
        if (
            field.name in NOT_EMPTY_IF_ANY
            and is_empty(value_of(picked, field))
            and not is_empty(value_of(rest, field))
        ):
            errors.append(
                FieldError(f"choices.{field.name}", "cannot be left empty: the other has one")
            )
        clean[field.name] = choice
    if errors:
        raise ServiceValidationError(errors)
    return clean


def _uncovered_rows(record: models.Model) -> list[str]:
    """Relations no handler moves that still point at `record` (an app that forgot to
    register): deleting it would take those rows along, so the merge is refused."""
    from django.apps import apps

    found = []
    for relation in sorted(relations_to([type(record)]) - covered_relations()):
        app_label, model_name, field = relation.split(".")
        model = apps.get_model(app_label, model_name)
        if model._base_manager.filter(**{field: record}).exists():
            found.append(relation)
    return found


def _user_id(actor: Actor) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def _locked(model: type[models.Model], pk: int) -> Any:
    return model._default_manager.select_for_update().get(pk=pk)


def _merge(
    *,
    workspace: Workspace,
    actor: Actor,
    survivor: models.Model,
    other: models.Model,
    choices: Any,
) -> MergeRecord:
    model = type(survivor)
    if survivor.pk == other.pk:
        raise ServiceValidationError.single("other_id", "a record cannot be merged with itself")
    with transaction.atomic():
        # Both rows locked in id order, so two merges of the same pair cannot deadlock.
        rows = model._default_manager.select_for_update().filter(pk__in=[survivor.pk, other.pk])
        locked = {r.pk: r for r in rows.order_by("pk")}
        if len(locked) < 2:
            raise ServiceValidationError.single("other_id", "the record was removed meanwhile")
        survivor, other = locked[survivor.pk], locked[other.pk]
        fields = merge_fields(survivor, other)
        clean = _choices_clean(fields, survivor, other, choices)
        entity = model._meta.label_lower
        before = {f.name: value_of(survivor, f) for f in fields}
        audit_before = audit_view(survivor)
        other_view = audit_view(other)
        removed_row = row_snapshot(other)
        pair = MergePair(workspace, survivor, other)
        moved = {h.key: h.move(pair) for h in merge_handlers(entity)}
        left = _uncovered_rows(other)
        if left:
            raise ServiceValidationError.single(
                "other_id", f"rows of {', '.join(left)} would be lost: no merge handler moves them"
            )
        for field in fields:
            if clean[field.name] == OTHER:
                value_set(survivor, field, value_of(other, field))
        if isinstance(survivor, Company):
            if survivor.parent_id in (survivor.pk, other.pk):
                survivor.parent_id = None
            if has_parent_cycle(survivor):
                raise ServiceValidationError.single(
                    "choices.parent", "would make the company its own ancestor"
                )
        survivor.set_derived_fields()  # type: ignore[attr-defined]
        survivor.save()
        survivor.refresh_from_db()
        if isinstance(survivor, Contact):
            contact_primaries_sync(survivor)
        other_pk = other.pk
        model._base_manager.filter(pk=other_pk).delete()
        record = MergeRecord.objects.create(
            workspace=workspace,
            entity=entity,
            survivor_id=survivor.pk,
            removed_id=other_pk,
            removed_repr=str(other)[:200],
            removed_row=removed_row,
            choices=clean,
            survivor_before=before,
            survivor_after={f.name: value_of(survivor, f) for f in fields},
            moved=moved,
            merged_by_id=_user_id(actor),
            merged_at=timezone.now(),
        )
        name = model._meta.model_name
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=survivor,
            changes={
                **diff(audit_before, audit_view(survivor)),
                f"merged_{name}": [None, other_pk],
            },
        )
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.DELETE,
            instance=other,
            changes={
                **diff({k: v for k, v in other_view.items() if not is_empty(v)}, {}),
                f"merged_into_{name}": [None, survivor.pk],
            },
        )
        records_changed(entity=entity, workspace_id=workspace.pk, ids=[survivor.pk], actor=actor)
        # Other apps (the duplicate review queue) learn of merges and undos after commit.
        records_changed(entity=MERGE_ENTITY, workspace_id=workspace.pk, ids=[record.pk])
    return record


def merge_contacts(
    *,
    workspace: Workspace,
    actor: Actor,
    survivor: Contact,
    other: Contact,
    choices: Mapping[str, str] | None = None,
) -> MergeRecord:
    """Merge `other` into `survivor`; `choices` maps a field to whose value it keeps."""
    return _merge(workspace=workspace, actor=actor, survivor=survivor, other=other, choices=choices)


def merge_companies(
    *,
    workspace: Workspace,
    actor: Actor,
    survivor: Company,
    other: Company,
    choices: Mapping[str, str] | None = None,
) -> MergeRecord:
    """Merge `other` into `survivor`; `choices` maps a field to whose value it keeps."""
    return _merge(workspace=workspace, actor=actor, survivor=survivor, other=other, choices=choices)


def _undo_refusal(record: MergeRecord, model: type[models.Model]) -> str | None:
    if record.undone_at is not None:
        return "this merge was undone already"
    ids = [record.survivor_id, record.removed_id]
    later = (
        MergeRecord.objects.filter(entity=record.entity, undone_at__isnull=True, pk__gt=record.pk)
        .filter(Q(survivor_id__in=ids) | Q(removed_id__in=ids))
        .first()
    )
    if later is not None:
        return f"a later merge ({later.removed_repr}) involves these records: undo it first"
    if not model._default_manager.filter(pk=record.survivor_id).exists():
        return "the record it merged into no longer exists"
    if model._base_manager.filter(pk=record.removed_id).exists():
        return f"a record with id {record.removed_id} exists again"
    unknown = [key for key in record.moved if merge_handler_get(key) is None]
    if unknown:
        return f"no merge handler for {', '.join(unknown)} any more"
    return None


def merge_undo(*, workspace: Workspace, actor: Actor, record: MergeRecord) -> MergeRecord:
    """Restore the removed record with its id and rows, and the survivor's replaced values.

    A survivor field changed since the merge keeps its newer value (listed in the audit
    entry as kept); rows re-pointed since stay where they are.
    """
    from django.apps import apps

    model = apps.get_model(record.entity)
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().get(pk=record.pk)
        refusal = _undo_refusal(record, model)
        if refusal:
            raise ServiceValidationError.single("merge", refusal)
        survivor = _locked(model, record.survivor_id)
        audit_before = audit_view(survivor)
        restored = row_restore(record.removed_row)
        if restored is None:
            raise ServiceValidationError.single("merge", "the removed record cannot be restored")
        pair = MergePair(workspace, survivor, restored)
        for handler in reversed(merge_handlers(record.entity)):
            if handler.key in record.moved:
                handler.undo(pair, record.moved[handler.key])
        kept = []
        fields = {f.name: f for f in merge_fields(survivor, restored)}
        for name, previous in record.survivor_before.items():
            field = fields.get(name)
            if field is None:
                continue
            if value_of(survivor, field) != jsonable(record.survivor_after.get(name)):
                kept.append(name)
                continue
            value_set(survivor, field, previous)
        survivor.set_derived_fields()
        survivor.save()
        survivor.refresh_from_db()
        restored.refresh_from_db()
        if isinstance(survivor, Contact):
            contact_primaries_sync(survivor)
            contact_primaries_sync(restored)  # type: ignore[arg-type]
        record.undone_at = timezone.now()
        record.undone_by_id = _user_id(actor)
        record.save(update_fields=["undone_at", "undone_by", "updated_at"])
        name = model._meta.model_name
        changes = {
            **diff(audit_before, audit_view(survivor)),
            f"merged_{name}": [restored.pk, None],
        }
        if kept:
            changes["kept_after_undo"] = [None, kept]
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=survivor,
            changes=changes,
        )
        restored_view = {k: v for k, v in audit_view(restored).items() if not is_empty(v)}
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=restored,
            changes={**diff({}, restored_view), f"split_from_{name}": [None, survivor.pk]},
        )
        ids = [survivor.pk, restored.pk]
        records_changed(entity=record.entity, workspace_id=workspace.pk, ids=ids, actor=actor)
        records_changed(entity=MERGE_ENTITY, workspace_id=workspace.pk, ids=[record.pk])
    return record
