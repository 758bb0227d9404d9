"""Activities (notes, calls, logged emails, meetings, tasks) over `/api/v1/activities`.

Which fields apply to which kind is the service's rule; the schema only checks JSON types,
so a `duration_seconds` on a note is refused by the service, naming the field.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from rapport.activities.links import link_ids_attach
from rapport.activities.models import Activity, ActivityKind, CallOutcome, Direction
from rapport.activities.queries import activity_get, activity_list
from rapport.activities.services import activity_create, activity_delete, activity_update
from rapport.api.permissions import DELETE, READ, WRITE, caller
from rapport.api.records import (
    AT,
    NonNull,
    PageOut,
    PageParams,
    PathId,
    PositiveInt32,
    QueryId,
    RecordId,
    UtcDatetime,
    WriteSchema,
    create_body,
    created,
    query_errors,
    refuse_unknown_params,
)
from rapport.core.pagination import Page

router = Router(tags=["activities"])


class ActivityWrite(WriteSchema):
    kind: ActivityKind | None = Field(None, description="required on create; fixed afterwards")
    subject: str | None = None
    body: str | None = None
    occurred_at: NonNull[UtcDatetime] = Field(None, description="defaults to now (or the start)")
    direction: Direction | None = Field(None, description="call and email")
    duration_seconds: PositiveInt32 | None = Field(None, description="call")
    outcome: CallOutcome | None = Field(None, description="call")
    starts_at: UtcDatetime | None = Field(None, description="meeting")
    ends_at: UtcDatetime | None = Field(None, description="meeting")
    attendees: list[str] | None = Field(
        None,
        description="meeting: names or emails; a contact's email links the meeting to it "
        "(and removing it removes that link, never a contact given in contact_ids)",
    )
    due_at: UtcDatetime | None = Field(None, description="task")
    assignee_id: RecordId | None = Field(None, description="task: a member; defaults to the author")
    done: NonNull[StrictBool] = Field(None, description="task")
    # One per link type of the registry (`links.link_types`), a test holds them in step.
    contact_ids: list[RecordId] | None = Field(
        None,
        description="every contact linked, as read: one linked through an attendee keeps that "
        "kind; leaving it out is refused while the attendee is listed",
    )
    company_ids: list[RecordId] | None = None
    deal_ids: list[RecordId] | None = None


@create_body("kind")
class ActivityCreate(ActivityWrite):
    pass


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    occurred_at: dt.datetime
    author_id: int | None
    direction: str
    duration_seconds: int | None
    outcome: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    attendees: list[str]
    due_at: dt.datetime | None
    assignee_id: int | None
    done: bool
    done_at: dt.datetime | None
    contact_ids: list[int]
    attendee_contact_ids: list[int] = Field(
        description="those of contact_ids linked through an attendee's email: they leave "
        "when the attendee does, and contact_ids may not leave them out meanwhile"
    )
    company_ids: list[int]
    deal_ids: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_done(obj: Activity) -> bool:
        return obj.done_at is not None

    # Each reads what `link_ids_attach` found.
    @staticmethod
    def resolve_contact_ids(obj: Activity) -> list[int]:
        return obj.link_ids["contact_ids"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_attendee_contact_ids(obj: Activity) -> list[int]:
        return obj.link_ids["attendee_contact_ids"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_company_ids(obj: Activity) -> list[int]:
        return obj.link_ids["company_ids"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_deal_ids(obj: Activity) -> list[int]:
        return obj.link_ids["deal_ids"]  # type: ignore[attr-defined]


class ActivityListParams(PageParams):
    kind: ActivityKind | None = Field(None, description="only activities of this kind")
    contact_id: QueryId | None = Field(None, description="activities linked to this contact")
    company_id: QueryId | None = Field(None, description="activities linked to this company")
    assignee_id: QueryId | None = Field(None, description="tasks assigned to this member")
    open_only: bool = Field(False, description="only tasks not done yet")
    occurred_after: UtcDatetime | None = Field(None, description=f"occurred at or after; {AT}")
    occurred_before: UtcDatetime | None = Field(None, description=f"occurred before; {AT}")


def _activity_out(activity_id: int) -> Activity:
    activity = activity_get(activity_id=activity_id)
    link_ids_attach([activity])
    return activity


@router.get("", response=PageOut[ActivityOut], auth=READ, description="newest first")
def list_activities(request: HttpRequest, params: Query[ActivityListParams]) -> Page[Activity]:
    refuse_unknown_params(request, ActivityListParams)
    filters: dict[str, Any] = params.model_dump(exclude={"kind"})
    with query_errors():
        page = activity_list(kind=params.kind or "", **filters)
    link_ids_attach(page.items)
    return page


@router.post("", response={201: ActivityOut}, auth=WRITE)
def create_activity(
    request: HttpRequest, response: HttpResponse, payload: ActivityCreate
) -> Status[Activity]:
    c = caller(request)
    activity = activity_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    return created(request, response, _activity_out(activity.pk))


@router.get("/{int:activity_id}", response=ActivityOut, auth=READ)
def get_activity(request: HttpRequest, activity_id: PathId) -> Activity:
    return _activity_out(activity_id)


@router.patch("/{int:activity_id}", response=ActivityOut, auth=WRITE)
def update_activity(request: HttpRequest, activity_id: PathId, payload: ActivityWrite) -> Activity:
    c = caller(request)
    activity = activity_update(
        workspace=c.workspace,
        actor=c.actor,
        activity=activity_get(activity_id=activity_id),
        data=payload.service_data(),
    )
    return _activity_out(activity.pk)


@router.delete("/{int:activity_id}", response={204: None}, auth=DELETE)
def delete_activity(request: HttpRequest, activity_id: PathId) -> Status[None]:
    c = caller(request)
    activity_delete(
        workspace=c.workspace, actor=c.actor, activity=activity_get(activity_id=activity_id)
    )
    return Status(204, None)
