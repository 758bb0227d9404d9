"""Update-mode imports in bulk, and their undo: a chunk's matched contacts updated (or put
back) with a few statements.

Through the services (`ContactImporter.update`) each matched row cost about a dozen queries
and a savepoint: the contact's lists read, the row's company and tags looked up, the contact
saved, its audit entry written, its phone kinds set. Here the chunk's matched contacts and
their lists are read with a query per table, each row is merged into its contact in Python
exactly as the row path merges it (a row adds emails, phones, companies and tags and never
drops any; its values replace the contact's), and the changes are written as one UPDATE per
thousand contacts, one insert per kind of new row and one insert of audit entries. Each row
keeps the undo record the row path gives it (the values it replaced).

A row whose contact would not change is left alone: unlike the row path, which saved such a
contact anyway, its `updated_at` does not move, so "untouched for a year" stays true of a
contact a re-imported file only repeats.
"""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from rapport.audit.services import audit_rows_updated, diff
from rapport.contacts.models import (
    Company,
    Contact,
    ContactCompany,
    ContactEmail,
    ContactPhone,
    PhoneKind,
)
from rapport.contacts.normalise import phone_extension, phone_normalise, phone_text
from rapport.contacts.services import CONTACT_TEXT_LIMITS, _contact_snapshot, tags_resolve
from rapport.contacts.stored_lists import ContactLists, StoredPhone, contacts_lists
from rapport.core.bulk_rows import rows_insert, rows_update, slices
from rapport.core.hooks import records_changed
from rapport.data.csv_files import CsvRow
from rapport.data.models import ImportedRecordAction
from rapport.data.record_values import custom_fields_merged, replaced
from rapport.data.services import RowOutcome, UndoRecord
from rapport.tenancy.models import Workspace

# The contact's own values a row can set, as `ContactImporter._data` names them (a row's
# custom fields are merged into the stored ones: `custom_fields_merged`).
VALUES = (
    *CONTACT_TEXT_LIMITS,
    *("external_id", "country", "lifecycle_stage", "owner_id", "preferred_channel"),
    *("do_not_email", "do_not_call", "custom_fields"),
)
# What an update writes to the contact's row (its derived and primary values included).
WRITTEN = (*VALUES, "email", "phone", "primary_company_id", "search_name", "sort_name")


class ContactGone(Exception):
    """A contact matched for an update was deleted before the update (by another writer)."""


@dataclass
class Update:
    """A row that updates a stored contact, and the outcome it fills."""

    csv_row: CsvRow
    position: int  # in the chunk's outcomes
    contact_id: int
    clean: dict[str, Any]  # the row's values as `ContactBulkWriter._clean` gives them
    company: Any = None  # the company the row names: an id, or a new company to insert
    owns_company: bool = False  # the row that created the company, as the row path would
    company_id: int | None = None  # the company's id, once a new one is inserted


def _contacts(workspace: Workspace, ids: list[int]) -> dict[int, Contact]:
    contacts: dict[int, Contact] = {}
    for part in slices(ids):
        contacts.update((c.pk, c) for c in Contact.objects.filter(workspace=workspace, pk__in=part))
    return contacts


def updates_apply(
    *, workspace: Workspace, actor: Any, updates: list[Update], outcomes: list[RowOutcome]
) -> None:
    """Apply the chunk's updates, in file order, and fill in their outcomes. Raises
    `ContactGone` if a contact was deleted since it was matched: the caller's savepoint is
    then taken back and the rows go down the row path, which matches them again."""
    ids = list(dict.fromkeys(u.contact_id for u in updates))
    contacts = _contacts(workspace, ids)
    if len(contacts) < len(ids):
        raise ContactGone
    live = contacts_lists(ids)
    names = list(dict.fromkeys(n for u in updates for n in u.clean.get("tags", [])))
    tags = {t.name.lower(): t for t in tags_resolve(workspace=workspace, names=names)}
    entries: list[tuple[str, int, str, dict[str, list[Any]]]] = []
    changed: set[int] = set()
    for u in updates:
        contact = contacts[u.contact_id]
        previous, changes = _merge(u, contact, live[contact.pk], tags)
        if changes:
            entries.append(("contacts.contact", contact.pk, str(contact), changes))
            changed.add(contact.pk)
        outcome = outcomes[u.position]
        outcome.action, outcome.instance = ImportedRecordAction.UPDATED, contact
        if u.owns_company:
            assert u.company_id is not None
            outcome.records.append(
                UndoRecord("companies", u.company_id, ImportedRecordAction.CREATED, {})
            )
        outcome.records.append(
            UndoRecord("contacts", contact.pk, ImportedRecordAction.UPDATED, previous)
        )
    _write(workspace, actor, contacts, live, changed, entries)


