"""Writes on activities. Validation depends on the kind; links are checked to be in-workspace."""

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from rapport.activities.attendees import (
    VIA_ATTENDEE,
    attendee_emails_write,
    attendee_links,
    link_fields,
)
from rapport.activities.links import link_types
from rapport.activities.models import (
    Activity,
    ActivityKind,
    CallOutcome,
    Direction,
)
from rapport.audit.models import AuditAction
from rapport.audit.services import (
    audit_bulk_created,
    audit_record,
    audited_delete,
    diff,
    non_empty,
    snapshot,
)
from rapport.contacts.services import Actor, Data, _Collector, _owner, _text, _unknown_keys
from rapport.core.errors import ServiceValidationError
from rapport.core.hooks import records_changed
from rapport.tenancy.models import Workspace

ACTIVITY_FIELDS = [
    "kind",
    "subject",
    "body",
    "occurred_at",
    "direction",
    "duration_seconds",
    "outcome",
    "starts_at",
    "ends_at",
    "attendees",
    "due_at",
    "assignee_id",
    "done",
]
AUDITED = [
    "kind",
    "subject",
    "body",
    "occurred_at",
    "direction",
    "duration_seconds",
    "outcome",
    "starts_at",
    "ends_at",
    "attendees",
    "due_at",
    "assignee",
    "done_at",
]
# Fields that only make sense for some kinds; anything else given for another kind is refused.
KIND_FIELDS = {
    "direction": {ActivityKind.CALL, ActivityKind.EMAIL},
    "duration_seconds": {ActivityKind.CALL},
    "outcome": {ActivityKind.CALL},
    "starts_at": {ActivityKind.MEETING},
    "ends_at": {ActivityKind.MEETING},
    "attendees": {ActivityKind.MEETING},
    "due_at": {ActivityKind.TASK},
    "assignee_id": {ActivityKind.TASK},
    "done": {ActivityKind.TASK},
}


def _datetime(data: Data, name: str, c: _Collector) -> dt.datetime | None:
    value = data[name]
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            c.add(name, f"'{value}' is not an ISO 8601 date-time")
            return None
    if not isinstance(value, dt.datetime):
        c.add(name, "must be a date-time")
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)  # naive input is read as UTC, the stored zone
    return value.astimezone(dt.UTC)


def _ids(
    data: Data, name: str, model: type[models.Model], c: _Collector, known: set[int] | None
) -> list[int] | None:
    """The ids, checked to exist in the workspace (against `known` when a bulk caller has
    looked them all up at once)."""
    value = data[name]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        c.add(name, "must be a list of ids")
        return None
    ids = list(dict.fromkeys(value))
    found = (
        known
        if known is not None
        else set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
    )
    missing = [i for i in ids if i not in found]
    if missing:
        c.add(name, f"not found: {', '.join(map(str, missing))}")
        return None
    return ids


def _keeps_links(activity: Activity | None, clean: Data) -> bool:
    """Whether the activity keeps a link of a type `clean` leaves alone."""
    return activity is not None and any(
        lt.link_model._default_manager.filter(activity=activity).exists()
        for lt in link_types()
        if lt.key not in clean
    )


