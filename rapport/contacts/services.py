"""Writes on contacts, companies, tags and custom field definitions.

Each service validates every field it is given (collecting all errors before writing
anything), writes inside one transaction, and records the audit entry in that transaction.
UI forms, the API, the admin and CLI commands all come through here.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import pycountry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from rapport.audit.models import AuditAction
from rapport.audit.services import (
    audit_record,
    audit_rows_updated,
    audited_delete,
    audited_delete_many,
    audited_update,
    diff,
    non_empty,
    snapshot,
)
from rapport.contacts.custom_fields import custom_fields_clean
from rapport.contacts.models import (
    Company,
    Contact,
    ContactCompany,
    ContactEmail,
    ContactPhone,
    CustomFieldDefinition,
    CustomFieldEntity,
    CustomFieldType,
    LifecycleStage,
    PhoneKind,
    PreferredChannel,
    SizeBand,
    Tag,
    tag_key,
)
from rapport.contacts.normalise import (
    domain_normalise,
    email_normalise,
    name_normalise,
    phone_normalise,
    phones_with_extensions,
)
from rapport.contacts.stored_lists import Lists, contacts_lists, phone_audited
from rapport.core.bulk_rows import rows_insert, rows_update, slices
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.hooks import records_changed
from rapport.core.models import position_clean
from rapport.core.money import amount_clean, currency_clean
from rapport.tenancy.models import Membership, Workspace

Actor = AbstractBaseUser | AnonymousUser | None
Data = dict[str, Any]

ADDRESS_FIELDS = ["street", "city", "region", "postal_code", "country"]
CONTACT_TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "job_title": 150,
    "source": 100,
    "street": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
}
COMPANY_TEXT_LIMITS = {
    "name": 200,
    "industry": 100,
    "street": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
}
CONTACT_AUDITED = [
    "first_name",
    "last_name",
    "external_id",
    "job_title",
    "primary_company",
    "lifecycle_stage",
    "owner",
    "source",
    "preferred_channel",
    "do_not_email",
    "do_not_call",
    "custom_fields",
    *ADDRESS_FIELDS,
]
COMPANY_AUDITED = [
    "name",
    "external_id",
    "domain",
    "industry",
    "size_band",
    "annual_revenue",
    "annual_revenue_currency",
    "parent",
    "owner",
    "custom_fields",
    *ADDRESS_FIELDS,
]


class _Collector:
    """Runs field cleaners and gathers every error, so one response names all bad fields."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def run(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ServiceValidationError as exc:
            self.errors.extend(exc.errors)
            return None

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ServiceValidationError(self.errors)


def _text(data: Data, name: str, limit: int, c: _Collector) -> str | None:
    value = data[name]
    if value is None:
        return ""
    if not isinstance(value, str):
        c.add(name, "must be text")
        return None
    value = value.strip()
    if len(value) > limit:
        c.add(name, f"at most {limit} characters")
        return None
    return value


def _bool(data: Data, name: str, c: _Collector) -> bool | None:
    value = data[name]
    if isinstance(value, bool):
        return value
    c.add(name, "must be true or false")
    return None


def _choice(data: Data, name: str, choices: type, c: _Collector) -> str | None:
    value = data[name] or ""
    if value not in choices.values:  # type: ignore[attr-defined]
        allowed = ", ".join(v for v in choices.values if v)  # type: ignore[attr-defined]
        c.add(name, f"'{value}' is not one of: {allowed}")
        return None
    return value


def _country(data: Data, c: _Collector) -> str | None:
    value = (data["country"] or "").strip().upper()
    if value and pycountry.countries.get(alpha_2=value) is None:
        c.add("country", f"'{value}' is not an ISO 3166 country code")
        return None
    return value


def _owner(
    workspace: Workspace,
    data: Data,
    c: _Collector,
    field: str = "owner_id",
    members: frozenset[int] | None = None,
) -> int | None:
    """The user id in `data[field]`, checked to be a member (errors are named `field`);
    `members`: the workspace's members' user ids, if the caller read them already."""
    owner_id = data[field]
    if owner_id is None:
        return None
    if members is not None:
        member = owner_id in members
    else:
        member = Membership.objects.filter(workspace=workspace, user_id=owner_id).exists()
    if not member:
        c.add(field, "is not a member of this workspace")
        return None
    return int(owner_id)


def _in_workspace(model: Any, pk: Any, field: str, c: _Collector) -> Any:
    """The record of the current workspace with id `pk` (None for None), or an error on `field`.

    `model.objects` is the workspace-scoped manager, so another workspace's id is not found.
    """
    if pk is None:
        return None
    # JSON true is an int to Python, and would otherwise be read as id 1.
    is_id = isinstance(pk, int) and not isinstance(pk, bool)
    found = model.objects.filter(pk=pk).first() if is_id else None
    if found is None:
        c.add(field, f"is not a {model._meta.verbose_name} of this workspace")
    return found


