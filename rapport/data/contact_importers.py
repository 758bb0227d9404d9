"""Importers for contacts and companies, written through the contacts app's services.

They live here until the contacts app takes them over; either way they join the registry
like any later app's importer (leads, deals, orders) will.
"""

import functools
import re
from collections.abc import Callable
from typing import Any

import pycountry
from django.db import models

from rapport.contacts.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    CustomFieldEntity,
    LifecycleStage,
    PhoneKind,
)
from rapport.contacts.normalise import (
    domain_normalise,
    email_normalise,
    phone_normalise,
    phone_text,
)
from rapport.contacts.normalise import search_key as name_key
from rapport.contacts.services import (
    COMPANY_MANY_FIELDS,
    StoredLists,
    companies_delete,
    companies_update_many,
    company_create,
    company_delete,
    company_update,
    contact_create,
    contact_delete,
    contact_lists,
    contact_update,
    contacts_delete,
)
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.data.company_parents import parent_cycles, parent_waited
from rapport.data.contact_updates import restores_apply
from rapport.data.header_translations import TRANSLATED
from rapport.data.importers import (
    FULL_NAME,
    MULTI_VALUE_SEPARATOR,
    Actor,
    BulkWriter,
    ImportContext,
    Importer,
    ImportField,
    ImportRow,
    Values,
    external_id_field,
    external_id_match,
    header_key,
    importer_register,
)
from rapport.data.models import ImportBatch
from rapport.data.record_values import (
    COMPANY_READERS,
    CONTACT_READERS,
    Reader,
    ValueReader,
    WithCustomFields,
    names_split,
    replaced,
    stored_values,
)
from rapport.tenancy.models import Workspace

ADDRESS = [
    ImportField(
        "street",
        "Street",
        (
            "mailing street",
            "billing street",
            "business street",
            "street address",
            "address",
            "address line 1",
            "address 1 - street",  # Google Contacts
            *TRANSLATED["street"],
        ),
    ),
    ImportField(
        "city",
        "City",
        (
            "mailing city",
            "billing city",
            "business city",
            "town",
            "address 1 - city",
            *TRANSLATED["city"],
        ),
    ),
    ImportField(
        "region",
        "Region",
        (
            "state",
            "province",
            "state/province",
            "state/region",
            "mailing state",
            "mailing state/province",  # Salesforce
            "billing state",
            "billing state/province",
            "business state",  # Outlook
            "address 1 - region",
            *TRANSLATED["region"],
        ),
    ),
    ImportField(
        "postal_code",
        "Postal code",
        (
            "zip",
            "zip code",
            "postcode",
            "mailing zip/postal code",
            "billing zip/postal code",
            "mailing zip",  # Zoho
            "mailing postal code",  # Salesforce's data export: MailingPostalCode
            "billing postal code",
            "business postal code",
            "address 1 - postal code",
            *TRANSLATED["postal_code"],
        ),
    ),
    ImportField(
        "country",
        "Country",
        (
            "mailing country",
            "billing country",
            "country/region",
            "business country",
            "address 1 - country",
            *TRANSLATED["country"],
        ),
    ),
]
ADDRESS_NAMES = [f.name for f in ADDRESS]
# Who a record belongs to, as other tools name the column (HubSpot's "Contact owner" and
# Salesforce's "Account Owner" are added by each importer).
OWNER_ALIASES = ("owner name", "record owner", "owner email", "assigned to", "hubspot owner")
PERSON_NAME = [
    ImportField(
        FULL_NAME,
        "Full name (split into first and last name)",
        (
            "name",
            "nom",  # French: beside "Prénom" it is the last name (`suggestion_settled`)
            "full name",
            "contact name",
            "person - name",
            "display name",
            *TRANSLATED["full_name"],
        ),
    ),
    ImportField(
        "first_name",
        "First name",
        ("first", "given name", "firstname", "person - first name", *TRANSLATED["first_name"]),
    ),
    ImportField(
        "last_name",
        "Last name",
        (
            "last",
            "surname",
            "family name",
            "lastname",
            "person - last name",
            *TRANSLATED["last_name"],
        ),
    ),
]