def restores_apply(
    *, workspace: Workspace, actor: Any, restores: list[tuple[int, dict[str, Any]]]
) -> None:
    """Put back what an update-mode import's rows replaced (each undo record's `previous`),
    in the order given (newest first), as `ContactImporter.restore` puts back one: the
    values, the lists as they were (companies deleted since left out), the phones' kinds.
    Contacts deleted since are passed over."""
    ids = list(dict.fromkeys(pk for pk, _ in restores))
    contacts = _contacts(workspace, ids)
    live = contacts_lists(list(contacts))
    wanted = list({c for _, previous in restores for c in previous.get("company_ids", [])})
    alive: set[int] = set()
    for part in slices(wanted):
        alive.update(Company.objects.filter(pk__in=part).values_list("pk", flat=True))
    names = list(dict.fromkeys(n for _, previous in restores for n in previous.get("tags", [])))
    tags = {t.name.lower(): t for t in tags_resolve(workspace=workspace, names=names)}
    region = workspace.default_region
    entries: list[tuple[str, int, str, dict[str, list[Any]]]] = []
    changed: set[int] = set()
    for pk, previous in restores:
        contact = contacts.get(pk)
        if contact is None:
            continue
        s = live[pk]
        before = _contact_snapshot(contact, s.audited())
        for name in VALUES:
            if name in previous:
                setattr(contact, name, _written(contact, name, previous[name]))
        if "emails" in previous:
            s.emails = list(previous["emails"])
            contact.email = s.emails[0] if s.emails else ""
        if "phones" in previous:
            had = {p.number: p for p in s.phones}
            kinds = previous.get("phone_kinds", {})
            s.phones = []
            for text in previous["phones"]:
                number = phone_normalise(text, region=region)
                if any(p.number == number for p in s.phones):
                    continue
                phone = had.get(number) or StoredPhone(number, "", PhoneKind.WORK)
                phone.extension = phone_extension(text, region=region)
                phone.kind = kinds.get(number, phone.kind)
                s.phones.append(phone)
            contact.phone = s.phones[0].number if s.phones else ""
        if "company_ids" in previous:
            s.companies = [c for c in previous["company_ids"] if c in alive]
            contact.primary_company_id = s.companies[0] if s.companies else None
        if "tags" in previous:
            resolved = [tags[n.lower()] for n in previous["tags"]]
            s.tag_ids = list(dict.fromkeys(t.pk for t in resolved))
            s.tags = list(dict.fromkeys(t.name for t in resolved))
        contact.set_derived_fields()
        if changes := diff(before, _contact_snapshot(contact, s.audited())):
            entries.append(("contacts.contact", pk, str(contact), changes))
            changed.add(pk)
    _write(workspace, actor, contacts, live, changed, entries)