def _list_of_str(data: Data, name: str, c: _Collector) -> list[str] | None:
    value = data[name]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.add(name, "must be a list of text values")
        return None
    return [v.strip() for v in value if v.strip()]


def _emails(data: Data, c: _Collector) -> list[str] | None:
    raw = _list_of_str(data, "emails", c)
    if raw is None:
        return None
    out = [c.run(partial(email_normalise, e, field=f"emails.{i}")) for i, e in enumerate(raw)]
    return list(dict.fromkeys(e for e in out if e))


class _Phones(NamedTuple):
    extensions: dict[str, str]  # the numbers in order, each with its extension ("" for none)
    numbers: list[str | None]  # each value given, read (None: not a number)


def _phones(workspace: Workspace, data: Data, c: _Collector) -> _Phones | None:
    raw = _list_of_str(data, "phones", c)
    if raw is None:
        return None
    region = workspace.default_region
    numbers = [
        c.run(partial(phone_normalise, p, region=region, field=f"phones.{i}"))
        for i, p in enumerate(raw)
    ]
    return _Phones(phones_with_extensions(zip(numbers, raw, strict=True), region=region), numbers)


def _phone_kinds(data: Data, phones: _Phones | None, c: _Collector) -> dict[str, str] | None:
    """The kind stated for each number, one per phone given and in its order ("" states none:
    a number given again keeps its kind, a new one is a work phone); the first kind stated
    for a number given twice wins."""
    value = data["phone_kinds"]
    if "phones" not in data:
        c.add("phone_kinds", "is given with phones: one kind for each, in the same order")
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.add("phone_kinds", "must be a list of text values")
        return None
    if phones is None:
        return None
    if len(value) != len(phones.numbers):
        c.add(
            "phone_kinds",
            f"gives {len(value)} kinds for {len(phones.numbers)} phones: one for each, "
            "in the same order",
        )
        return None
    kinds: dict[str, str] = {}
    for i, (number, given) in enumerate(zip(phones.numbers, value, strict=True)):
        kind = given.strip().lower()
        if kind and kind not in PhoneKind.values:
            c.add(f"phone_kinds.{i}", f"'{given}' is not one of: {', '.join(PhoneKind.values)}")
        elif kind and number:
            kinds.setdefault(number, kind)
    return kinds