# Names other tools write that ISO 3166 (and so pycountry) does not: "UK" is no ISO code (the
# United Kingdom is GB), but Salesforce and HubSpot users type it more than any other.
COUNTRY_NAMES = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "russia": "RU",
    "holland": "NL",
    "the netherlands": "NL",
    "deutschland": "DE",
}


def _country(raw: str) -> str:
    """An ISO code from a code or an English name; anything else is left for the service to
    refuse, naming the column."""
    known = COUNTRY_NAMES.get(name_key(raw).replace(".", ""))
    if known:
        return known
    if len(raw) == 2:
        return raw.upper()
    try:
        return str(pycountry.countries.lookup(raw).alpha_2)
    except LookupError:
        return raw


# Google Contacts' "Group Membership" marks its own groups with "* "; every contact is in
# "* myContacts", which says nothing as a tag.
GOOGLE_ALL_CONTACTS = "myContacts"


def _tags(row: ImportRow) -> list[str]:
    """The tags of the row's cells (`names_split`), Google's own groups' marks taken off."""
    words = (
        t.removeprefix("* ") for _, cell in row.values.get("tags", ()) for t in names_split(cell)
    )
    return [t for t in words if t and t != GOOGLE_ALL_CONTACTS]


# The words that name a phone's kind in a type ("Mobile", vCard's "CELL") or a column ("Home
# Phone", Pipedrive's "Person - Phone - Mobile"), looked for in its `header_key`, in order.
PHONE_KIND_WORDS = (
    ("mobile", PhoneKind.MOBILE),
    ("cell", PhoneKind.MOBILE),
    ("iphone", PhoneKind.MOBILE),
    ("home", PhoneKind.HOME),
    ("business", PhoneKind.WORK),
    ("work", PhoneKind.WORK),
    ("office", PhoneKind.WORK),
    ("other", PhoneKind.OTHER),
)
# Rapport's own column of the phones beyond the primary: further phones, not "other" ones.
OWN_OTHER_PHONES = header_key("other_phones")


@functools.lru_cache(maxsize=1024)
def phone_kind(text: str) -> str:
    """The `PhoneKind` a type or a column names; "" when it names none ("Phone", "Pager")."""
    key = header_key(text)
    if key == OWN_OTHER_PHONES:
        return ""
    return next((str(kind) for word, kind in PHONE_KIND_WORDS if word in key), "")


def phone_kinds(row: ImportRow) -> list[str]:
    """The kind of each of the row's phones, in `row.all("phone")`'s order ("" where the file
    does not say). The "phone_kinds" cells (Rapport's export, Google's "Phone 1 - Type", a
    vCard's "Phone 2 Type") go with the phones of the columns numbered alike, in order, the
    last kind covering the rest (Google's one type for a cell of several numbers); a phone
    without one takes the kind its column names (Outlook's "Mobile Phone")."""
    stated: dict[str, list[str]] = {}
    for column, cell in row.values.get("phone_kinds", ()):
        kinds = (phone_kind(k) for k in cell.split(MULTI_VALUE_SEPARATOR))
        stated.setdefault(_column_number(column), []).extend(kinds)
    if not stated:  # on every row of most files: no parsing of column numbers
        return [phone_kind(column) for column, _ in row.cells("phone")]
    used: dict[str, int] = {}
    out = []
    for column, _ in row.cells("phone"):
        number = _column_number(column)
        given = stated.get(number)
        if given:
            at = used[number] = used.get(number, -1) + 1
            out.append(given[min(at, len(given) - 1)])
        else:
            out.append(phone_kind(column))
    return out


def _column_number(column: str) -> str:
    return re.sub(r"\D", "", column)


