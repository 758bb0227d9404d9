"""What an activity can be linked to. Contacts and companies are registered here; a later app
registers its own link model (sales: deals) and activities accept `deal_ids` from then on,
with validation, audit and timeline handled the same way, without this app changing.
"""

from dataclasses import dataclass

from django.db import models

from rapport.activities.models import ActivityCompany, ActivityContact
from rapport.contacts.models import Company, Contact


@dataclass(frozen=True)
class LinkType:
    key: str  # the input field, e.g. "contact_ids"
    audit_name: str  # how the audit trail names the links, e.g. "contacts"
    target: type[models.Model]
    link_model: type[models.Model]  # a WorkspaceScopedModel with `activity` and `field` FKs
    field: str


_types: dict[str, LinkType] = {}


def activity_link_type(link: LinkType) -> None:
    _types[link.key] = link


def link_types() -> list[LinkType]:
    return list(_types.values())


def link_type_for(record: models.Model) -> LinkType:
    """The link type whose target is `record`'s model: how an activity is tied to it."""
    return next(lt for lt in _types.values() if isinstance(record, lt.target))


activity_link_type(LinkType("contact_ids", "contacts", Contact, ActivityContact, "contact"))
activity_link_type(LinkType("company_ids", "companies", Company, ActivityCompany, "company"))