def _company_ids(data: Data, c: _Collector) -> list[int] | None:
    value = data["company_ids"]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        c.add("company_ids", "must be a list of company ids")
        return None
    ids = list(dict.fromkeys(value))
    found = set(Company.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        c.add("company_ids", f"no such company: {', '.join(map(str, missing))}")
        return None
    return ids


def _tags(data: Data, c: _Collector) -> list[str] | None:
    names = _list_of_str(data, "tags", c)
    if names is None:
        return None
    too_long = [n for n in names if len(n) > 50]
    if too_long:
        c.add("tags", f"tag names are at most 50 characters: {too_long[0][:60]}")
        return None
    return list(dict.fromkeys(names))


def _external_id(
    workspace: Workspace,
    model: type[models.Model],
    data: Data,
    record: Any,
    c: _Collector,
    look_up: bool = True,
) -> str | None:
    """Stripped, at most 100 characters, and not another record's of the same workspace
    (`record`'s own, given again, is not looked up: the unique constraint keeps it its own;
    nor is any when not `look_up`, the caller leaving it to that constraint)."""
    value = _text(data, "external_id", 100, c)
    if look_up and value and not (record is not None and value == record.external_id):
        taken = (
            model._default_manager.filter(workspace=workspace, external_id=value)
            .exclude(pk=record.pk if record is not None else None)
            .values_list("pk", flat=True)
            .first()
        )
        if taken is not None:
            c.add("external_id", f"'{value}' is already the external id of record #{taken}")
            return None
    return value


def _unknown_keys(data: Data, allowed: Iterable[str], c: _Collector) -> None:
    for key in data.keys() - set(allowed):
        c.add(key, "is not a known field")


def _tags_by_key(keys: set[str]) -> dict[str, Tag]:
    return {t.key: t for t in Tag.objects.filter(key__in=keys)}


def _tag_insert(*, workspace: Workspace, name: str) -> Tag:
    """A tag the lookup did not find. Another request may have created it since: the unique
    key refuses the second insert, which then takes the first's tag."""
    try:
        with transaction.atomic():
            return Tag.objects.create(workspace=workspace, name=name)
    except IntegrityError:
        return Tag.objects.get(key=tag_key(name))


def tags_resolve(*, workspace: Workspace, names: list[str]) -> list[Tag]:
    """The tags with these names, creating the missing ones (names match by `tag_key`)."""
    existing = _tags_by_key({tag_key(name) for name in names})
    tags = []
    for name in names:
        tag = existing.get(tag_key(name))
        if tag is None:
            tag = existing[tag_key(name)] = _tag_insert(workspace=workspace, name=name)
        tags.append(tag)
    return tags


# --- contacts ---------------------------------------------------------------------------

CONTACT_FIELDS = [
    *CONTACT_TEXT_LIMITS,
    "external_id",
    "country",
    "emails",
    "phones",
    "phone_kinds",
    "company_ids",
    "lifecycle_stage",
    "owner_id",
    "tags",
    "preferred_channel",
    "do_not_email",
    "do_not_call",
    "custom_fields",
]


# The snapshot's lists kept in order (emails and phones, the primary first) or sorted.
SORTED = ("companies", "tags")


def _contact_snapshot(contact: Contact, lists: dict[str, list[Any]]) -> dict[str, Any]:
    """`lists`: the contact's emails, phones as `phone_audited` writes them, company ids and
    tag names (`StoredLists.audited`, `_contact_apply`, `ContactLists.audited`)."""
    snap = snapshot(contact, CONTACT_AUDITED)
    return {**snap, **{k: sorted(v) if k in SORTED else v for k, v in lists.items()}}


def _contact_clean(*, workspace: Workspace, data: Data, contact: Contact | None) -> Data:
    c = _Collector()
    _unknown_keys(data, CONTACT_FIELDS, c)
    clean: Data = {}
    for name, limit in CONTACT_TEXT_LIMITS.items():
        if name in data:
            clean[name] = _text(data, name, limit, c)
    for name in ("first_name", "last_name"):
        if clean.get(name):
            clean[name] = name_normalise(clean[name])
    if "external_id" in data:
        clean["external_id"] = _external_id(workspace, Contact, data, contact, c)
    if "country" in data:
        clean["country"] = _country(data, c)
    if "emails" in data:
        clean["emails"] = _emails(data, c)
    phones = _phones(workspace, data, c) if "phones" in data else None
    if "phones" in data:
        clean["phones"] = None if phones is None else list(phones.extensions)
        clean["phone_extensions"] = phones.extensions if phones else {}
    if "phone_kinds" in data:
        clean["phone_kinds"] = _phone_kinds(data, phones, c)
    if "company_ids" in data:
        clean["company_ids"] = _company_ids(data, c)
    if "lifecycle_stage" in data:
        clean["lifecycle_stage"] = _choice(data, "lifecycle_stage", LifecycleStage, c)
    if "preferred_channel" in data:
        clean["preferred_channel"] = _choice(data, "preferred_channel", PreferredChannel, c)
    if "owner_id" in data:
        clean["owner_id"] = _owner(workspace, data, c)
    if "tags" in data:
        clean["tags"] = _tags(data, c)
    for name in ("do_not_email", "do_not_call"):
        if name in data:
            clean[name] = _bool(data, name, c)
    if "custom_fields" in data:
        clean["custom_fields"] = c.run(
            lambda: custom_fields_clean(
                entity=CustomFieldEntity.CONTACT,
                values=data["custom_fields"],
                existing=contact.custom_fields if contact else None,
            )
        )
    elif contact is None:
        c.run(lambda: custom_fields_clean(entity=CustomFieldEntity.CONTACT, values={}))
    first = clean.get("first_name", contact.first_name if contact else "")
    last = clean.get("last_name", contact.last_name if contact else "")
    emails = (
        clean.get("emails")
        if "emails" in clean
        else ([contact.email] if contact and contact.email else [])
    )
    if not (first or last or emails) and not c.errors:
        c.add("first_name", "a contact needs a name or an email")
    c.raise_if_any()
    return clean


class StoredLists(NamedTuple):
    """A contact's emails, phones, companies and tags as read (`contact_lists`)."""

    lists: Lists  # emails, phones (numbers), company ids, tag names: each in its order
    primary: Lists  # whether each email, phone and company link is the primary one
    phone_extensions: list[str]
    phone_kinds: list[str]

    def audited(self) -> Lists:
        """The lists as the contact's audit snapshot holds them (`_contact_snapshot`)."""
        phones = self.lists["phones"]
        texts = list(map(phone_audited, phones, self.phone_extensions, self.phone_kinds))
        return {**self.lists, "phones": texts}


def contact_lists(contact: Contact) -> StoredLists:
    lists: Lists = {}
    primary: Lists = {}
    for name, rows in (
        ("emails", contact.emails.values_list("email", "is_primary")),
        ("companies", contact.company_links.values_list("company_id", "is_primary")),
    ):
        pairs = list(rows.order_by("-is_primary", "id"))
        lists[name] = [value for value, _ in pairs]
        primary[name] = [is_primary for _, is_primary in pairs]
    phones = list(contact.phones.values_list("number", "is_primary", "extension", "kind"))
    lists["phones"] = [p[0] for p in phones]
    primary["phones"] = [p[1] for p in phones]
    lists["tags"] = [t.name for t in contact.tags.all()]
    return StoredLists(lists, primary, [p[2] for p in phones], [p[3] for p in phones])


def _unchanged(new: list[Any], name: str, stored: StoredLists | None) -> bool:
    """Whether writing `new` as the contact's `name` list would store what it holds."""
    return (
        stored is not None
        and new == stored.lists[name]
        and stored.primary[name] == [i == 0 for i in range(len(new))]
    )


def _contact_apply(
    *,
    workspace: Workspace,
    contact: Contact,
    clean: Data,
    stored: StoredLists | None = None,
) -> Lists:
    """Write cleaned values to the contact and its rows (emails, phones, companies, tags);
    its lists as its audit snapshot holds them now. `stored`: an existing contact's
    (`contact_lists`), so that a list it already holds, as an import's update often sends, is
    not written again."""
    creating = contact._state.adding
    lists: Lists = (
        stored.audited() if stored else {"emails": [], "phones": [], "companies": [], "tags": []}
    )
    for name in [
        *CONTACT_TEXT_LIMITS,
        "external_id",
        "country",
        "lifecycle_stage",
        "preferred_channel",
        "owner_id",
        "do_not_email",
        "do_not_call",
        "custom_fields",
    ]:
        if name in clean:
            setattr(contact, name, clean[name])
    if "emails" in clean:
        contact.email = clean["emails"][0] if clean["emails"] else ""
    if "phones" in clean:
        contact.phone = clean["phones"][0] if clean["phones"] else ""
    if "company_ids" in clean:
        contact.primary_company_id = clean["company_ids"][0] if clean["company_ids"] else None
    contact.set_derived_fields()
    contact.workspace = workspace
    contact.save()
    if "emails" in clean and not _unchanged(clean["emails"], "emails", stored):
        if not creating:
            contact.emails.all().delete()
        ContactEmail.objects.bulk_create(
            ContactEmail(workspace=workspace, contact=contact, email=e, is_primary=i == 0)
            for i, e in enumerate(clean["emails"])
        )
        lists["emails"] = clean["emails"]
    phones = clean.get("phones")
    if phones is not None:
        extensions = [clean["phone_extensions"].get(p, "") for p in phones]
        # A number given again keeps its kind unless one is stated; a new one is a work phone.
        kept = dict(zip(stored.lists["phones"], stored.phone_kinds, strict=True)) if stored else {}
        stated = clean.get("phone_kinds") or {}
        kinds = [stated.get(p) or kept.get(p, PhoneKind.WORK) for p in phones]
        if not (
            _unchanged(phones, "phones", stored)
            and stored
            and (stored.phone_extensions, stored.phone_kinds) == (extensions, kinds)
        ):
            if not creating:
                contact.phones.all().delete()
            ContactPhone.objects.bulk_create(
                ContactPhone(
                    workspace=workspace,
                    contact=contact,
                    number=p,
                    extension=extension,
                    kind=kind,
                    is_primary=i == 0,
                )
                for i, (p, extension, kind) in enumerate(
                    zip(phones, extensions, kinds, strict=True)
                )
            )
        lists["phones"] = list(map(phone_audited, phones, extensions, kinds))
    companies = clean.get("company_ids")
    if companies is not None and not _unchanged(companies, "companies", stored):
        if not creating:
            contact.company_links.all().delete()
        ContactCompany.objects.bulk_create(
            ContactCompany(workspace=workspace, contact=contact, company_id=cid, is_primary=i == 0)
            for i, cid in enumerate(companies)
        )
        lists["companies"] = companies
    if "tags" in clean:
        tags = tags_resolve(workspace=workspace, names=clean["tags"])
        contact.tags.set(tags)
        lists["tags"] = list(dict.fromkeys(t.name for t in tags))
    return lists


def contact_check(*, workspace: Workspace, data: Data, contact: Contact | None) -> None:
    """The errors `contact_create` (no `contact`) or `contact_update` would raise, with nothing
    written: a form shows them beside its own, and before it warns of a likely duplicate."""
    _contact_clean(workspace=workspace, data=data, contact=contact)


def contact_create(*, workspace: Workspace, actor: Actor, data: Data) -> Contact:
    clean = _contact_clean(workspace=workspace, data=data, contact=None)
    with transaction.atomic():
        contact = Contact(workspace=workspace)
        lists = _contact_apply(workspace=workspace, contact=contact, clean=clean)
        after = _contact_snapshot(contact, lists)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=contact,
            changes=diff({}, non_empty(after)),
        )
        records_changed(
            entity="contacts.contact", workspace_id=workspace.pk, ids=[contact.pk], actor=actor
        )
    return contact