def phone_kinds_by_number(row: ImportRow, number: Callable[[str], str | None]) -> dict[str, str]:
    """The kinds the row states for its phones, by stored number (`number` reads one, None
    for a value that is none; the first kind stated for a number wins)."""
    kinds: dict[str, str] = {}
    for raw, kind in zip(row.all("phone"), phone_kinds(row), strict=True):
        if kind and (stored := number(raw)):
            kinds.setdefault(stored, kind)
    return kinds


def _not_work(kinds: dict[str, str]) -> dict[str, str]:
    """The kinds a new phone written by the services lacks (it is a work phone)."""
    return {n: k for n, k in kinds.items() if k != PhoneKind.WORK}


# HubSpot's stages as its exports write them: labels ("Marketing Qualified Lead") or internal
# values ("marketingqualifiedlead"); compared as `header_key`s.
HUBSPOT_STAGES = {
    "marketingqualifiedlead": LifecycleStage.MARKETING_QUALIFIED,
    "salesqualifiedlead": LifecycleStage.SALES_QUALIFIED,
    "mql": LifecycleStage.MARKETING_QUALIFIED,
    "sql": LifecycleStage.SALES_QUALIFIED,
}


def _lifecycle_stage(raw: str) -> str:
    """A stage's value from its value, its label or HubSpot's name for it, compared without
    case, spaces or punctuation; anything else is left for the service to refuse."""
    key = header_key(raw)
    known = {
        header_key(name): value
        for value, label in LifecycleStage.choices
        for name in (value, label)
    }
    found = known.get(key) or HUBSPOT_STAGES.get(key)
    return str(found) if found else name_key(raw).replace(" ", "_").replace("-", "_")


def _merged(existing: list[Any], new: list[Any]) -> list[Any]:
    return [*existing, *(v for v in new if v not in existing)]


def values_read(
    ctx: ImportContext,
    row: ImportRow,
    entity: str,
    readers: dict[str, Reader],
    reader: ValueReader | None = None,
) -> Values:
    """The row's owner, flags, choices and custom fields (`record_values`) as the services
    take them; a bad one is left out and refuses the row (`ImportContext.refused`), every
    bad one named."""
    reader = reader or ValueReader(ctx.workspace, entity)
    values, errors = reader.read(row, readers)
    ctx.refused.extend(errors)
    return values


# A bare "Name" ("Nom") column is the whole name, unless a first-name column sits beside it:
# then it is the last name (a German form's "Vorname" and "Name", a French one's "Prénom" and
# "Nom").
BARE_NAMES = frozenset(header_key(n) for n in ("name", "nom"))


