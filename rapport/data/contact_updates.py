"""Update-mode imports in bulk: a chunk's matched contacts updated with a few statements.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from rapport.audit.services import audit_rows_updated, diff
from rapport.contacts.models import Contact, ContactCompany, ContactEmail, ContactPhone, PhoneKind
from rapport.contacts.normalise import phone_text
from rapport.contacts.services import (
    CONTACT_TEXT_LIMITS,
    Lists,
    _contact_snapshot,
    tags_resolve,
)
from rapport.core.bulk_rows import rows_insert
from rapport.core.hooks import records_changed
from rapport.data.csv_files import CsvRow
from rapport.data.models import ImportedRecordAction
from rapport.data.services import RowOutcome, UndoRecord
from rapport.tenancy.models import Workspace

# The contact's own values a row can set, as `ContactImporter._data` names them.
VALUES = (*CONTACT_TEXT_LIMITS, "external_id", "country", "lifecycle_stage")
# What an update writes to the contact's row (its derived and primary values included).
WRITTEN = (*VALUES, "email", "phone", "primary_company_id", "search_name", "sort_name")
ROWS_PER_STATEMENT = 500


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


@dataclass
class _Stored:
    """A contact's lists as `contacts.services.contact_lists` reads them, with the row ids
    an update may change."""

    lists: Lists = field(
        default_factory=lambda: {"emails": [], "phones": [], "companies": [], "tags": []}
    )
    extensions: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    phone_ids: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)


@dataclass
class _Writes:
    """The rows a chunk's updates write."""

    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    emails: list[tuple[Any, ...]] = field(default_factory=list)
    phones: list[tuple[Any, ...]] = field(default_factory=list)
    kinds: dict[str, list[int]] = field(default_factory=dict)  # phone row ids by new kind
    links: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[int, int]] = field(default_factory=list)
    entries: list[tuple[str, int, str, dict[str, list[Any]]]] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)