def contact_update(
    *,
    workspace: Workspace,
    actor: Actor,
    contact: Contact,
    data: Data,
    stored: StoredLists | None = None,
) -> Contact:
    """`stored`: the contact's lists (`contact_lists`) if the caller read them already, in
    this transaction."""
    clean = _contact_clean(workspace=workspace, data=data, contact=contact)
    with transaction.atomic():
        stored = stored or contact_lists(contact)
        before = _contact_snapshot(contact, stored.audited())
        lists = _contact_apply(workspace=workspace, contact=contact, clean=clean, stored=stored)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=contact,
            changes=diff(before, _contact_snapshot(contact, lists)),
        )
        records_changed(
            entity="contacts.contact", workspace_id=workspace.pk, ids=[contact.pk], actor=actor
        )
    return contact


def contact_delete(*, workspace: Workspace, actor: Actor, contact: Contact) -> None:
    before = non_empty(_contact_snapshot(contact, contact_lists(contact).audited()))
    audited_delete(workspace_id=workspace.pk, actor=actor, instance=contact, before=before)


def contacts_delete(*, workspace: Workspace, actor: Actor, ids: list[int]) -> None:
    """Delete many contacts (an import's undo) with the entry `contact_delete` writes for
    each: their snapshots read with a query per kind of related row, not four per contact,
    and one cascade for them all. Ids already gone are passed over."""
    contacts = list(Contact.objects.filter(pk__in=ids).order_by("-pk"))
    lists = contacts_lists([c.pk for c in contacts])
    gone = [(c, non_empty(_contact_snapshot(c, lists[c.pk].audited()))) for c in contacts]
    audited_delete_many(workspace_id=workspace.pk, actor=actor, deleted=gone)


