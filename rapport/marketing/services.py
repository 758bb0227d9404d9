"""Writes on segments, static lists and consent; each in one transaction with its audit entry."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, router, transaction
from django.db.models import RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_change, audited_delete, snapshot
from rapport.contacts.models import Contact
from rapport.contacts.services import Actor, Data, _Collector, _text, _unknown_keys
from rapport.core.errors import ServiceValidationError
from rapport.core.hooks import records_changed
from rapport.marketing.conditions.lists import list_ids_named
from rapport.marketing.definition import definition_clean, empty_definition
from rapport.marketing.models import (
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    Segment,
    StaticList,
    StaticListMember,
)
from rapport.marketing.queries import (
    list_campaigns_using,
    list_web_forms_using,
    segments_using_list,
)
from rapport.tenancy.models import Workspace

SEGMENT_FIELDS = ["name", "description", "definition"]
LIST_FIELDS = ["name", "description"]
CONSENT_AUDITED = ["contact", "purpose", "status", "source", "note", "at"]
LIST_CHANGE_LIMIT = 1000


def _named_clean(data: Data, fields: list[str], *, creating: bool, c: _Collector) -> Data:
    _unknown_keys(data, fields, c)
    clean: Data = {}
    for name, limit in (("name", 120), ("description", 500)):
        if name in data:
            clean[name] = _text(data, name, limit, c)
    if clean.get("name", "" if creating else None) == "":
        c.add("name", "is required")
    return clean


def _create(workspace: Workspace, actor: Actor, obj: models.Model, fields: list[str]) -> None:
    obj.save()
    after = {k: v for k, v in snapshot(obj, fields).items() if v not in ("", None)}
    audit_change(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.CREATE,
        instance=obj,
        before={},
        after=after,
    )


def _update(
    workspace: Workspace, actor: Actor, obj: models.Model, clean: Data, fields: list[str]
) -> None:
    before = snapshot(obj, fields)
    for name, value in clean.items():
        setattr(obj, name, value)
    obj.save()
    audit_change(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.UPDATE,
        instance=obj,
        before=before,
        after=snapshot(obj, fields),
    )


# --- segments ------------------------------------------------------------------------------


def _segment_clean(*, workspace: Workspace, data: Data, creating: bool) -> Data:
    c = _Collector()
    clean = _named_clean(data, SEGMENT_FIELDS, creating=creating, c=c)
    if "definition" in data:
        clean["definition"] = c.run(
            lambda: definition_clean(data["definition"], workspace=workspace)
        )
    c.raise_if_any()
    return clean


def _segment_lists_hold(workspace: Workspace, clean: Data) -> None:
    if "definition" in clean:
        named = list_ids_named(clean["definition"])
        static_lists_hold(workspace=workspace, list_ids=named, field="definition")


def segment_create(*, workspace: Workspace, actor: Actor, data: Data) -> Segment:
    """A segment; without a definition it matches every contact until conditions are added."""
    clean = _segment_clean(workspace=workspace, data=data, creating=True)
    clean.setdefault("definition", empty_definition())
    with transaction.atomic():
        _segment_lists_hold(workspace, clean)
        segment = Segment(workspace=workspace, **clean)
        segment.created_by_id = getattr(actor, "pk", None)
        _create(workspace, actor, segment, SEGMENT_FIELDS)
    return segment


def segment_update(*, workspace: Workspace, actor: Actor, segment: Segment, data: Data) -> Segment:
    clean = _segment_clean(workspace=workspace, data=data, creating=False)
    with transaction.atomic():
        _segment_lists_hold(workspace, clean)
        _update(workspace, actor, segment, clean, SEGMENT_FIELDS)
    return segment


def segment_delete(*, workspace: Workspace, actor: Actor, segment: Segment) -> None:
    audited_delete(
        workspace_id=workspace.pk,
        actor=actor,
        instance=segment,
        before=snapshot(segment, SEGMENT_FIELDS),
    )


# --- static lists --------------------------------------------------------------------------


def static_list_create(*, workspace: Workspace, actor: Actor, data: Data) -> StaticList:
    c = _Collector()
    clean = _named_clean(data, LIST_FIELDS, creating=True, c=c)
    c.raise_if_any()
    with transaction.atomic():
        static_list = StaticList(workspace=workspace, **clean)
        _create(workspace, actor, static_list, LIST_FIELDS)
    return static_list


def static_list_update(
    *, workspace: Workspace, actor: Actor, static_list: StaticList, data: Data
) -> StaticList:
    c = _Collector()
    clean = _named_clean(data, LIST_FIELDS, creating=False, c=c)
    c.raise_if_any()
    with transaction.atomic():
        _update(workspace, actor, static_list, clean, LIST_FIELDS)
    return static_list


class StaticListInUse(ServiceValidationError):
    """The list is in use (segments, sequences, unfinished campaigns, web forms): deleting it
    is refused (a 409)."""


def _quoted(kind: str, names: list[str]) -> str:
    return f"{kind}{'s' if len(names) > 1 else ''} " + ", ".join(f"“{n}”" for n in names)


def _restricting(obj: models.Model) -> list[str]:
    """The rows of other apps that forbid deleting `obj` (RESTRICT), found without deleting."""
    try:
        Collector(using=router.db_for_write(type(obj)), origin=obj).collect([obj])
    except RestrictedError as exc:
        return sorted(str(o) for o in exc.restricted_objects)
    return []


def _list_users(static_list: StaticList) -> list[str]:
    """Who uses the list, as "segments “A”, “B”"-style phrases; none if nobody does.

    Campaigns count until they finish (a sent one keeps its recipients without the list);
    web forms count whether active or not, as either would subscribe to nothing."""
    users = [
        ("segment", [s.name for s in segments_using_list(static_list=static_list)]),
        ("sequence", _restricting(static_list)),
        ("campaign", list_campaigns_using(static_list=static_list)),
        ("web form", list_web_forms_using(static_list=static_list)),
    ]
    return [_quoted(kind, sorted(names)) for kind, names in users if names]


def static_lists_hold(*, workspace: Workspace, list_ids: Iterable[int | None], field: str) -> None:
    """Lock the lists a write is about to use, inside its transaction. `static_list_delete`
    locks the list before it looks for uses, so a concurrent new use is either seen there
    (the delete is refused) or finds the list gone (the write is refused naming `field`)."""
    ids = {i for i in list_ids if i is not None}
    if not ids:
        return
    locked = StaticList.objects.select_for_update().filter(workspace=workspace, pk__in=ids)
    if ids - set(locked.order_by("pk").values_list("pk", flat=True)):
        raise ServiceValidationError.single(field, "names a list that was deleted meanwhile")


def static_list_delete(*, workspace: Workspace, actor: Actor, static_list: StaticList) -> None:
    """Refused while something uses the list (a segment's condition would silently stop
    meaning what it says, a sequence or a campaign would lose its audience, a web form would
    subscribe to nothing); the error names them. The list row is locked first and the check
    and the delete share the transaction, so no new use slips in between."""
    with transaction.atomic():
        locked = StaticList.objects.select_for_update().filter(pk=static_list.pk).first()
        if locked is None:
            return  # deleted meanwhile: the same end
        users = _list_users(locked)
        if users:
            joined = " and ".join([", ".join(users[:-1]), users[-1]] if len(users) > 1 else users)
            raise StaticListInUse.single("static_list", f"is used by {joined}: change them first")
        audited_delete(
            workspace_id=workspace.pk,
            actor=actor,
            instance=locked,
            before=snapshot(locked, LIST_FIELDS),
        )


def _contact_ids_clean(contact_ids: Iterable[Any]) -> list[int]:
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        raise ServiceValidationError.single("contact_ids", "name at least one contact")
    if len(ids) > LIST_CHANGE_LIMIT:
        raise ServiceValidationError.single(
            "contact_ids", f"at most {LIST_CHANGE_LIMIT:,} contacts at a time"
        )
    if any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
        raise ServiceValidationError.single("contact_ids", "must be contact ids")
    found = set(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(map(str, missing[:10]))
        raise ServiceValidationError.single("contact_ids", f"no such contacts: {shown}")
    return ids


def _audit_members(
    workspace: Workspace, actor: Actor, static_list: StaticList, key: str, ids: list[int]
) -> None:
    if ids:
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=static_list,
            before={},
            after={key: sorted(ids)},
        )


def static_list_add(
    *, workspace: Workspace, actor: Actor, static_list: StaticList, contact_ids: Iterable[Any]
) -> int:
    """Add contacts (of this workspace); those already on the list are passed over.
    Returns how many were added."""
    ids = _contact_ids_clean(contact_ids)
    with transaction.atomic():
        present = set(static_list.members.values_list("contact_id", flat=True))
        new = [i for i in ids if i not in present]
        StaticListMember.objects.bulk_create(
            StaticListMember(workspace=workspace, static_list=static_list, contact_id=i)
            for i in new
        )
        _audit_members(workspace, actor, static_list, "contacts_added", new)
        StaticList.objects.filter(pk=static_list.pk).update(updated_at=timezone.now())
        if new:
            # After the commit, whoever listens (sequences entered by joining the list) learns
            # exactly which memberships began.
            joined = static_list.members.filter(contact_id__in=new).values_list("pk", flat=True)
            records_changed(
                entity="marketing.staticlistmember", workspace_id=workspace.pk, ids=list(joined)
            )
    return len(new)


def static_list_remove(
    *, workspace: Workspace, actor: Actor, static_list: StaticList, contact_ids: Iterable[Any]
) -> int:
    """Take contacts off the list; returns how many were on it."""
    ids = _contact_ids_clean(contact_ids)
    with transaction.atomic():
        rows = static_list.members.filter(contact_id__in=ids)
        removed = list(rows.values_list("contact_id", flat=True))
        rows.delete()
        _audit_members(workspace, actor, static_list, "contacts_removed", removed)
    return len(removed)


# --- consent -------------------------------------------------------------------------------


def consent_record(
    *,
    workspace: Workspace,
    actor: Actor,
    contact: Contact,
    purpose: str,
    status: str,
    source: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> ConsentEvent:
    """Record what the contact said about one purpose. Nothing is overwritten: the statement
    joins the history and, being the latest, becomes the current status."""
    c = _Collector()
    if purpose not in ConsentPurpose.values:
        c.add("purpose", f"must be one of {', '.join(ConsentPurpose.values)}")
    if status not in ConsentStatus.values:
        c.add("status", f"must be one of {', '.join(ConsentStatus.values)}")
    source = (source or "").strip()
    if not source:
        c.add("source", "is required: where the contact said so (form, call, import…)")
    elif len(source) > 100:
        c.add("source", "at most 100 characters")
    if len(note) > 500:
        c.add("note", "at most 500 characters")
    now = timezone.now()
    if at is not None and timezone.is_naive(at):
        c.add("at", "must include a time zone")
    elif at is not None and at > now + dt.timedelta(minutes=5):
        c.add("at", "cannot be in the future")
    c.raise_if_any()
    with transaction.atomic():
        event = ConsentEvent(
            workspace=workspace,
            contact=contact,
            purpose=purpose,
            status=status,
            source=source,
            note=note.strip(),
            at=at or now,
            recorded_by_id=getattr(actor, "pk", None),
        )
        _create(workspace, actor, event, CONSENT_AUDITED)
    return event