def _activity_clean(
    *,
    workspace: Workspace,
    data: Data,
    activity: Activity | None,
    known: dict[str, set[int]] | None = None,
) -> Data:
    c = _Collector()
    _unknown_keys(data, [*ACTIVITY_FIELDS, *(lt.key for lt in link_types())], c)
    clean: Data = {}
    kind = data.get("kind") if activity is None else activity.kind
    if activity is not None and "kind" in data and data["kind"] != activity.kind:
        c.add("kind", "cannot be changed")
    if kind not in ActivityKind.values:
        c.add("kind", f"must be one of {', '.join(ActivityKind.values)}")
        c.raise_if_any()
    clean["kind"] = kind
    for name, kinds in KIND_FIELDS.items():
        if name in data and data[name] not in (None, "", []) and kind not in kinds:
            c.add(name, f"does not apply to a {kind}")
    if "subject" in data:
        clean["subject"] = _text(data, "subject", 200, c)
    if "body" in data:
        clean["body"] = _text(data, "body", 100_000, c)
    for name in ("occurred_at", "starts_at", "ends_at", "due_at"):
        if name in data:
            clean[name] = _datetime(data, name, c)
    if "direction" in data:
        value = data["direction"] or ""
        if value not in Direction.values:
            c.add("direction", "must be inbound or outbound")
        clean["direction"] = value
    if "outcome" in data:
        value = data["outcome"] or ""
        if value not in CallOutcome.values:
            c.add("outcome", f"must be one of {', '.join(v for v in CallOutcome.values if v)}")
        clean["outcome"] = value
    if "duration_seconds" in data:
        value = data["duration_seconds"]
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 86_400
        ):
            c.add("duration_seconds", "must be a whole number of seconds from 0 to 86400")
        clean["duration_seconds"] = value
    if "attendees" in data:
        value = data["attendees"] or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            c.add("attendees", "must be a list of names or emails")
        clean["attendees"] = [v.strip() for v in value if isinstance(v, str) and v.strip()]
    if "assignee_id" in data:
        clean["assignee_id"] = _owner(workspace, data, c, field="assignee_id")
    if "done" in data:
        if not isinstance(data["done"], bool):
            c.add("done", "must be true or false")
        clean["done"] = data["done"]
    for lt in link_types():
        if lt.key in data:
            clean[lt.key] = _ids(data, lt.key, lt.target, c, (known or {}).get(lt.key))
    # A meeting is linked to its attendees' contacts too (unless its contact ids were refused),
    # made again whenever its attendees or contacts are given.
    if (
        kind == ActivityKind.MEETING
        and ("attendees" in clean or "contact_ids" in clean or activity is None)
        and clean.get("contact_ids", []) is not None
    ):
        attendees = clean.get("attendees", activity.attendees if activity else [])
        links = attendee_links(workspace, activity, attendees, clean.get("contact_ids"))
        if links.held:
            c.add(
                "contact_ids",
                f"cannot leave out {', '.join(map(str, links.held))}: an attendee is their "
                "email (remove the attendee to unlink them)",
            )
        clean["contact_ids"] = [*links.chosen, *links.via]
        clean[VIA_ATTENDEE] = links.via

    # What a create must give, an update may not take away (an update leaving a field alone
    # keeps an older record's gap, e.g. an activity whose only contact was deleted).
    def given(name: str) -> bool:
        return activity is None or name in data

    starts = clean.get("starts_at", activity.starts_at if activity else None)
    ends = clean.get("ends_at", activity.ends_at if activity else None)
    if kind == ActivityKind.MEETING and given("starts_at") and starts is None and not c.errors:
        c.add("starts_at", "a meeting needs a start")
    if starts and ends and ends < starts:
        c.add("ends_at", "must not be before the start")
    if kind == ActivityKind.TASK and given("subject") and not clean.get("subject"):
        c.add("subject", "a task must say what needs doing")
    if kind == ActivityKind.NOTE and given("body") and not clean.get("body"):
        c.add("body", "a note cannot be empty")
    said = ("outcome", "duration_seconds", "body", "subject")
    if kind == ActivityKind.CALL and any(map(given, said)) and not c.errors:
        kept = {n: clean[n] if n in clean else getattr(activity, n, None) for n in said}
        if all(v in (None, "") for v in kept.values()):
            c.add("outcome", "a call needs an outcome, a duration or notes")
    keys = [lt.key for lt in link_types()]
    unlinked = not any(clean.get(k) for k in keys)
    link_errors = any(e.field in keys for e in c.errors)
    if any(map(given, keys)) and unlinked and not link_errors and not _keeps_links(activity, clean):
        field = next((k for k in keys if k in data), "contact_ids")
        c.add(field, f"link the activity to at least one record ({', '.join(keys)})")
    elif (
        "attendees" in data
        and unlinked
        and "contact_ids" in clean
        and not _keeps_links(activity, clean)
    ):
        # An update dropping the attendees a meeting was linked through, and nothing else.
        c.add("attendees", "the meeting would be linked to no record: keep a contact among them")
    c.raise_if_any()
    return clean


def _set_fields(*, workspace: Workspace, activity: Activity, clean: Data, actor: Actor) -> None:
    creating = activity._state.adding
    for name, value in clean.items():
        if name not in {"done", VIA_ATTENDEE, *(lt.key for lt in link_types())}:
            setattr(activity, name, value)
    if "done" in clean:
        if clean["done"] and activity.done_at is None:
            activity.done_at = timezone.now()
        elif not clean["done"]:
            activity.done_at = None
    if activity.occurred_at is None:
        activity.occurred_at = activity.starts_at or timezone.now()
    if activity.kind == ActivityKind.TASK and creating and not activity.assignee_id:
        activity.assignee_id = getattr(actor, "pk", None)
    activity.workspace = workspace