def _merge(
    u: Update, contact: Contact, s: ContactLists, tags: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Merge the row into its contact and `s` as `ContactImporter.update` and
    `_contact_apply` do: the values it replaced (the row's undo record) and its audit
    entry's changes."""
    clean = u.clean
    before = _contact_snapshot(contact, s.audited())
    previous: dict[str, Any] = {}
    for name in VALUES:
        if name in clean:
            previous[name] = replaced(contact, name, clean[name])
            setattr(contact, name, _written(contact, name, clean[name]))
    if "emails" in clean:
        previous["emails"] = list(s.emails)
        s.emails.extend(e for e in clean["emails"] if e not in s.emails)
        contact.email = s.emails[0] if s.emails else ""
    if "phones" in clean:
        previous["phones"] = [phone_text(p.number, p.extension) for p in s.phones]
        previous["phone_kinds"] = {p.number: p.kind for p in s.phones}
        stated = clean["phone_kinds"]  # the kinds the row gives, by number: they win
        for p in s.phones:
            p.kind = stated.get(p.number, p.kind)
        have = {p.number for p in s.phones}
        extensions = clean["phone_extensions"]
        for p in s.phones:  # the first extension given wins; a stored "" is none given
            p.extension = p.extension or extensions.get(p.number, "")
        s.phones.extend(
            StoredPhone(n, extensions.get(n, ""), stated.get(n, PhoneKind.WORK))
            for n in clean["phones"]
            if n not in have
        )
        contact.phone = s.phones[0].number if s.phones else ""
    if u.company_id is not None:
        previous["company_ids"] = list(s.companies)
        if u.company_id not in s.companies:
            s.companies.append(u.company_id)
        contact.primary_company_id = s.companies[0]
    if "tags" in clean:
        previous["tags"] = list(s.tags)
        for name in clean["tags"]:
            tag = tags[name.lower()]
            if name not in previous["tags"] and tag.pk not in s.tag_ids:
                s.tag_ids.append(tag.pk)
                s.tags.append(tag.name)
    contact.set_derived_fields()
    changes = diff(before, _contact_snapshot(contact, s.audited()))
    return previous, changes


def _written(contact: Contact, name: str, value: Any) -> Any:
    """The contact's `name` once `value` is written: custom fields merged into its own."""
    return custom_fields_merged(contact.custom_fields, value) if name == "custom_fields" else value


def _write(
    workspace: Workspace,
    actor: Any,
    contacts: dict[int, Contact],
    live: dict[int, ContactLists],
    changed: set[int],
    entries: list[tuple[str, int, str, dict[str, list[Any]]]],
) -> None:
    """Write what the merges left: the changed contacts, the rows their lists gained, the
    kinds their stored phones changed to, the audit entries."""
    now = timezone.now()
    ws = workspace.pk
    emails: list[tuple[Any, ...]] = []
    phones: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    tag_links: list[tuple[int, int]] = []
    kinds: dict[str, list[int]] = {}  # kept phones' ids by their new kind
    anew: dict[Any, list[int]] = {m: [] for m in (ContactEmail, ContactPhone, ContactCompany)}
    anew[Contact.tags.through] = []
    for pk, s in live.items():
        stamps = (ws, now, now, pk)
        start = _kept(s.emails, s.initial["emails"], pk, anew[ContactEmail])
        emails.extend((*stamps, e, i == 0) for i, e in enumerate(s.emails) if i >= start)
        start = _kept(s.numbers(), s.initial["phones"], pk, anew[ContactPhone])
        for i, p in enumerate(s.phones):
            if i >= start:
                phones.append((*stamps, p.number, i == 0, p.kind, p.extension))
            elif p.kind != p.stored_kind:
                assert p.pk is not None
                kinds.setdefault(p.kind, []).append(p.pk)
        start = _kept(s.companies, s.initial["companies"], pk, anew[ContactCompany])
        links.extend((*stamps, c, i == 0) for i, c in enumerate(s.companies) if i >= start)
        start = _kept(s.tag_ids, s.initial["tag_ids"], pk, anew[Contact.tags.through])
        tag_links.extend((pk, t) for t in s.tag_ids[start:])
    for model, rewritten in anew.items():
        for part in slices(rewritten):
            model.objects.filter(contact_id__in=part).delete()
    written = [(pk, *(getattr(contacts[pk], name) for name in WRITTEN)) for pk in changed]
    rows_update(Contact, WRITTEN, written, workspace_id=ws, now=now)
    stamped = ["workspace_id", "created_at", "updated_at", "contact_id"]
    rows_insert(ContactEmail, [*stamped, "email", "is_primary"], emails)
    rows_insert(ContactPhone, [*stamped, "number", "is_primary", "kind", "extension"], phones)
    for kind, phone_ids in kinds.items():
        ContactPhone.objects.filter(workspace=workspace, pk__in=phone_ids).update(kind=kind)
    rows_insert(ContactCompany, [*stamped, "company_id", "is_primary"], links)
    rows_insert(Contact.tags.through, ["contact_id", "tag_id"], tag_links)
    if entries:
        audit_rows_updated(workspace_id=ws, actor=actor, entries=entries)
    if changed:
        records_changed(
            entity="contacts.contact", workspace_id=ws, ids=sorted(changed), actor=actor
        )


def _kept(final: list[Any], initial: list[Any], pk: int, rewritten: list[int]) -> int:
    """How many of the contact's stored rows of a list stay: all of them when `final` only
    adds to `initial` (their ids kept, as `_contact_apply` keeps an unchanged list's), else
    none (`pk` is added to `rewritten`: its rows are deleted and `final` inserted whole)."""
    if final[: len(initial)] == initial:
        return len(initial)
    rewritten.append(pk)
    return 0
