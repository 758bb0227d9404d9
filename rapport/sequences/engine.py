"""Walking a contact through a sequence: run its steps until a wait, a goal or the end.

The scheduler calls `sequences_advance_all` every few minutes; each enrollment that is due is
advanced in its own transaction, so one contact's failure never holds up the others.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from rapport.activities.models import Activity, ActivityKind, Direction
from rapport.activities.services import activity_create
from rapport.audit.context import audit_source
from rapport.campaigns.models import Campaign, EventKind, Recipient, TrackingEvent
from rapport.campaigns.sending import recipient_send
from rapport.contacts.models import Contact, LifecycleStage
from rapport.marketing.queries import segment_members
from rapport.sequences.models import Enrollment, EnrollmentStatus, Sequence, SequenceStatus
from rapport.sequences.services import sequence_enroll
from rapport.sequences.steps import BranchStep, EmailStep, TaskStep, WaitStep, steps_parse
from rapport.service.models import TicketMessage
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Membership, Workspace

log = logging.getLogger(__name__)
STEPS_PER_RUN = 20  # a branch looping back runs on at the next sweep, not forever now
STAGE_ORDER = [s for s in LifecycleStage.values if s != LifecycleStage.CHURNED]


def stage_reached(current: str, goal: str) -> bool:
    """`goal` or a later stage of the funnel (churned reaches nothing)."""
    if current not in STAGE_ORDER or goal not in STAGE_ORDER:
        return current == goal
    return STAGE_ORDER.index(current) >= STAGE_ORDER.index(goal)


def replied_since(contact: Contact, since: dt.datetime) -> bool:
    """An email logged from the contact, or a message they sent to the desk, after `since`."""
    inbound = Activity.objects.filter(
        contact_links__contact_id=contact.pk,
        kind=ActivityKind.EMAIL,
        direction=Direction.INBOUND,
        occurred_at__gt=since,
    )
    return (
        inbound.exists()
        or TicketMessage.objects.filter(contact_id=contact.pk, created_at__gt=since).exists()
    )


def _goal(sequence: Sequence, enrollment: Enrollment) -> str:
    contact = enrollment.contact
    if sequence.exit_on_stage and stage_reached(contact.lifecycle_stage, sequence.exit_on_stage):
        return f"became {contact.get_lifecycle_stage_display()}"
    if sequence.exit_on_reply and replied_since(contact, enrollment.created_at):
        return "replied"
    return ""


def _happened(step: BranchStep, enrollment: Enrollment) -> bool:
    recipient: Recipient | None = enrollment.last_recipient
    if recipient is None or recipient.sent_at is None:
        return False
    if step.on == "replied":
        return replied_since(enrollment.contact, recipient.sent_at)
    kind = EventKind.OPEN if step.on == "opened" else EventKind.CLICK
    return TrackingEvent.objects.filter(recipient=recipient, kind=kind).exists()


def _finish(enrollment: Enrollment, status: str, reason: str = "") -> None:
    enrollment.status, enrollment.exit_reason = status, reason
    enrollment.finished_at = timezone.now()


def enrollment_advance(*, workspace: Workspace, enrollment: Enrollment) -> None:
    sequence = enrollment.sequence
    steps = steps_parse(sequence.steps)
    now = timezone.now()
    for _ in range(STEPS_PER_RUN):
        reason = _goal(sequence, enrollment)
        if reason:
            _finish(enrollment, EnrollmentStatus.EXITED, reason)
            break
        if enrollment.step >= len(steps):
            _finish(enrollment, EnrollmentStatus.COMPLETED)
            break
        step = steps[enrollment.step]
        enrollment.step += 1
        if isinstance(step, EmailStep):
            campaign = Campaign.objects.get(pk=sequence.step_campaigns[str(enrollment.step - 1)])
            sent = recipient_send(
                workspace=workspace, campaign=campaign, contact=enrollment.contact
            )
            enrollment.last_recipient = sent
        elif isinstance(step, WaitStep):
            wait = dt.timedelta(days=step.days, hours=step.hours)
            if wait:
                enrollment.next_run_at = now + wait
                break
        elif isinstance(step, BranchStep):
            target = step.then_step if _happened(step, enrollment) else step.else_step
            enrollment.step = target - 1
        elif isinstance(step, TaskStep):
            _task(workspace, enrollment, step, now)
    else:
        enrollment.next_run_at = now  # more to do: the next sweep goes on
    enrollment.save()


def _task(workspace: Workspace, enrollment: Enrollment, step: TaskStep, now: dt.datetime) -> None:
    """A task for the contact's owner, or unassigned if the owner has left the workspace
    (an ex-member is refused as assignee, and the step would otherwise fail at every sweep)."""
    contact = enrollment.contact
    owner_id = contact.owner_id
    if owner_id and not Membership.objects.filter(workspace=workspace, user_id=owner_id).exists():
        owner_id = None
    activity_create(
        workspace=workspace,
        actor=None,
        data={
            "kind": ActivityKind.TASK,
            "subject": step.subject,
            "body": f"From the sequence “{enrollment.sequence.name}”.",
            "due_at": (now + dt.timedelta(days=step.due_in_days)).isoformat(),
            "assignee_id": owner_id,
            "contact_ids": [contact.pk],
        },
    )


def sequences_advance(*, workspace: Workspace, limit: int = 500) -> int:
    """Advance this workspace's due enrollments of active sequences; returns how many."""
    due = (
        Enrollment.objects.filter(
            status=EnrollmentStatus.ACTIVE,
            sequence__status=SequenceStatus.ACTIVE,
            next_run_at__lte=timezone.now(),
        )
        .select_related("sequence", "contact", "last_recipient")
        .order_by("next_run_at", "id")[:limit]
    )
    done = 0
    for enrollment in due:
        try:
            with transaction.atomic():
                enrollment_advance(workspace=workspace, enrollment=enrollment)
            done += 1
        except Exception:  # one contact's failure must not stop the others; it is retried
            log.exception("sequence enrollment %s could not advance", enrollment.pk)
    return done


def segment_entries(*, workspace: Workspace) -> int:
    """Enter the members of each active sequence's entry segment who are not in it yet."""
    added = 0
    active = Sequence.objects.filter(status=SequenceStatus.ACTIVE, enter_segment__isnull=False)
    for sequence in active.select_related("enter_segment"):
        assert sequence.enter_segment is not None
        members = segment_members(workspace=workspace, segment=sequence.enter_segment)
        added += sequence_enroll(
            workspace=workspace,
            actor=None,
            sequence=sequence,
            contacts=members.exclude(sequence_enrollments__sequence=sequence),
        )
    return added


@task()
def sequences_advance_all() -> int:
    total = 0
    for workspace in Workspace.objects.all():
        with workspace_scope(workspace), audit_source("sequence"):
            segment_entries(workspace=workspace)
            total += sequences_advance(workspace=workspace)
    return total
