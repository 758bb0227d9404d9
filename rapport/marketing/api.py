"""Marketing over `/api/v1/marketing/`: segments, static lists and consent.

`/marketing/segments` lists, creates, reads, changes and deletes segments; a segment's
`definition` is the JSON condition tree of `marketing.definition` (groups `{"op": "and"|"or",
"rules": [...]}`, conditions `{"type": ..., ...}`); a bad condition is named in the problem's
errors by its path (`definition.rules.1.rules.0.stage`). `/segments/{id}/members` pages its
members, `/segments/{id}/count` counts them, `/segments/{id}/report` reports
their stages, reach, purchases and deals, `/segments/count` counts an unsaved definition
(for a builder). `/marketing/lists` are static lists with members added and removed by id.
`/marketing/consent/{contact_id}` gives a contact's current consent per purpose and its full
history, and records a new statement.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from rapport.api.permissions import DELETE, READ, WRITE, caller
from rapport.api.problem import problem_response
from rapport.api.records import (
    DecimalStr,
    PageOut,
    PageParams,
    PathId,
    RecordId,
    UtcDatetime,
    WriteSchema,
    query_errors,
)
from rapport.contacts.models import Contact
from rapport.contacts.queries import contact_get
from rapport.core.pagination import Page, SortKey, paginate
from rapport.marketing.definition import definition_clean
from rapport.marketing.models import (
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    Segment,
    StaticList,
    SubscriptionRequest,
)
from rapport.marketing.queries import (
    consent_current,
    consent_history,
    definition_members,
    segment_get,
    segment_list,
    segment_members,
    static_list_get,
    static_list_list,
    static_list_members,
    static_list_subscription_requests,
)
from rapport.marketing.segment_report import SegmentReport, segment_report
from rapport.marketing.services import (
    LIST_CHANGE_LIMIT,
    StaticListInUse,
    consent_record,
    segment_create,
    segment_delete,
    segment_update,
    static_list_add,
    static_list_create,
    static_list_delete,
    static_list_remove,
    static_list_update,
)

router = Router()
segments = Router(tags=["marketing segments"])
lists = Router(tags=["marketing lists"])
consent = Router(tags=["marketing consent"])
BY_NAME = [SortKey("sort_name", False)]


class MemberOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    lifecycle_stage: str


class CountOut(Schema):
    count: int


def _members_page(members: Any, params: PageParams) -> Page[Contact]:
    with query_errors():
        return paginate(members, keys=BY_NAME, cursor=params.cursor, limit=params.limit)


# --- segments ------------------------------------------------------------------------------


class SegmentUpdate(WriteSchema):
    name: str | None = None
    description: str | None = None
    definition: dict[str, Any] | None = Field(
        None, description='{"op": "and"|"or", "rules": [conditions or groups]}'
    )


class SegmentCreate(SegmentUpdate):
    name: str


class DefinitionIn(WriteSchema):
    definition: dict[str, Any]


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    definition: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


@segments.get("", response=PageOut[SegmentOut], auth=READ)
def list_segments(request: HttpRequest, params: Query[PageParams]) -> Page[Segment]:
    with query_errors():
        return paginate(
            segment_list(), keys=[SortKey("name", False)], cursor=params.cursor, limit=params.limit
        )


@segments.post("", response={201: SegmentOut}, auth=WRITE)
def create_segment(request: HttpRequest, payload: SegmentCreate) -> Status[Segment]:
    c = caller(request)
    return Status(
        201, segment_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    )


@segments.post("/count", response=CountOut, auth=READ)
def count_definition(request: HttpRequest, payload: DefinitionIn) -> dict[str, int]:
    """How many contacts an unsaved definition matches (the builder's live count)."""
    workspace = caller(request).workspace
    tree = definition_clean(payload.definition, workspace=workspace)
    return {"count": definition_members(workspace=workspace, definition=tree).count()}


@segments.get("/{int:segment_id}", response=SegmentOut, auth=READ)
def get_segment(request: HttpRequest, segment_id: PathId) -> Segment:
    return segment_get(segment_id=segment_id)


@segments.patch("/{int:segment_id}", response=SegmentOut, auth=WRITE)
def update_segment(request: HttpRequest, segment_id: PathId, payload: SegmentUpdate) -> Segment:
    c = caller(request)
    segment = segment_get(segment_id=segment_id)
    return segment_update(
        workspace=c.workspace, actor=c.actor, segment=segment, data=payload.service_data()
    )


@segments.delete("/{int:segment_id}", response={204: None}, auth=DELETE)
def delete_segment(request: HttpRequest, segment_id: PathId) -> Status[None]:
    c = caller(request)
    segment_delete(workspace=c.workspace, actor=c.actor, segment=segment_get(segment_id=segment_id))
    return Status(204, None)


@segments.get("/{int:segment_id}/members", response=PageOut[MemberOut], auth=READ)
def list_segment_members(
    request: HttpRequest, segment_id: PathId, params: Query[PageParams]
) -> Page[Contact]:
    """The contacts the segment matches now, by name."""
    segment = segment_get(segment_id=segment_id)
    members = segment_members(workspace=caller(request).workspace, segment=segment)
    return _members_page(members, params)


@segments.get("/{int:segment_id}/count", response=CountOut, auth=READ)
def count_segment(request: HttpRequest, segment_id: PathId) -> dict[str, int]:
    segment = segment_get(segment_id=segment_id)
    return {"count": segment_members(workspace=caller(request).workspace, segment=segment).count()}


class StageCountOut(Schema):
    stage: str
    label: str
    count: int


class SegmentReportOut(Schema):
    currency: str = Field(description="the workspace's base currency, of every amount")
    members: int
    stages: list[StageCountOut] = Field(description="members per lifecycle stage (non-zero)")
    email_reachable: int = Field(description="opted in to email marketing, may be emailed")
    buyers: int = Field(description="members with a paid or fulfilled order")
    lifetime_revenue: DecimalStr = Field(description="orders converted at their order date")
    revenue_per_member: DecimalStr
    open_deals: int
    open_pipeline: DecimalStr = Field(description="open deals' amounts at today's rate")
    won_last_year: DecimalStr = Field(description="deals won in 365 days, at their close date")
    problem: str = Field(description="why amounts are 0: a missing exchange rate, else empty")


@segments.get("/{int:segment_id}/report", response=SegmentReportOut, auth=READ)
def get_segment_report(request: HttpRequest, segment_id: PathId) -> SegmentReport:
    """The segment's members by stage, their reach, purchases and deals, in one answer."""
    segment = segment_get(segment_id=segment_id)
    return segment_report(workspace=caller(request).workspace, segment=segment)


# --- static lists --------------------------------------------------------------------------


class ListUpdate(WriteSchema):
    name: str | None = None
    description: str | None = None


class ListCreate(ListUpdate):
    name: str


class ListOut(Schema):
    id: int
    name: str
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactIdsIn(WriteSchema):
    contact_ids: list[RecordId] = Field(..., min_length=1, max_length=LIST_CHANGE_LIMIT)


class ChangedOut(Schema):
    changed: int = Field(description="how many contacts were added (or removed)")


@lists.get("", response=PageOut[ListOut], auth=READ)
def list_lists(request: HttpRequest, params: Query[PageParams]) -> Page[StaticList]:
    with query_errors():
        return paginate(
            static_list_list(),
            keys=[SortKey("name", False)],
            cursor=params.cursor,
            limit=params.limit,
        )


@lists.post("", response={201: ListOut}, auth=WRITE)
def create_list(request: HttpRequest, payload: ListCreate) -> Status[StaticList]:
    c = caller(request)
    data = payload.service_data()
    return Status(201, static_list_create(workspace=c.workspace, actor=c.actor, data=data))


@lists.get("/{int:list_id}", response=ListOut, auth=READ)
def get_list(request: HttpRequest, list_id: PathId) -> StaticList:
    return static_list_get(list_id=list_id)


@lists.patch("/{int:list_id}", response=ListOut, auth=WRITE)
def update_list(request: HttpRequest, list_id: PathId, payload: ListUpdate) -> StaticList:
    c = caller(request)
    return static_list_update(
        workspace=c.workspace,
        actor=c.actor,
        static_list=static_list_get(list_id=list_id),
        data=payload.service_data(),
    )


@lists.delete("/{int:list_id}", response={204: None}, auth=DELETE)
def delete_list(request: HttpRequest, list_id: PathId) -> Status[None] | HttpResponse:
    """Refused (409, naming them) while a segment's condition names the list or a sequence is
    entered by joining it."""
    c = caller(request)
    try:
        static_list_delete(
            workspace=c.workspace, actor=c.actor, static_list=static_list_get(list_id=list_id)
        )
    except StaticListInUse as exc:
        return problem_response(409, str(exc), errors=exc.errors, title="List in use")
    return Status(204, None)


@lists.get("/{int:list_id}/members", response=PageOut[MemberOut], auth=READ)
def list_list_members(
    request: HttpRequest, list_id: PathId, params: Query[PageParams]
) -> Page[Contact]:
    members = static_list_members(static_list=static_list_get(list_id=list_id))
    return _members_page(members, params)


class SubscriptionRequestOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    form_name: str
    double_opt_in: bool
    requested_at: dt.datetime
    expires_at: dt.datetime
    confirmed_at: dt.datetime | None
    ip_address: str | None
    confirmed_ip_address: str | None
    contact_id: int | None


@lists.get(
    "/{int:list_id}/subscription-requests",
    response=PageOut[SubscriptionRequestOut],
    auth=READ,
)
def list_list_subscription_requests(
    request: HttpRequest, list_id: PathId, params: Query[PageParams]
) -> Page[SubscriptionRequest]:
    """Web form sign-ups for the list, newest first: the double opt-in evidence."""
    asked = static_list_subscription_requests(static_list=static_list_get(list_id=list_id))
    with query_errors():
        return paginate(
            asked,
            keys=[SortKey("requested_at", True)],
            cursor=params.cursor,
            limit=params.limit,
        )


@lists.post("/{int:list_id}/members", response=ChangedOut, auth=WRITE)
def add_list_members(
    request: HttpRequest, list_id: PathId, payload: ContactIdsIn
) -> dict[str, int]:
    """Contacts already on the list are passed over."""
    c = caller(request)
    added = static_list_add(
        workspace=c.workspace,
        actor=c.actor,
        static_list=static_list_get(list_id=list_id),
        contact_ids=payload.contact_ids,
    )
    return {"changed": added}


@lists.post("/{int:list_id}/members/remove", response=ChangedOut, auth=WRITE)
def remove_list_members(
    request: HttpRequest, list_id: PathId, payload: ContactIdsIn
) -> dict[str, int]:
    c = caller(request)
    removed = static_list_remove(
        workspace=c.workspace,
        actor=c.actor,
        static_list=static_list_get(list_id=list_id),
        contact_ids=payload.contact_ids,
    )
    return {"changed": removed}


# --- consent -------------------------------------------------------------------------------


class ConsentIn(WriteSchema):
    purpose: ConsentPurpose
    status: ConsentStatus
    source: str = Field(..., description="where the contact said so: web form, call, import…")
    note: str = ""
    at: UtcDatetime | None = Field(None, description="when the contact said so; now if omitted")


class ConsentEventOut(Schema):
    id: int
    purpose: ConsentPurpose
    status: ConsentStatus
    source: str
    note: str
    at: dt.datetime
    recorded_by_id: int | None
    created_at: dt.datetime


class ConsentStateOut(Schema):
    purpose: ConsentPurpose
    status: ConsentStatus = Field(description="the latest statement's; unknown without one")
    since: dt.datetime | None


class ConsentOut(Schema):
    contact_id: int
    current: list[ConsentStateOut]
    history: list[ConsentEventOut] = Field(description="every statement, newest first")


def _consent_out(contact: Contact) -> dict[str, Any]:
    current = [
        {
            "purpose": purpose,
            "status": event.status if event else ConsentStatus.UNKNOWN,
            "since": event.at if event else None,
        }
        for purpose, _, event in consent_current(contact=contact)
    ]
    return {
        "contact_id": contact.pk,
        "current": current,
        "history": list(consent_history(contact=contact)),
    }


@consent.get("/{int:contact_id}", response=ConsentOut, auth=READ)
def get_consent(request: HttpRequest, contact_id: PathId) -> dict[str, Any]:
    return _consent_out(contact_get(contact_id=contact_id))


@consent.post("/{int:contact_id}", response={201: ConsentEventOut}, auth=WRITE)
def record_consent(
    request: HttpRequest, contact_id: PathId, payload: ConsentIn
) -> Status[ConsentEvent]:
    """Adds a statement to the history; the latest one is the contact's current status."""
    c = caller(request)
    event = consent_record(
        workspace=c.workspace,
        actor=c.actor,
        contact=contact_get(contact_id=contact_id),
        purpose=payload.purpose,
        status=payload.status,
        source=payload.source,
        note=payload.note,
        at=payload.at,
    )
    return Status(201, event)


router.add_router("/segments", segments)
router.add_router("/lists", lists)
router.add_router("/consent", consent)
