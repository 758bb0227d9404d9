"""Merges over `/api/v1/merge/`: merge two contacts or two companies, read a merge, undo it.

`choices` maps a field (`first_name`, `email`, `custom_fields.tier`...) to `survivor` or
`other`; a field left out keeps the survivor's value, or the other's when the survivor has
none. Merging needs the write scope, like the other writes on contacts.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from rapport.api.permissions import READ, WRITE, Caller, caller
from rapport.api.records import PathId, RecordId, WriteSchema
from rapport.contacts.queries import company_get, contact_get
from rapport.merge.models import MergeRecord
from rapport.merge.queries import merge_get
from rapport.merge.services import merge_companies, merge_contacts, merge_undo

router = Router(tags=["merge"])


class MergeIn(WriteSchema):
    survivor_id: RecordId = Field(description="the record that stays")
    other_id: RecordId = Field(description="the record merged into it and removed")
    choices: dict[str, Literal["survivor", "other"]] = Field(
        default_factory=dict, description="field -> whose value the survivor keeps"
    )


class MergeOut(Schema):
    id: int
    entity: str = Field(description="contacts.contact or contacts.company")
    survivor_id: int
    removed_id: int
    removed_name: str
    choices: dict[str, str] = Field(description="field -> survivor or other, as applied")
    moved: dict[str, int] = Field(description="rows moved per relation (app.model.field)")
    merged_by_id: int | None
    merged_at: dt.datetime
    undone_by_id: int | None
    undone_at: dt.datetime | None

    @staticmethod
    def resolve_removed_name(obj: MergeRecord) -> str:
        return obj.removed_repr

    @staticmethod
    def resolve_moved(obj: MergeRecord) -> dict[str, int]:
        return obj.moved_counts


def _merge_args(c: Caller, payload: MergeIn) -> dict[str, Any]:
    return {"workspace": c.workspace, "actor": c.actor, "choices": payload.choices}


@router.post("/contacts", response={201: MergeOut}, auth=WRITE)
def merge_two_contacts(request: HttpRequest, payload: MergeIn) -> Status[MergeRecord]:
    """Merge `other_id` into `survivor_id`: every related record moves, the other is removed."""
    c = caller(request)
    survivor, other = (contact_get(contact_id=i) for i in (payload.survivor_id, payload.other_id))
    return Status(201, merge_contacts(**_merge_args(c, payload), survivor=survivor, other=other))


@router.post("/companies", response={201: MergeOut}, auth=WRITE)
def merge_two_companies(request: HttpRequest, payload: MergeIn) -> Status[MergeRecord]:
    """Merge `other_id` into `survivor_id`: every related record moves, the other is removed."""
    c = caller(request)
    survivor, other = (company_get(company_id=i) for i in (payload.survivor_id, payload.other_id))
    return Status(201, merge_companies(**_merge_args(c, payload), survivor=survivor, other=other))


@router.get("/records/{int:merge_id}", response=MergeOut, auth=READ)
def get_merge(request: HttpRequest, merge_id: PathId) -> MergeRecord:
    return merge_get(merge_id=merge_id)


@router.post("/records/{int:merge_id}/undo", response=MergeOut, auth=WRITE)
def undo_merge(request: HttpRequest, merge_id: PathId) -> MergeRecord:
    """Restore the removed record (same id) with its related records, and the survivor's
    replaced values; refused (422) if undone already or a later merge involves them."""
    c = caller(request)
    return merge_undo(workspace=c.workspace, actor=c.actor, record=merge_get(merge_id=merge_id))