class ContactImporter(Importer):
    entity = "contacts"
    label = "Contacts"
    model = Contact
    match_help = (
        "an existing contact with the row's external id, else one of its emails, else one of "
        "its phones"
    )
    fields = WithCustomFields(
        CustomFieldEntity.CONTACT,
        [
            external_id_field(
                "contact id", "salesforce id", "hubspot id", "hs_object_id", "person - id"
            ),
            *PERSON_NAME,
            ImportField(
                "email",
                "Email",
                (
                    "email address",
                    "e-mail",
                    "e-mail address",  # Outlook, and its "E-mail 2 Address"
                    "primary email",
                    "work email",
                    "secondary email",  # Zoho
                    "e-mail 1 - value",  # Google Contacts
                    "person - email",  # Pipedrive, and its "Person - Email - Work/Home/Other"
                    "person - email - work",
                    "person - email - home",
                    "person - email - other",
                    "other emails",  # Rapport's own export: the emails beyond the primary
                    "additional email addresses",  # HubSpot, ";" between them
                    "hs_additional_emails",
                    *TRANSLATED["email"],
                ),
                many=True,
                separator=";",  # never part of an address
            ),
            ImportField(
                "phone",
                "Phone",
                (
                    "phone number",
                    "mobile",
                    "mobile phone",
                    "mobile phone number",
                    "telephone",
                    "business phone",
                    "work phone",
                    "home phone",
                    "other phone",
                    "primary phone",
                    "phone 1 - value",  # Google Contacts
                    "person - phone",  # Pipedrive
                    "person - phone - work",
                    "person - phone - mobile",
                    "person - phone - home",
                    "person - phone - other",
                    "other phones",  # Rapport's own export
                    *TRANSLATED["phone"],
                ),
                many=True,
            ),
            ImportField(
                "phone_kinds",
                "Phone kinds (mobile, work, home or other)",
                ("phone type", "phone kind"),  # Google's "Phone 1 - Type", a vCard's "Phone 2 Type"
                many=True,
            ),
            ImportField(
                "job_title",
                "Job title",
                (
                    "title",
                    "position",
                    "job",
                    "organization 1 - title",
                    "person - job title",
                    *TRANSLATED["job_title"],
                ),
            ),
            ImportField(
                "company",
                "Company",
                (
                    "company name",
                    "account name",
                    "organization",
                    "organisation",
                    "organization 1 - name",  # Google Contacts
                    "person - organization",  # Pipedrive
                    *TRANSLATED["company"],
                ),
            ),
            *ADDRESS,
            ImportField("source", "Source", ("lead source", "original source")),
            ImportField("lifecycle_stage", "Lifecycle stage", ("lifecycle", "stage")),
            ImportField(
                "tags",
                "Tags",
                (
                    "labels",
                    "tag",
                    "categories",
                    "person - label",
                    "group membership",
                    *TRANSLATED["tags"],
                ),
                many=True,
            ),
            ImportField("owner", "Owner", (*OWNER_ALIASES, "contact owner", "person - owner")),
            ImportField(
                "preferred_channel",
                "Preferred channel (email, phone, SMS or postal mail)",
                ("preferred contact method", "contact preference", "preferred method of contact"),
            ),
            ImportField(
                "do_not_email",
                "Do not email (yes or no)",
                (
                    "email opt out",  # Salesforce, and its API name HasOptedOutOfEmail
                    "has opted out of email",
                    "unsubscribed from all email",  # HubSpot, and hs_email_optout
                    "hs_email_optout",
                    "opted out of email",
                ),
            ),
            ImportField("do_not_call", "Do not call (yes or no)", ("donotcall", "call opt out")),
        ],
    )
    error_fields = {
        "emails": "email",
        "phones": "phone",
        "company_ids": "company",
        "owner_id": "owner",
    }
    READERS = CONTACT_READERS
    FLAGS = ["preferred_channel", "do_not_email", "do_not_call"]
    TEXT = ["external_id", "first_name", "last_name", "job_title", "source", *ADDRESS_NAMES]

    def bulk_writer(self, *, batch: ImportBatch, actor: Actor) -> BulkWriter:
        from rapport.data.contact_bulk import ContactBulkWriter  # it builds on this module

        return ContactBulkWriter(self, batch=batch, actor=actor)

    def suggestion_settled(self, mapping: dict[str, str]) -> dict[str, str]:
        """A bare "Name" beside a first name, and no last name, is the last name."""
        fields = set(mapping.values())
        if "first_name" not in fields or "last_name" in fields:
            return mapping
        return {
            column: "last_name" if f == FULL_NAME and header_key(column) in BARE_NAMES else f
            for column, f in mapping.items()
        }

    def match(self, *, workspace: Workspace, row: ImportRow) -> models.Model | None:
        by_id = external_id_match(Contact, workspace=workspace, row=row)
        if by_id is not None:
            return by_id
        emails = [e for e in (self._quietly(email_normalise, v) for v in row.all("email")) if e]
        if emails:
            hit = (
                ContactEmail.objects.filter(workspace=workspace, email__in=emails)
                .order_by("contact_id")
                .values_list("contact_id", flat=True)
                .first()
            )
            if hit is not None:
                return Contact.objects.filter(workspace=workspace, pk=hit).first()
        region = workspace.default_region
        phones = [
            p
            for p in (self._quietly(phone_normalise, v, region=region) for v in row.all("phone"))
            if p
        ]
        if phones:
            hit = (
                ContactPhone.objects.filter(workspace=workspace, number__in=phones)
                .order_by("contact_id")
                .values_list("contact_id", flat=True)
                .first()
            )
            if hit is not None:
                return Contact.objects.filter(workspace=workspace, pk=hit).first()
        return None

    @staticmethod
    def _quietly(fn: Any, value: str, **kwargs: Any) -> str | None:
        try:
            return str(fn(value, **kwargs))
        except ServiceValidationError:
            return None

    def _company_id(self, ctx: ImportContext, row: ImportRow) -> int | None:
        """The company the row names, created if there is none; None, the row refused, when
        it cannot be."""
        name = row.first("company")
        company = Company.objects.filter(workspace=ctx.workspace, name_key=name_key(name)).first()
        if company is None:
            try:
                company = company_create(
                    workspace=ctx.workspace, actor=ctx.actor, data={"name": name}
                )
            except ServiceValidationError as exc:
                ctx.refused.append(FieldError("company_ids", str(exc)))
                return None
            ctx.side_created.append(("companies", company))
        return int(company.pk)

    def _data(self, ctx: ImportContext, row: ImportRow) -> Values:
        data: Values = {name: row.first(name) for name in self.TEXT if row.has(name)}
        if "country" in data:
            data["country"] = _country(data["country"])
        if row.has("lifecycle_stage"):
            data["lifecycle_stage"] = _lifecycle_stage(row.first("lifecycle_stage"))
        if row.has("email"):
            data["emails"] = row.all("email")
        if row.has("phone"):
            data["phones"] = row.all("phone")
        if row.has("tags"):
            data["tags"] = _tags(row)
        if row.has("company") and (company_id := self._company_id(ctx, row)) is not None:
            data["company_ids"] = [company_id]
        data.update(values_read(ctx, row, CustomFieldEntity.CONTACT, self.READERS))
        return data

    def create(self, *, ctx: ImportContext, row: ImportRow) -> models.Model:
        data = self._data(ctx, row)
        if "phones" in data:
            data["phone_kinds"] = self._kinds_sent(ctx, row, data["phones"])
        return contact_create(workspace=ctx.workspace, actor=ctx.actor, data=data)

    def _kinds_sent(self, ctx: ImportContext, row: ImportRow, phones: list[str]) -> list[str]:
        region = ctx.workspace.default_region
        stated = phone_kinds_by_number(
            row, lambda raw: self._quietly(phone_normalise, raw, region=region)
        )
        return self._kinds_listed(phones, stated, region)

    @classmethod
    def _kinds_listed(cls, phones: list[str], kinds: dict[str, str], region: str) -> list[str]:
        """The services' `phone_kinds` for `phones` from kinds by number ("" where none is
        given: a phone given again keeps its kind, a new one is a work phone). Given to the
        service with the phones, they are in its audit entry, as a UI or API write's are."""
        return [
            kinds.get(cls._quietly(phone_normalise, p, region=region) or "", "") for p in phones
        ]

    @staticmethod
    def _lists(stored: StoredLists) -> Values:
        """A contact's lists (`contact_lists`) under the names an import's data gives them,
        each phone with its extension."""
        lists = stored.lists
        return {
            "emails": lists["emails"],
            "phones": list(map(phone_text, lists["phones"], stored.phone_extensions)),
            "company_ids": lists["companies"],
            "tags": lists["tags"],
        }

    def update(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        assert isinstance(instance, Contact)
        data = self._data(ctx, row)
        stored = contact_lists(instance)
        existing = self._lists(stored)
        previous: Values = {}
        for name, value in data.items():
            if name in existing:
                # A row adds emails, phones, companies and tags; it never drops any.
                data[name] = row.sent[name] = _merged(existing[name], value)
                previous[name] = existing[name]
            else:
                previous[name] = replaced(instance, name, value)
        if "phones" in data:  # for undo: the kinds the row may change
            previous["phone_kinds"] = dict(
                zip(stored.lists["phones"], stored.phone_kinds, strict=True)
            )
            data["phone_kinds"] = self._kinds_sent(ctx, row, data["phones"])
        contact_update(
            workspace=ctx.workspace, actor=ctx.actor, contact=instance, data=data, stored=stored
        )
        return previous

    def restore(
        self, *, workspace: Workspace, actor: Actor, instance: models.Model, previous: Values
    ) -> None:
        assert isinstance(instance, Contact)
        if "company_ids" in previous:
            alive = set(
                Company.objects.filter(pk__in=previous["company_ids"]).values_list("pk", flat=True)
            )
            previous = {
                **previous,
                "company_ids": [c for c in previous["company_ids"] if c in alive],
            }
        data = {k: v for k, v in previous.items() if k != "phone_kinds"}
        if "phones" in data:
            kinds = previous.get("phone_kinds", {})
            data["phone_kinds"] = self._kinds_listed(
                data["phones"], kinds, workspace.default_region
            )
        contact_update(workspace=workspace, actor=actor, contact=instance, data=data)

    def restore_many(
        self, *, workspace: Workspace, actor: Actor, restores: list[tuple[int, Values]]
    ) -> None:
        restores_apply(workspace=workspace, actor=actor, restores=restores)

    def delete(self, *, workspace: Workspace, actor: Actor, instance: models.Model) -> None:
        assert isinstance(instance, Contact)
        contact_delete(workspace=workspace, actor=actor, contact=instance)

    def delete_many(self, *, workspace: Workspace, actor: Actor, ids: list[int]) -> None:
        contacts_delete(workspace=workspace, actor=actor, ids=ids)

    def stored(self, instance: models.Model) -> Values:
        assert isinstance(instance, Contact)
        company = instance.primary_company
        return {
            **{name: getattr(instance, name) for name in self.TEXT},
            "lifecycle_stage": instance.lifecycle_stage,
            **{k: v for k, v in self._lists(contact_lists(instance)).items() if k != "company_ids"},
            "company": company.name if company else "",
            **{name: getattr(instance, name) for name in self.FLAGS},
            **stored_values(instance),
        }


class CompanyImporter(Importer):
    entity = "companies"
    label = "Companies"
    model = Company
    match_help = "an existing company with the row's external id, else its domain"
    fields = WithCustomFields(
        CustomFieldEntity.COMPANY,
        [
            external_id_field("account id", "company id"),
            ImportField(
                "name",
                "Name",
                (
                    "company name",
                    "account name",
                    "company",
                    "organization",
                    *TRANSLATED["company"],
                    "nom",
                    "nombre",
                ),
            ),
            ImportField(
                "domain",
                "Domain",
                (
                    "website",
                    "website url",
                    "company domain name",
                    "web site",
                    *TRANSLATED["domain"],
                ),
            ),
            ImportField("industry", "Industry", TRANSLATED["industry"]),
            *ADDRESS,
            ImportField("tags", "Tags", ("labels", "tag", *TRANSLATED["tags"]), many=True),
            ImportField(
                "size_band",
                "Size band (1-10, 11-50, ... or a number of employees)",
                ("company size", "size", "employees", "number of employees", "employee count"),
            ),
            ImportField(
                "annual_revenue",
                "Annual revenue",
                ("revenue", "annual revenue amount", "annualrevenue"),
                decimal=True,
            ),
            ImportField(
                "annual_revenue_currency",
                "Annual revenue currency (ISO 4217; the workspace's currency if none)",
                ("currency", "currency code", "revenue currency", "currencyisocode"),
            ),
            ImportField(
                "parent",
                "Parent company (its name or external id)",
                ("parent company", "parent account", "parent company name", "parent organization"),
            ),
            ImportField(
                "owner",
                "Owner",
                (*OWNER_ALIASES, "company owner", "account owner", "organization - owner"),
            ),
        ],
    )
    error_fields = {"owner_id": "owner", "parent_id": "parent"}
    READERS = COMPANY_READERS
    OWN = ["size_band", "annual_revenue", "annual_revenue_currency"]
    TEXT = ["external_id", "name", "domain", "industry", *ADDRESS_NAMES]

    def match(self, *, workspace: Workspace, row: ImportRow) -> models.Model | None:
        by_id = external_id_match(Company, workspace=workspace, row=row)
        if by_id is not None:
            return by_id
        if not row.has("domain"):
            return None
        try:
            domain = domain_normalise(row.first("domain"))
        except ServiceValidationError:
            return None
        return (
            Company.objects.filter(workspace=workspace, domain=domain).order_by("pk").first()
            if domain
            else None
        )

    def _data(self, ctx: ImportContext, row: ImportRow) -> Values:
        reader = ValueReader(ctx.workspace, CustomFieldEntity.COMPANY)
        parent_waited(ctx, row, reader)  # a parent a later row may create: the row waits
        data: Values = {name: row.first(name) for name in self.TEXT if row.has(name)}
        if "country" in data:
            data["country"] = _country(data["country"])
        if row.has("tags"):
            data["tags"] = _tags(row)
        data.update(values_read(ctx, row, CustomFieldEntity.COMPANY, self.READERS, reader))
        return data

    def waits_refused(self, rows: list[ImportRow]) -> dict[int, list[FieldError]]:
        return parent_cycles(rows)

    def create(self, *, ctx: ImportContext, row: ImportRow) -> models.Model:
        data = self._data(ctx, row)
        return company_create(workspace=ctx.workspace, actor=ctx.actor, data=data)

    def update(self, *, ctx: ImportContext, instance: models.Model, row: ImportRow) -> Values:
        assert isinstance(instance, Company)
        data = self._data(ctx, row)
        previous: Values = {}
        for name, value in data.items():
            if name == "tags":
                previous["tags"] = [t.name for t in instance.tags.all()]
                data["tags"] = _merged(previous["tags"], value)
            else:
                previous[name] = replaced(instance, name, value)
        if "annual_revenue" in data and "annual_revenue_currency" not in data:
            # the service gives a revenue without one the workspace's currency: undo puts
            # back the one it had
            previous["annual_revenue_currency"] = instance.annual_revenue_currency
        company_update(workspace=ctx.workspace, actor=ctx.actor, company=instance, data=data)
        return previous

    def restore(
        self, *, workspace: Workspace, actor: Actor, instance: models.Model, previous: Values
    ) -> None:
        assert isinstance(instance, Company)
        company_update(workspace=workspace, actor=actor, company=instance, data=previous)

    def restore_many(
        self, *, workspace: Workspace, actor: Actor, restores: list[tuple[int, Values]]
    ) -> None:
        if all(previous.keys() <= COMPANY_MANY_FIELDS for _, previous in restores):
            companies_update_many(workspace=workspace, actor=actor, updates=restores)
        else:  # a parent: its cycle check walks the ancestors, one by one (dq24)
            super().restore_many(workspace=workspace, actor=actor, restores=restores)

    def delete(self, *, workspace: Workspace, actor: Actor, instance: models.Model) -> None:
        assert isinstance(instance, Company)
        company_delete(workspace=workspace, actor=actor, company=instance)

    def delete_many(self, *, workspace: Workspace, actor: Actor, ids: list[int]) -> None:
        companies_delete(workspace=workspace, actor=actor, ids=ids)

    def stored(self, instance: models.Model) -> Values:
        assert isinstance(instance, Company)
        return {
            **{name: getattr(instance, name) for name in self.TEXT},
            "tags": [t.name for t in instance.tags.all()],
            **{name: getattr(instance, name) for name in self.OWN},
            "parent": instance.parent.name if instance.parent else "",
            **stored_values(instance),
        }


importer_register(ContactImporter())
importer_register(CompanyImporter())
