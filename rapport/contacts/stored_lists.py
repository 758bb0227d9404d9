"""Many contacts' emails, phones, company links and tags read together, a query per table,
for the writes that take many contacts at once: an update-mode import's chunk and its undo
(`data.contact_updates`), and a bulk delete's audit snapshots (`services.contacts_delete`).
Building model instances, or reading one contact at a time (`services.contact_lists`), cost
more than the rest of those writes."""

from dataclasses import dataclass, field
from typing import Any

from rapport.contacts.models import Contact, ContactCompany, ContactEmail, ContactPhone, PhoneKind
from rapport.contacts.normalise import phone_text
from rapport.core.bulk_rows import slices

Lists = dict[str, list[Any]]


def phone_audited(number: str, extension: str, kind: str) -> str:
    """A phone as the audit entry lists it: its text, and its kind unless it is a work phone,
    the default ("+14155550100 ext. 204 (mobile)"), so that a change of extension or kind
    alone shows in the entry."""
    text = phone_text(number, extension)
    return text if kind == PhoneKind.WORK else f"{text} ({kind})"


@dataclass
class StoredPhone:
    number: str
    extension: str
    kind: str
    pk: int | None = None  # None for a phone not stored yet
    stored_kind: str = ""


@dataclass
class ContactLists:
    """A contact's lists in the orders `services.contact_lists` reads them; a bulk write
    changes them in place (an import's rows merged in turn), `initial` keeping them as read."""

    emails: list[str] = field(default_factory=list)
    phones: list[StoredPhone] = field(default_factory=list)
    companies: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    initial: dict[str, list[Any]] = field(default_factory=dict)

    def audited(self) -> Lists:
        """Copies of the lists, as `services._contact_snapshot` takes them."""
        return {
            "emails": list(self.emails),
            "phones": [phone_audited(p.number, p.extension, p.kind) for p in self.phones],
            "companies": list(self.companies),
            "tags": list(self.tags),
        }

    def numbers(self) -> list[tuple[str, str]]:
        return [(p.number, p.extension) for p in self.phones]

    def as_stored(self) -> None:
        self.initial = {
            "emails": list(self.emails),
            "phones": self.numbers(),
            "companies": list(self.companies),
            "tag_ids": list(self.tag_ids),
        }


def contacts_lists(ids: list[int]) -> dict[int, ContactLists]:
    """Each contact's lists, a query per table (per thousand contacts)."""
    out = {pk: ContactLists() for pk in ids}
    for part in slices(ids):
        emails = ContactEmail.objects.filter(contact_id__in=part).order_by(
            "contact_id", "-is_primary", "id"
        )
        for pk, email in emails.values_list("contact_id", "email"):
            out[pk].emails.append(email)
        phones = ContactPhone.objects.filter(contact_id__in=part).order_by(
            "contact_id", "-is_primary", "id"
        )
        for pk, phone_id, number, extension, kind in phones.values_list(
            "contact_id", "id", "number", "extension", "kind"
        ):
            out[pk].phones.append(StoredPhone(number, extension, kind, phone_id, kind))
        links = ContactCompany.objects.filter(contact_id__in=part).order_by(
            "contact_id", "-is_primary", "id"
        )
        for pk, company_id in links.values_list("contact_id", "company_id"):
            out[pk].companies.append(company_id)
        tags = Contact.tags.through.objects.filter(contact_id__in=part).order_by(
            "contact_id", "tag__name"
        )
        for pk, tag_id, name in tags.values_list("contact_id", "tag_id", "tag__name"):
            out[pk].tags.append(name)
            out[pk].tag_ids.append(tag_id)
    for lists in out.values():
        lists.as_stored()
    return out