# --- companies --------------------------------------------------------------------------

COMPANY_FIELDS = [
    *COMPANY_TEXT_LIMITS,
    "external_id",
    "country",
    "domain",
    "size_band",
    "annual_revenue",
    "annual_revenue_currency",
    "parent_id",
    "owner_id",
    "tags",
    "custom_fields",
]


# What `companies_update_many` takes (all but a parent, whose cycle check walks the
# ancestors as the updates before leave them), and what it writes of each changed company.
COMPANY_MANY_FIELDS = frozenset(
    {*COMPANY_TEXT_LIMITS, "external_id", "country", "domain", "tags", "size_band"}
    | {"annual_revenue", "annual_revenue_currency", "owner_id", "custom_fields"}
)
COMPANY_MANY_WRITTEN = (
    *COMPANY_TEXT_LIMITS,
    *("external_id", "country", "domain", "size_band", "annual_revenue"),
    *("annual_revenue_currency", "owner_id", "custom_fields", "name_key"),
)


@dataclass(frozen=True)
class _ReadOnce:
    """What checking a company reads, read once for many (`companies_update_many`): the
    workspace's members and the companies' custom field definitions. An external id another
    company holds is not looked for: the unique constraint finds it."""

    members: frozenset[int]
    definitions: dict[str, CustomFieldDefinition]

    @classmethod
    def read(cls, workspace: Workspace) -> "_ReadOnce":
        members = Membership.objects.filter(workspace=workspace).values_list("user_id", flat=True)
        definitions = CustomFieldDefinition.objects.filter(entity=CustomFieldEntity.COMPANY)
        return cls(frozenset(members), {d.key: d for d in definitions})


def _company_snapshot(company: Company, tags: list[str] | None = None) -> dict[str, Any]:
    """`tags`: the company's tag names when the caller has read them already."""
    snap = snapshot(company, COMPANY_AUDITED)
    snap["tags"] = sorted(t.name for t in company.tags.all()) if tags is None else sorted(tags)
    return snap