def _slices(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _stored(ids: list[int]) -> dict[int, _Stored]:
    """Each contact's lists, a query per table, in the orders `contact_lists` reads them."""
    out = {pk: _Stored() for pk in ids}
    for part in _slices(ids, 1000):
        emails = ContactEmail.objects.filter(contact_id__in=part).order_by(
            "contact_id", "-is_primary", "id"
        )
        for pk, email in emails.values_list("contact_id", "email"):
            out[pk].lists["emails"].append(email)
        phones = ContactPhone.objects.filter(contact_id__in=part).order_by(
            "contact_id", "-is_primary", "id"
        )
        for pk, phone_id, number, extension, kind in phones.values_list(
            "contact_id", "id", "number", "extension", "kind"
        ):
            s = out[pk]
            s.lists["phones"].append(number)
            s.extensions.append(extension)
            s.kinds.append(kind)
            s.phone_ids.append(phone_id)
        links = ContactCompany.objects.filter(contact_id__in=part).order_by(
            "contact_id", "-is_primary", "id"
        )
        for pk, company_id in links.values_list("contact_id", "company_id"):
            out[pk].lists["companies"].append(company_id)
        tags = Contact.tags.through.objects.filter(contact_id__in=part).order_by(
            "contact_id", "tag__name"
        )
        for pk, tag_id, name in tags.values_list("contact_id", "tag_id", "tag__name"):
            out[pk].lists["tags"].append(name)
            out[pk].tag_ids.append(tag_id)
    return out


def updates_apply(
    *, workspace: Workspace, actor: Any, updates: list[Update], outcomes: list[RowOutcome]
) -> None:
    """Apply the chunk's updates, in file order, and fill in their outcomes. Raises
    `ContactGone` if a contact was deleted since it was matched: the caller's savepoint is
    then taken back and the rows go down the row path, which matches them again."""
    ids = list(dict.fromkeys(u.contact_id for u in updates))
    contacts: dict[int, Contact] = {}
    for part in _slices(ids, 1000):
        contacts.update((c.pk, c) for c in Contact.objects.filter(workspace=workspace, pk__in=part))
    stored = _stored(list(contacts))
    names = list(dict.fromkeys(n for u in updates for n in u.clean.get("tags", [])))
    tags = {t.name.lower(): t for t in tags_resolve(workspace=workspace, names=names)}
    now = timezone.now()
    if len(contacts) < len(ids):
        raise ContactGone
    writes = _Writes()
    for u in updates:
        contact = contacts[u.contact_id]
        previous = _merge(u, contact, stored[contact.pk], tags, now, writes)
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
    _write(workspace, actor, writes, now)


def _merge(
    u: Update,
    contact: Contact,
    s: _Stored,
    tags: dict[str, Any],
    now: Any,
    writes: _Writes,
) -> dict[str, Any]:
    """Merge the row into its contact as `ContactImporter.update` and `_contact_apply` do,
    adding what it writes to `writes`; the values it replaced (the row's undo record).
    Each contact is updated by one row of a chunk (`ContactBulkWriter` sends a second down
    the row path), so `s` is what the database holds."""
    clean, pk = u.clean, contact.pk
    before = _contact_snapshot(contact, s.lists)
    lists = dict(s.lists)
    previous: dict[str, Any] = {}
    for name in VALUES:
        if name in clean:
            previous[name] = getattr(contact, name)
            setattr(contact, name, clean[name])
    stamps = (contact.workspace_id, now, now, pk)
    kind_changed = False
    if "emails" in clean:
        have = s.lists["emails"]
        previous["emails"] = have
        new = [e for e in clean["emails"] if e not in have]
        writes.emails.extend((*stamps, e, not have and i == 0) for i, e in enumerate(new))
        lists["emails"] = [*have, *new]
        contact.email = lists["emails"][0] if lists["emails"] else ""
    if "phones" in clean:
        have = s.lists["phones"]
        previous["phones"] = list(map(phone_text, have, s.extensions))
        previous["phone_kinds"] = dict(zip(have, s.kinds, strict=True))
        stated = clean["phone_kinds"]  # the kinds the row gives, by number: they win
        for number, kind, phone_id in zip(have, s.kinds, s.phone_ids, strict=True):
            if stated.get(number, kind) != kind:
                writes.kinds.setdefault(stated[number], []).append(phone_id)
                kind_changed = True
        new = [n for n in clean["phones"] if n not in have]
        extensions = clean["phone_extensions"]
        writes.phones.extend(
            (*stamps, n, not have and i == 0, stated.get(n, PhoneKind.WORK), extensions.get(n, ""))
            for i, n in enumerate(new)
        )
        lists["phones"] = [*have, *new]
        contact.phone = lists["phones"][0] if lists["phones"] else ""
    if u.company_id is not None:
        have = s.lists["companies"]
        previous["company_ids"] = have
        if u.company_id not in have:
            writes.links.append((*stamps, u.company_id, not have))
            lists["companies"] = [*have, u.company_id]
        contact.primary_company_id = lists["companies"][0]
    if "tags" in clean:
        previous["tags"] = s.lists["tags"]
        merged = [*s.lists["tags"], *(n for n in clean["tags"] if n not in s.lists["tags"])]
        resolved = [tags[n.lower()] for n in merged[len(s.lists["tags"]) :]]
        linked = set(s.tag_ids)
        for tag in resolved:
            if tag.pk not in linked:
                linked.add(tag.pk)
                writes.tags.append((pk, tag.pk))
                lists["tags"] = [*lists["tags"], tag.name]
    contact.set_derived_fields()
    changes = diff(before, _contact_snapshot(contact, lists))
    if changes:
        writes.entries.append(("contacts.contact", pk, str(contact), changes))
    if changes or kind_changed:
        writes.contacts.append((pk, *(getattr(contact, name) for name in WRITTEN)))
        writes.changed.append(pk)
    return previous


def _write(workspace: Workspace, actor: Any, writes: _Writes, now: Any) -> None:
    stamped = ["workspace_id", "created_at", "updated_at", "contact_id"]
    _contacts_write(workspace, writes.contacts, now)
    rows_insert(ContactEmail, [*stamped, "email", "is_primary"], writes.emails)
    rows_insert(
        ContactPhone, [*stamped, "number", "is_primary", "kind", "extension"], writes.phones
    )
    for kind, phone_ids in writes.kinds.items():
        ContactPhone.objects.filter(workspace=workspace, pk__in=phone_ids).update(kind=kind)
    rows_insert(ContactCompany, [*stamped, "company_id", "is_primary"], writes.links)
    rows_insert(Contact.tags.through, ["contact_id", "tag_id"], writes.tags)
    if writes.entries:
        audit_rows_updated(workspace_id=workspace.pk, actor=actor, entries=writes.entries)
    if writes.changed:
        records_changed(entity="contacts.contact", workspace_id=workspace.pk, ids=writes.changed)


def _contacts_write(workspace: Workspace, rows: list[tuple[Any, ...]], now: Any) -> None:
    """Each contact's `WRITTEN` values and `updated_at`: an UPDATE from a list of VALUES per
    `ROWS_PER_STATEMENT` contacts (SQLite and PostgreSQL alike)."""
    quote = connection.ops.quote_name
    table = quote(Contact._meta.db_table)
    columns = {f.attname: f.column for f in Contact._meta.concrete_fields}
    names = ", ".join(quote(n) for n in ("id", *WRITTEN))
    # every VALUES column is text where the chunk gives it only NULLs: the key is cast back
    sets = ", ".join(
        f"{quote(columns[n])} = "
        + (f"CAST(v.{quote(n)} AS bigint)" if n == "primary_company_id" else f"v.{quote(n)}")
        for n in WRITTEN
    )
    row = "(" + ", ".join(["%s"] * (1 + len(WRITTEN))) + ")"
    with connection.cursor() as cursor:
        for part in _slices(rows, ROWS_PER_STATEMENT):
            cursor.execute(
                f"WITH v ({names}) AS (VALUES {', '.join([row] * len(part))})"  # noqa: S608
                f" UPDATE {table} SET {sets}, {quote(columns['updated_at'])} = %s"
                f" FROM v WHERE {table}.id = v.id AND {table}.workspace_id = %s",
                [*(value for r in part for value in r), now, workspace.pk],
            )
