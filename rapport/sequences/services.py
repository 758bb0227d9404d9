"""Writes on sequences and their enrollments."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_change, audit_record, snapshot
from rapport.campaigns.models import Campaign, CampaignStatus, EmailTemplate
from rapport.contacts.models import Contact, LifecycleStage
from rapport.contacts.services import (
    Actor,
    Data,
    _Collector,
    _in_workspace,
    _text,
    _unknown_keys,
)
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import Segment, StaticList
from rapport.marketing.services import static_lists_hold
from rapport.sequences.models import Enrollment, EnrollmentStatus, Sequence, SequenceStatus
from rapport.sequences.steps import BranchStep, EmailStep, steps_dump, steps_parse
from rapport.tenancy.models import Workspace

FIELDS = [
    "name",
    "steps",
    "from_email",
    "enter_on_stage",
    "enter_segment_id",
    "enter_list_id",
    "exit_on_stage",
    "exit_on_reply",
]
AUDITED = [*(f.removesuffix("_id") for f in FIELDS), "status"]


def _clean(data: Data, *, creating: bool) -> dict[str, Any]:
    c = _Collector()
    _unknown_keys(data, FIELDS, c)
    clean: dict[str, Any] = {}
    for name, limit in (("name", 150), ("from_email", 254)):
        if name in data:
            clean[name] = _text(data, name, limit, c)
    if (creating or "name" in data) and not clean.get("name"):
        c.add("name", "is required")
    for name in ("enter_on_stage", "exit_on_stage"):
        if name in data:
            value = data[name] or ""
            if value and value not in LifecycleStage.values:
                c.add(name, f"must be one of {', '.join(LifecycleStage.values)}")
            clean[name] = value
    if "enter_segment_id" in data:
        pk = data["enter_segment_id"]
        clean["enter_segment"] = _in_workspace(Segment, pk, "enter_segment_id", c)
    if "enter_list_id" in data:
        pk = data["enter_list_id"]
        clean["enter_list"] = _in_workspace(StaticList, pk, "enter_list_id", c)
    if "exit_on_reply" in data:
        if not isinstance(data["exit_on_reply"], bool):
            c.add("exit_on_reply", "must be true or false")
        clean["exit_on_reply"] = data["exit_on_reply"]
    if "steps" in data:
        steps = c.run(lambda: _steps_clean(data["steps"]))
        clean["steps"] = steps_dump(steps) if steps is not None else None
    c.raise_if_any()
    return clean


def _steps_clean(raw: object) -> list[Any]:
    steps = steps_parse(raw)
    c = _Collector()
    templates = set(EmailTemplate.objects.values_list("pk", flat=True))
    for n, step in enumerate(steps, start=1):
        if isinstance(step, EmailStep) and step.template_id not in templates:
            c.add(f"steps.{n}.template_id", "is not a template of this workspace")
        if isinstance(step, BranchStep):
            for name in ("then_step", "else_step"):
                if getattr(step, name) > len(steps) + 1:
                    c.add(f"steps.{n}.{name}", f"there is no step {getattr(step, name)}")
    c.raise_if_any()
    return steps


def _save(
    workspace: Workspace, actor: Actor, sequence: Sequence, action: str, before: dict
) -> Sequence:
    try:
        with transaction.atomic():
            sequence.save()
    except IntegrityError as exc:
        raise ServiceValidationError.single("name", "is already used by another sequence") from exc
    audit_change(
        workspace_id=workspace.pk,
        actor=actor,
        action=action,
        instance=sequence,
        before=before,
        after=snapshot(sequence, AUDITED),
    )
    return sequence


def _list_hold(workspace: Workspace, clean: dict[str, Any]) -> None:
    chosen = clean.get("enter_list")
    if chosen is not None:
        static_lists_hold(workspace=workspace, list_ids=[chosen.pk], field="enter_list_id")


def sequence_create(*, workspace: Workspace, actor: Actor, data: Data) -> Sequence:
    clean = _clean(data, creating=True)
    with transaction.atomic():
        _list_hold(workspace, clean)
        return _save(
            workspace, actor, Sequence(workspace=workspace, **clean), AuditAction.CREATE, {}
        )


def sequence_update(
    *, workspace: Workspace, actor: Actor, sequence: Sequence, data: Data
) -> Sequence:
    clean = _clean(data, creating=False)
    if "steps" in clean and sequence.status == SequenceStatus.ACTIVE:
        raise ServiceValidationError.single("steps", "pause the sequence before changing its steps")
    with transaction.atomic():
        _list_hold(workspace, clean)
        before = snapshot(sequence, AUDITED)
        for name, value in clean.items():
            setattr(sequence, name, value)
        return _save(workspace, actor, sequence, AuditAction.UPDATE, before)


def sequence_set_status(
    *, workspace: Workspace, actor: Actor, sequence: Sequence, status: str
) -> Sequence:
    """Activating gives each email step its own campaign (its sends and tracking)."""
    if status not in SequenceStatus.values:
        raise ServiceValidationError.single(
            "status", f"must be one of {', '.join(SequenceStatus.values)}"
        )
    steps = steps_parse(sequence.steps)
    if status == SequenceStatus.ACTIVE and not steps:
        raise ServiceValidationError.single("steps", "a sequence needs at least one step")
    with transaction.atomic():
        before = snapshot(sequence, AUDITED)
        if status == SequenceStatus.ACTIVE:
            _step_campaigns(workspace, actor, sequence, steps)
        sequence.status = status
        return _save(workspace, actor, sequence, AuditAction.UPDATE, before)


def _step_campaigns(
    workspace: Workspace, actor: Actor, sequence: Sequence, steps: list[Any]
) -> None:
    from rapport.campaigns.services import campaign_create

    kept = dict(sequence.step_campaigns)
    current = dict(Campaign.objects.filter(pk__in=kept.values()).values_list("pk", "template_id"))
    used = [s.template_id for s in steps if isinstance(s, EmailStep)]
    names = dict(EmailTemplate.objects.filter(pk__in=used).values_list("pk", "name"))
    for index, step in enumerate(steps):
        if not isinstance(step, EmailStep):
            kept.pop(str(index), None)
            continue
        if current.get(kept.get(str(index))) == step.template_id:
            continue
        campaign = campaign_create(
            workspace=workspace,
            actor=actor,
            data={
                "name": f"{sequence.name} · step {index + 1}: {names[step.template_id]}",
                "template_id": step.template_id,
                "from_email": sequence.from_email,
            },
        )
        Campaign.objects.filter(pk=campaign.pk).update(
            status=CampaignStatus.SENDING, started_at=timezone.now(), sequence=sequence
        )
        kept[str(index)] = campaign.pk
    sequence.step_campaigns = kept


def sequence_enroll(
    *, workspace: Workspace, actor: Actor, sequence: Sequence, contacts: QuerySet[Contact]
) -> int:
    """Enter these contacts (those not in it before); they start at the next sweep."""
    now = timezone.now()
    before = Enrollment.objects.filter(sequence=sequence).count()
    Enrollment.objects.bulk_create(
        (
            Enrollment(workspace=workspace, sequence=sequence, contact_id=pk, next_run_at=now)
            for pk in contacts.values_list("pk", flat=True).iterator(chunk_size=2000)
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    added = Enrollment.objects.filter(sequence=sequence).count() - before
    if added:
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=sequence,
            changes={"enrolled": [None, added]},
        )
    return added


def enrollment_remove(*, workspace: Workspace, actor: Actor, enrollment: Enrollment) -> Enrollment:
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise ServiceValidationError.single("status", "this contact is not in the sequence now")
    with transaction.atomic():
        enrollment.status, enrollment.exit_reason = EnrollmentStatus.REMOVED, "removed by hand"
        enrollment.finished_at = timezone.now()
        enrollment.save()
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=enrollment.sequence,
            changes={"removed": [enrollment.contact_id, None]},
        )
    return enrollment