def _company_clean(
    *, workspace: Workspace, data: Data, company: Company | None, once: _ReadOnce | None = None
) -> Data:
    """`once`: what the caller read for many companies (`_ReadOnce`), else read here."""
    c = _Collector()
    _unknown_keys(data, COMPANY_FIELDS, c)
    clean: Data = {}
    for name, limit in COMPANY_TEXT_LIMITS.items():
        if name in data:
            clean[name] = _text(data, name, limit, c)
    if company is None and not clean.get("name") and not any(e.field == "name" for e in c.errors):
        c.add("name", "is required")
    if company is not None and "name" in clean and clean["name"] == "":
        c.add("name", "is required")
    if "external_id" in data:
        clean["external_id"] = _external_id(workspace, Company, data, company, c, once is None)
    if "country" in data:
        clean["country"] = _country(data, c)
    if "domain" in data:
        clean["domain"] = c.run(lambda: domain_normalise(data["domain"] or ""))
    if "size_band" in data:
        clean["size_band"] = _choice(data, "size_band", SizeBand, c)
    if "annual_revenue" in data:
        raw = data["annual_revenue"]
        clean["annual_revenue"] = (
            None if raw in (None, "") else c.run(lambda: amount_clean(raw, field="annual_revenue"))
        )
    if "annual_revenue_currency" in data:
        raw_cur = data["annual_revenue_currency"]
        clean["annual_revenue_currency"] = (
            ""
            if not raw_cur
            else c.run(lambda: currency_clean(raw_cur, field="annual_revenue_currency"))
        )
    revenue = clean.get("annual_revenue", company.annual_revenue if company else None)
    currency = clean.get(
        "annual_revenue_currency", company.annual_revenue_currency if company else ""
    )
    if revenue is not None and not currency and "annual_revenue_currency" not in data:
        clean["annual_revenue_currency"] = currency = workspace.base_currency
    if revenue is not None and not currency and not c.errors:
        c.add("annual_revenue_currency", "is required when an annual revenue is given")
    if "parent_id" in data:
        parent_id = data["parent_id"]
        if parent_id is not None and not Company.objects.filter(pk=parent_id).exists():
            c.add("parent_id", "no such company")
        elif (
            company is not None
            and parent_id is not None
            and _is_ancestor_or_self(company.pk, parent_id)
        ):
            c.add("parent_id", "would make the company its own parent")
        else:
            clean["parent_id"] = parent_id
    if "owner_id" in data:
        clean["owner_id"] = _owner(workspace, data, c, members=once.members if once else None)
    if "tags" in data:
        clean["tags"] = _tags(data, c)
    definitions = once.definitions if once else None
    if "custom_fields" in data:
        clean["custom_fields"] = c.run(
            lambda: custom_fields_clean(
                entity=CustomFieldEntity.COMPANY,
                values=data["custom_fields"],
                existing=company.custom_fields if company else None,
                definitions=definitions,
            )
        )
    elif company is None:
        c.run(
            lambda: custom_fields_clean(
                entity=CustomFieldEntity.COMPANY, values={}, definitions=definitions
            )
        )
    c.raise_if_any()
    return clean


def _is_ancestor_or_self(company_id: int, candidate_parent_id: int) -> bool:
    seen: set[int] = set()
    current: int | None = candidate_parent_id
    while current is not None and current not in seen:
        if current == company_id:
            return True
        seen.add(current)
        current = Company.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return False


def _company_assign(company: Company, clean: Data) -> None:
    """The cleaned values but the tags, on the instance."""
    for name, value in clean.items():
        if name != "tags":
            setattr(company, name, value)
    company.set_derived_fields()


def _company_apply(*, workspace: Workspace, company: Company, clean: Data) -> None:
    _company_assign(company, clean)
    company.workspace = workspace
    company.save()
    if "tags" in clean:
        company.tags.set(tags_resolve(workspace=workspace, names=clean["tags"]))


def company_check(*, workspace: Workspace, data: Data, company: Company | None) -> None:
    """As `contact_check`, for `company_create` and `company_update`."""
    _company_clean(workspace=workspace, data=data, company=company)


def company_create(*, workspace: Workspace, actor: Actor, data: Data) -> Company:
    clean = _company_clean(workspace=workspace, data=data, company=None)
    with transaction.atomic():
        company = Company(workspace=workspace)
        _company_apply(workspace=workspace, company=company, clean=clean)
        after = _company_snapshot(company)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=company,
            changes=diff({}, non_empty(after)),
        )
    return company


def company_update(*, workspace: Workspace, actor: Actor, company: Company, data: Data) -> Company:
    clean = _company_clean(workspace=workspace, data=data, company=company)
    with transaction.atomic():
        before = _company_snapshot(company)
        _company_apply(workspace=workspace, company=company, clean=clean)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=company,
            changes=diff(before, _company_snapshot(company)),
        )
    return company


