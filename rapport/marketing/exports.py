"""A segment's or a static list's members as an export: the contacts export's columns and
vCard, for the contacts the segment matches now (or the list holds). The marketing
`AppConfig.ready` imports this module to join the export registry."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet

from rapport.contacts.models import Contact
from rapport.core.errors import ServiceValidationError
from rapport.data.contact_exports import CONTACT_VCARD, contact_columns
from rapport.data.exports import (
    Exporter,
    ExportRequest,
    export_filter_names,
    exporter_register,
    model_names,
)
from rapport.marketing.models import Segment, StaticList
from rapport.marketing.queries import (
    segment_get,
    segment_members,
    static_list_get,
    static_list_members,
)


def _named(ask: ExportRequest, param: str, noun: str, get: Callable[[int], Model]) -> Any:
    """The record of this workspace whose id the `param` parameter gives, or an error naming it."""
    raw = ask.params.get(param, "")
    if not raw.isdigit():
        raise ServiceValidationError.single(param, f"must be the id of a {noun}")
    try:
        return get(int(raw))
    except ObjectDoesNotExist:
        raise ServiceValidationError.single(param, f"is not a {noun} of this workspace") from None


def _by_name(members: QuerySet[Contact]) -> QuerySet[Contact]:
    return members.order_by("sort_name", "pk")


def _segment(ask: ExportRequest) -> QuerySet[Contact]:
    segment = _named(ask, "segment", "segment", lambda pk: segment_get(segment_id=pk))
    return _by_name(segment_members(workspace=ask.workspace, segment=segment))


def _list(ask: ExportRequest) -> QuerySet[Contact]:
    static_list = _named(ask, "list", "static list", lambda pk: static_list_get(list_id=pk))
    return _by_name(static_list_members(static_list=static_list))


for entity, label, members, param in (
    ("segment-members", "Segment members", _segment, "segment"),
    ("list-members", "List members", _list, "list"),
):
    exporter_register(
        Exporter(
            entity=entity,
            label=label,
            model=Contact,
            columns=contact_columns,
            queryset=members,
            vcard=CONTACT_VCARD,
            params=frozenset({param}),
        )
    )
export_filter_names("segment")(model_names(Segment))
export_filter_names("list")(model_names(StaticList))