def _write_links(
    *, workspace: Workspace, written: list[tuple[Activity, Data]], creating: bool
) -> None:
    for lt in link_types():
        manager = lt.link_model._default_manager
        pairs = [(a, clean) for a, clean in written if lt.key in clean]
        if not creating:
            manager.filter(activity__in=[a for a, _ in pairs]).delete()
        manager.bulk_create(
            lt.link_model(
                workspace=workspace,
                activity=a,
                **{f"{lt.field}_id": i},
                **link_fields(lt.link_model, clean, i),
            )
            for a, clean in pairs
            for i in clean[lt.key]
        )
    attendee_emails_write(workspace=workspace, written=written, creating=creating)


def _apply(*, workspace: Workspace, activity: Activity, clean: Data, actor: Actor) -> None:
    creating = activity._state.adding
    _set_fields(workspace=workspace, activity=activity, clean=clean, actor=actor)
    activity.save()
    _write_links(workspace=workspace, written=[(activity, clean)], creating=creating)


def _snapshot(activity: Activity, clean: Data | None = None) -> dict[str, Any]:
    """The audited state; on create the links are taken from `clean` instead of re-read."""
    snap = snapshot(activity, AUDITED)
    for lt in link_types():
        if clean is not None:
            snap[lt.audit_name] = sorted(clean.get(lt.key) or [])
        else:
            links = lt.link_model._default_manager.filter(activity=activity)
            snap[lt.audit_name] = sorted(links.values_list(f"{lt.field}_id", flat=True))
    return snap


def activity_create(*, workspace: Workspace, actor: Actor, data: Data) -> Activity:
    clean = _activity_clean(workspace=workspace, data=data, activity=None)
    with transaction.atomic():
        activity = Activity(workspace=workspace, author_id=getattr(actor, "pk", None))
        _apply(workspace=workspace, activity=activity, clean=clean, actor=actor)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=activity,
            changes=diff({}, non_empty(_snapshot(activity, clean))),
        )
        records_changed(entity="activities.activity", workspace_id=workspace.pk, ids=[activity.pk])
    return activity


BULK_MAX = 1000


def activity_bulk_create(
    *, workspace: Workspace, actor: Actor, items: list[Data]
) -> list[Activity | ServiceValidationError]:
    """Create up to BULK_MAX activities in a few statements; one result per item, in order.

    Bad items are reported and skipped; the good ones are written together, with their links
    and audit entries, in one transaction. Linked ids are checked with one query per link type.
    """
    if len(items) > BULK_MAX:
        raise ServiceValidationError.single("items", f"at most {BULK_MAX} per call")
    known = {}
    for lt in link_types():
        wanted = {i for it in items for i in (it.get(lt.key) or []) if isinstance(i, int)}
        known[lt.key] = set(
            lt.target._default_manager.filter(pk__in=wanted).values_list("pk", flat=True)
        )
    results: list[Activity | ServiceValidationError] = []
    written: list[tuple[Activity, Data]] = []
    for item in items:
        try:
            clean = _activity_clean(workspace=workspace, data=item, activity=None, known=known)
        except ServiceValidationError as exc:
            results.append(exc)
            continue
        activity = Activity(workspace=workspace, author_id=getattr(actor, "pk", None))
        _set_fields(workspace=workspace, activity=activity, clean=clean, actor=actor)
        results.append(activity)
        written.append((activity, clean))
    with transaction.atomic():
        Activity.objects.bulk_create([a for a, _ in written], batch_size=500)
        _write_links(workspace=workspace, written=written, creating=True)
        audit_bulk_created(
            workspace_id=workspace.pk,
            actor=actor,
            created=[(a, _snapshot(a, clean)) for a, clean in written],
        )
        records_changed(
            entity="activities.activity", workspace_id=workspace.pk, ids=[a.pk for a, _ in written]
        )
    return results


def activity_update(
    *, workspace: Workspace, actor: Actor, activity: Activity, data: Data
) -> Activity:
    clean = _activity_clean(workspace=workspace, data=data, activity=activity)
    with transaction.atomic():
        before = _snapshot(activity)
        _apply(workspace=workspace, activity=activity, clean=clean, actor=actor)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=activity,
            changes=diff(before, _snapshot(activity)),
        )
        records_changed(entity="activities.activity", workspace_id=workspace.pk, ids=[activity.pk])
    return activity


def activity_delete(*, workspace: Workspace, actor: Actor, activity: Activity) -> None:
    before = non_empty(_snapshot(activity))
    audited_delete(workspace_id=workspace.pk, actor=actor, instance=activity, before=before)


def task_set_done(
    *, workspace: Workspace, actor: Actor, activity: Activity, done: bool
) -> Activity:
    if activity.kind != ActivityKind.TASK:
        raise ServiceValidationError.single("kind", "only a task can be marked done")
    return activity_update(workspace=workspace, actor=actor, activity=activity, data={"done": done})
