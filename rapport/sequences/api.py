"""Nurture sequences over `/api/v1/sequences/`: the steps as JSON (validated, each problem
named by its place: `steps.2.days`), activation, enrolling contacts and removing them."""

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool

from rapport.api.permissions import READ, WRITE, caller
from rapport.api.records import PathId, RecordId, WriteSchema
from rapport.contacts.models import Contact
from rapport.core.errors import ServiceValidationError
from rapport.sequences.models import Enrollment, EnrollmentStatus, Sequence, SequenceStatus
from rapport.sequences.queries import (
    enrollment_counts,
    enrollment_get,
    enrollment_list,
    sequence_get,
    sequence_list,
    step_figures,
)
from rapport.sequences.services import (
    enrollment_remove,
    sequence_create,
    sequence_enroll,
    sequence_set_status,
    sequence_update,
)

router = Router(tags=["sequences"])
ENROLL_LIMIT = 1000


class SequenceUpdate(WriteSchema):
    name: str | None = None
    steps: list[dict[str, Any]] | None = Field(
        None,
        description='e.g. [{"type": "email", "template_id": 1}, {"type": "wait", "days": 3}, '
        '{"type": "branch", "on": "opened", "then_step": 5, "else_step": 4}, '
        '{"type": "task", "subject": "Call", "due_in_days": 1}]',
    )
    from_email: str | None = None
    enter_on_stage: str | None = Field(None, description="contacts reaching it enter; '' for none")
    enter_segment_id: RecordId | None = Field(
        None, description="its members enter (and later joiners)"
    )
    enter_list_id: RecordId | None = Field(
        None,
        description="a static list: contacts joining it from now on enter (once); null for none",
    )
    exit_on_stage: str | None = Field(None, description="contacts reaching it leave; '' for none")
    exit_on_reply: StrictBool | None = None


class SequenceCreate(SequenceUpdate):
    name: str


class SequenceOut(Schema):
    id: int
    name: str
    status: SequenceStatus
    steps: list[dict[str, Any]]
    from_email: str
    enter_on_stage: str
    enter_segment_id: int | None
    enter_list_id: int | None
    exit_on_stage: str
    exit_on_reply: bool
    updated_at: dt.datetime


class StatusIn(WriteSchema):
    status: SequenceStatus


class EnrollIn(WriteSchema):
    contact_ids: list[RecordId] = Field(max_length=ENROLL_LIMIT)


class EnrollOut(Schema):
    enrolled: int


class EnrollmentOut(Schema):
    id: int
    contact_id: int
    status: EnrollmentStatus
    step: int = Field(description="0-based index of the next step")
    next_run_at: dt.datetime
    exit_reason: str


@router.get("", response=list[SequenceOut], auth=READ)
def list_sequences(request: HttpRequest) -> list[Sequence]:
    return list(sequence_list())


@router.post("", response={201: SequenceOut}, auth=WRITE)
def create_sequence(request: HttpRequest, payload: SequenceCreate) -> Status[Sequence]:
    c = caller(request)
    return Status(
        201, sequence_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    )


@router.get("/{int:sequence_id}", response=SequenceOut, auth=READ)
def get_sequence(request: HttpRequest, sequence_id: PathId) -> Sequence:
    return sequence_get(sequence_id=sequence_id)


@router.patch("/{int:sequence_id}", response=SequenceOut, auth=WRITE)
def update_sequence(request: HttpRequest, sequence_id: PathId, payload: SequenceUpdate) -> Sequence:
    """Steps change only while the sequence is a draft or paused."""
    c = caller(request)
    sequence = sequence_get(sequence_id=sequence_id)
    return sequence_update(
        workspace=c.workspace, actor=c.actor, sequence=sequence, data=payload.service_data()
    )


@router.post("/{int:sequence_id}/status", response=SequenceOut, auth=WRITE)
def set_status(request: HttpRequest, sequence_id: PathId, payload: StatusIn) -> Sequence:
    c = caller(request)
    sequence = sequence_get(sequence_id=sequence_id)
    return sequence_set_status(
        workspace=c.workspace, actor=c.actor, sequence=sequence, status=payload.status
    )


@router.post("/{int:sequence_id}/enroll", response=EnrollOut, auth=WRITE)
def enroll(request: HttpRequest, sequence_id: PathId, payload: EnrollIn) -> dict[str, int]:
    """Contacts not in the sequence yet enter it; ids of another workspace are refused."""
    c = caller(request)
    sequence = sequence_get(sequence_id=sequence_id)
    contacts = Contact.objects.filter(pk__in=payload.contact_ids)
    missing = set(payload.contact_ids) - set(contacts.values_list("pk", flat=True))
    if missing:
        raise ServiceValidationError.single(
            "contact_ids", f"not contacts of this workspace: {sorted(missing)}"
        )
    added = sequence_enroll(
        workspace=c.workspace, actor=c.actor, sequence=sequence, contacts=contacts
    )
    return {"enrolled": added}


@router.get("/{int:sequence_id}/enrollments", response=list[EnrollmentOut], auth=READ)
def list_enrollments(request: HttpRequest, sequence_id: PathId) -> list[Enrollment]:
    return list(enrollment_list(sequence=sequence_get(sequence_id=sequence_id))[:500])


class StepReport(Schema):
    step: int = Field(description="1-based, as the builder numbers steps")
    type: str
    here: int = Field(description="contacts whose last step run is this one (waiting on it)")
    campaign_id: int | None = Field(description="an email step's sends and tracking")
    sent: int
    opened: int = Field(description="recipients who opened, not opens")
    clicked: int = Field(description="recipients who clicked, not clicks")


class SequenceReport(Schema):
    enrollments: dict[str, int] = Field(description="how many are in each status")
    steps: list[StepReport]


@router.get("/{int:sequence_id}/report", response=SequenceReport, auth=READ)
def sequence_report(request: HttpRequest, sequence_id: PathId) -> dict[str, Any]:
    """What the sequence has done: who is in, done or out, and each step's figures."""
    sequence = sequence_get(sequence_id=sequence_id)
    steps = [
        {"step": n, "type": step["type"], **asdict(figures)}
        for n, (step, figures) in enumerate(
            zip(sequence.steps, step_figures(sequence=sequence), strict=True), start=1
        )
    ]
    return {"enrollments": enrollment_counts(sequence=sequence), "steps": steps}


@router.post("/enrollments/{int:enrollment_id}/remove", response=EnrollmentOut, auth=WRITE)
def remove_enrollment(request: HttpRequest, enrollment_id: PathId) -> Enrollment:
    c = caller(request)
    enrollment = enrollment_get(enrollment_id=enrollment_id)
    return enrollment_remove(workspace=c.workspace, actor=c.actor, enrollment=enrollment)