def companies_update_many(
    *, workspace: Workspace, actor: Actor, updates: list[tuple[int, Data]]
) -> None:
    """Update many companies (an import's undo), each with its data in the order given,
    leaving the state and the audit entries `company_update` one by one leaves; ids gone
    are passed over. The companies and their tags are read once, the changed ones written
    by one UPDATE (a company left as it was is not written), the entries by one insert.
    `updates` give only `COMPANY_MANY_FIELDS`: what `_company_clean` checks with what is
    read once for all (`_ReadOnce`), but for an external id another company holds, which
    the unique constraint finds."""
    assert all(data.keys() <= COMPANY_MANY_FIELDS for _, data in updates), "one by one, then"
    companies, links = _companies_read(workspace, list(dict.fromkeys(pk for pk, _ in updates)))
    once = _ReadOnce.read(workspace)
    initial = {pk: set(links.get(pk, ())) for pk in companies}
    # every tag named, resolved (and created) in the order `company_update` one by one would
    names = [
        n.strip()
        for pk, data in updates
        if pk in companies and isinstance(data.get("tags"), list)
        for n in data["tags"]
        if isinstance(n, str) and 0 < len(n.strip()) <= 50
    ]
    resolved = tags_resolve(workspace=workspace, names=names) if names else []
    tags = {t.name.lower(): t for t in resolved}
    entries: list[tuple[str, int, str, dict[str, list[Any]]]] = []
    for pk, data in updates:
        company = companies.get(pk)
        if company is None:
            continue
        held = links.setdefault(pk, {})
        before = _company_snapshot(company, list(held.values()))
        clean = _company_clean(workspace=workspace, data=data, company=company, once=once)
        _company_assign(company, clean)
        if "tags" in clean:
            held = links[pk] = {t.pk: t.name for t in (tags[n.lower()] for n in clean["tags"])}
        if changes := diff(before, _company_snapshot(company, list(held.values()))):
            entries.append((Company._meta.label_lower, pk, str(company), changes))
    changed = list(dict.fromkeys(pk for _, pk, _, _ in entries))
    written = [(pk, *(getattr(companies[pk], n) for n in COMPANY_MANY_WRITTEN)) for pk in changed]
    try:
        with transaction.atomic():
            now = timezone.now()
            rows_update(Company, COMPANY_MANY_WRITTEN, written, workspace_id=workspace.pk, now=now)
            if entries:
                audit_rows_updated(workspace_id=workspace.pk, actor=actor, entries=entries)
            relinked = [pk for pk in changed if set(links[pk]) != initial[pk]]
            through = Company.tags.through
            for part in slices(relinked):
                through.objects.filter(company_id__in=part).delete()
            rows = [(pk, tag_id) for pk in relinked for tag_id in links[pk]]
            rows_insert(through, ["company_id", "tag_id"], rows)
    except IntegrityError:
        # An external id another company holds (or one these updates pass between
        # companies, taken before it is freed): one by one, each checked and reported.
        for pk, data in updates:
            found = Company.objects.filter(workspace=workspace, pk=pk).first()
            if found is not None:
                company_update(workspace=workspace, actor=actor, company=found, data=data)


def _companies_read(
    workspace: Workspace, ids: list[int]
) -> tuple[dict[int, Company], dict[int, dict[int, str]]]:
    """The companies by id, and each one's tags (names by id), a query per table."""
    companies: dict[int, Company] = {}
    links: dict[int, dict[int, str]] = {}
    for part in slices(ids):
        found = {c.pk: c for c in Company.objects.filter(workspace=workspace, pk__in=part)}
        companies.update(found)
        linked = Company.tags.through.objects.filter(company_id__in=list(found))
        for pk, tag_id, name in linked.values_list("company_id", "tag_id", "tag__name"):
            links.setdefault(pk, {})[tag_id] = name
    return companies, links


def company_delete(*, workspace: Workspace, actor: Actor, company: Company) -> None:
    before = non_empty(_company_snapshot(company))
    audited_delete(workspace_id=workspace.pk, actor=actor, instance=company, before=before)


def companies_delete(*, workspace: Workspace, actor: Actor, ids: list[int]) -> None:
    """Delete many companies (an import's undo) with the entry `company_delete` writes for
    each; ids already gone are passed over."""
    companies = list(Company.objects.filter(pk__in=ids).order_by("-pk"))
    tags: dict[int, list[str]] = {c.pk: [] for c in companies}
    through = Company.tags.through.objects.filter(company_id__in=list(tags))
    for pk, name in through.values_list("company_id", "tag__name"):
        tags[pk].append(name)
    gone = [(c, non_empty(_company_snapshot(c, tags[c.pk]))) for c in companies]
    audited_delete_many(workspace_id=workspace.pk, actor=actor, deleted=gone)


# --- tags -------------------------------------------------------------------------------


def _tag_clean(data: Data) -> Data:
    c = _Collector()
    _unknown_keys(data, ["name", "color"], c)
    clean: Data = {}
    if "name" in data:
        name = _text(data, "name", 50, c)
        if name == "":
            c.add("name", "is required")
        clean["name"] = name
    if "color" in data:
        color = str(data["color"] or "")
        if (
            len(color) != 7
            or not color.startswith("#")
            or not all(ch in "0123456789abcdefABCDEF" for ch in color[1:])
        ):
            c.add("color", "must be a #rrggbb colour")
        clean["color"] = color.lower()
    c.raise_if_any()
    return clean


def _tag_name_taken(name: str) -> ServiceValidationError:
    return ServiceValidationError.single("name", f"a tag named '{name}' exists already")


def _tag_name_free(name: str, exclude_id: int | None = None) -> None:
    if Tag.objects.filter(key=tag_key(name)).exclude(pk=exclude_id).exists():
        raise _tag_name_taken(name)


