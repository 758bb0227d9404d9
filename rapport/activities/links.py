"""What an activity can be linked to. Contacts and companies are registered here; a later app
registers its own link model (sales: deals) and activities accept `deal_ids` from then on,
with validation, audit and timeline handled the same way, without this app changing.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.urls import reverse

from rapport.activities.models import Activity, ActivityCompany, ActivityContact
from rapport.contacts.models import Company, Contact


@dataclass(frozen=True)
class LinkType:
    key: str  # the input field, e.g. "contact_ids"
    audit_name: str  # how the audit trail names the links, e.g. "contacts"
    target: type[models.Model]
    link_model: type[models.Model]  # a WorkspaceScopedModel with `activity` and `field` FKs
    field: str
    # The target's page (a URL name taking its pk): a task row names and links such targets
    # beside its contacts and companies. Empty: the row shows the link type another way.
    url_name: str = ""
    # The output key listing the targets linked through a meeting's attendee (the link
    # model's `via_attendee`), so a client can tell them from the ones a user chose.
    attendee_key: str = ""


_types: dict[str, LinkType] = {}


def activity_link_type(link: LinkType) -> None:
    _types[link.key] = link


def link_types() -> list[LinkType]:
    return list(_types.values())


def link_type_for(record: models.Model) -> LinkType:
    """The link type whose target is `record`'s model: how an activity is tied to it."""
    return next(lt for lt in _types.values() if isinstance(record, lt.target))


def other_links_attach(activities: Iterable[Activity]) -> None:
    """Give each activity `other_links`: (name, url) of what other apps linked it to (a deal,
    say), one query per such link type for them all."""
    rows = list(activities)
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for lt in _types.values():
        if not lt.url_name:
            continue
        links = lt.link_model._default_manager.filter(activity__in=rows).select_related(lt.field)
        for link in links.order_by("id"):
            target = getattr(link, lt.field)
            url = reverse(lt.url_name, args=[target.pk])
            found[link.activity_id].append((str(target), url))  # type: ignore[attr-defined]
    for activity in rows:
        activity.other_links = found[activity.pk]  # type: ignore[attr-defined]


def link_ids_attach(activities: Iterable[Activity]) -> None:
    """Give each activity `link_ids`: for each link type's key (`deal_ids`), the ids of what it
    links, in order, and under its `attendee_key` those linked through an attendee; one query
    per link type for them all."""
    rows = list(activities)
    found: dict[int, dict[str, list[int]]] = {
        a.pk: {key: [] for lt in _types.values() for key in (lt.key, lt.attendee_key) if key}
        for a in rows
    }
    for lt in _types.values():
        target_id = f"{lt.field}_id"
        kind = ["via_attendee"] if lt.attendee_key else []
        links = lt.link_model._default_manager.filter(activity__in=rows).values_list(
            "activity_id", target_id, *kind
        )
        for activity_id, target, *attended in links.order_by(target_id):
            found[activity_id][lt.key].append(target)
            if attended and attended[0]:
                found[activity_id][lt.attendee_key].append(target)
    for activity in rows:
        activity.link_ids = found[activity.pk]  # type: ignore[attr-defined]


activity_link_type(
    LinkType(
        "contact_ids",
        "contacts",
        Contact,
        ActivityContact,
        "contact",
        attendee_key="attendee_contact_ids",
    )
)
activity_link_type(LinkType("company_ids", "companies", Company, ActivityCompany, "company"))