@contextmanager
def _tag_name_unique(name: str) -> Iterator[None]:
    """The lookup answers most clashes by name; a concurrent write of the same key that got
    past it meets the database's constraint instead, and the same answer."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise _tag_name_taken(name) from exc


def tag_create(*, workspace: Workspace, actor: Actor, data: Data) -> Tag:
    clean = _tag_clean(data)
    if "name" not in clean:
        raise ServiceValidationError.single("name", "is required")
    _tag_name_free(clean["name"])
    with _tag_name_unique(clean["name"]):
        tag = Tag.objects.create(workspace=workspace, **clean)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=tag,
            changes=diff({}, snapshot(tag, ["name", "color"])),
        )
    return tag


def tag_update(*, workspace: Workspace, actor: Actor, tag: Tag, data: Data) -> Tag:
    clean = _tag_clean(data)
    if "name" in clean:
        _tag_name_free(clean["name"], exclude_id=tag.pk)
    with _tag_name_unique(clean.get("name", tag.name)):
        audited_update(
            workspace_id=workspace.pk,
            actor=actor,
            instance=tag,
            values=clean,
            fields=["name", "color"],
        )
    return tag


def tag_delete(*, workspace: Workspace, actor: Actor, tag: Tag) -> None:
    before = snapshot(tag, ["name", "color"])
    audited_delete(workspace_id=workspace.pk, actor=actor, instance=tag, before=before)


# --- custom field definitions ------------------------------------------------------------

CUSTOM_FIELD_AUDITED = ["entity", "key", "label", "field_type", "choices", "required", "position"]


def _custom_field_clean(data: Data, definition: CustomFieldDefinition | None) -> Data:
    c = _Collector()
    _unknown_keys(data, CUSTOM_FIELD_AUDITED, c)
    clean: Data = {}
    if definition is not None:
        for frozen in ("entity", "key", "field_type"):
            if frozen in data and data[frozen] != getattr(definition, frozen):
                c.add(frozen, "cannot be changed once the field exists")
    else:
        for required in ("entity", "field_type"):
            if not data.get(required):
                c.add(required, "is required")
        if data.get("entity"):
            clean["entity"] = _choice(data, "entity", CustomFieldEntity, c)
        if data.get("field_type"):
            clean["field_type"] = _choice(data, "field_type", CustomFieldType, c)
        key = slugify(str(data.get("key") or data.get("label") or "")).replace("-", "_")[:50]
        if not key and (data.get("key") or str(data.get("label") or "").strip()):
            c.add("key", "must contain letters or digits")
        elif data.get("key") and key != data["key"]:
            # A key the caller chose is what it will write values under: never another one.
            c.add("key", f"use at most 50 lowercase letters, digits and _, e.g. '{key}'")
        clean["key"] = key
    if "label" in data or definition is None:
        clean["label"] = _text(data, "label", 100, c) if "label" in data else ""
        if not clean["label"] and not any(e.field == "label" for e in c.errors):
            c.add("label", "is required")  # on an update too: a field is shown by its label
    if "required" in data:
        clean["required"] = _bool(data, "required", c)
    if "position" in data:
        clean["position"] = c.run(lambda: position_clean(data["position"]))
    field_type = clean.get("field_type") or (definition.field_type if definition else None)
    if "choices" in data:
        clean["choices"] = _list_of_str(data, "choices", c)
    choices = clean.get("choices", definition.choices if definition else [])
    if field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE) and not choices:
        c.add("choices", "a choice field needs at least one choice")
    c.raise_if_any()
    return clean


def custom_field_create(*, workspace: Workspace, actor: Actor, data: Data) -> CustomFieldDefinition:
    clean = _custom_field_clean(data, None)
    if CustomFieldDefinition.objects.filter(entity=clean["entity"], key=clean["key"]).exists():
        raise ServiceValidationError.single("key", f"'{clean['key']}' exists already")
    with transaction.atomic():
        definition = CustomFieldDefinition.objects.create(workspace=workspace, **clean)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=definition,
            changes=diff({}, snapshot(definition, CUSTOM_FIELD_AUDITED)),
        )
    return definition


def custom_field_update(
    *, workspace: Workspace, actor: Actor, definition: CustomFieldDefinition, data: Data
) -> CustomFieldDefinition:
    clean = _custom_field_clean(data, definition)
    audited_update(
        workspace_id=workspace.pk,
        actor=actor,
        instance=definition,
        values=clean,
        fields=CUSTOM_FIELD_AUDITED,
    )
    return definition


def custom_field_delete(
    *, workspace: Workspace, actor: Actor, definition: CustomFieldDefinition
) -> None:
    """Removes the definition; stored values stay in the records' JSON but are no longer shown."""
    before = snapshot(definition, CUSTOM_FIELD_AUDITED)
    audited_delete(workspace_id=workspace.pk, actor=actor, instance=definition, before=before)
