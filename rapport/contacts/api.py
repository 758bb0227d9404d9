"""Contacts, companies, tags and custom field definitions over `/api/v1/`.

Handlers translate only: the scope is declared in the decorator, records are fetched through
`queries`, and each write is one service call. Contacts and companies share their schema
bases and the list and bulk machinery in `rapport.api.records`.
"""

import datetime as dt
import inspect
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Manager, Model
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.renderers import JSONRenderer
from pydantic import StrictBool, TypeAdapter, create_model

from rapport.api.permissions import DELETE, READ, SETTINGS, WRITE, Caller, caller
from rapport.api.problem import problems_declared
from rapport.api.records import (
    CUSTOM_FILTER_HELP,
    BulkIn,
    BulkOut,
    CountedPageOut,
    NonNull,
    PathId,
    PositiveInt32,
    QueryId,
    RecordId,
    RecordListParams,
    WriteSchema,
    bulk_upsert,
    create_body,
    created,
    enumerated,
    page_count,
    query_errors,
    record_filter,
    refuse_unknown_params,
)

# The lean list reads (same filters, sorts and cursors as `queries.contact_list`), under the
# names the handlers have always called.
from rapport.contacts.listing import company_count, contact_count, tag_names
from rapport.contacts.listing import company_page as company_list
from rapport.contacts.listing import contact_page as contact_list
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
    PreferredChannel,
    SizeBand,
    Tag,
    phone_text_sql,
)
from rapport.contacts.quality_checks import COMPANY_CHECKS, CONTACT_CHECKS, QualityCheck
from rapport.contacts.queries import (
    company_get,
    contact_get,
    custom_field_get,
    custom_field_list,
    tag_get,
    tag_list,
)
from rapport.contacts.services import (
    company_create,
    company_delete,
    company_update,
    contact_create,
    contact_delete,
    contact_update,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    tag_create,
    tag_delete,
    tag_update,
)
from rapport.core.model_rows import PLAIN_ATTRIBUTES
from rapport.core.pagination import Page
from rapport.dedupe.api import LIKELY_DUPLICATES_DOC, duplicate_conflict
from rapport.dedupe.queries import company_candidates, contact_candidates
from rapport.tenancy.data_version import kept

contacts = Router(tags=["contacts"])
companies = Router(tags=["companies"])
tags = Router(tags=["tags"])
custom_fields = Router(tags=["custom fields"])

CHECK_DUPLICATES = Query(
    False, description="answer 409 with the candidates, writing nothing, if likely duplicates exist"
)

# --- schemas shared by contacts and companies ---------------------------------------------


class RecordWrite(WriteSchema):
    """Fields contacts and companies both have. Every field is optional: on create the
    service says which are required; on PATCH only the fields sent change."""

    external_id: str | None = Field(
        None, description="another system's id for the record; unique in the workspace"
    )
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = Field(None, description="ISO 3166 alpha-2")
    owner_id: RecordId | None = Field(None, description="a member of the workspace")
    tags: list[str] | None = Field(None, description="tag names; missing tags are created")
    custom_fields: NonNull[dict[str, Any]] = Field(
        None,
        description="values by custom field key, merged into the stored ones; a key set to "
        "null clears that value",
    )


class RecordOut(Schema):
    id: int
    external_id: str
    street: str
    city: str
    region: str
    postal_code: str
    country: str
    owner_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj: Contact | Company) -> list[str]:
        return tag_names(obj)


# --- contacts ---------------------------------------------------------------------------


class ContactWrite(RecordWrite):
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    source: str | None = None
    emails: list[str] | None = Field(None, description="the first is the primary email")
    phones: list[str] | None = Field(
        None,
        description="stored in E.164; numbers without + are read in the workspace's region; "
        "an extension written after one ('x204', 'ext. 204') is kept; the first is the primary "
        "phone",
    )
    phone_kinds: list[str] | None = Field(
        None,
        description="with phones: one kind for each, in the same order (mobile, work, home, "
        "other; '' keeps a number's kind, a new number being a work phone)",
    )
    company_ids: list[RecordId] | None = Field(None, description="the first is the primary company")
    lifecycle_stage: NonNull[LifecycleStage] = Field(None)
    preferred_channel: PreferredChannel | None = None
    do_not_email: NonNull[StrictBool] = Field(None)
    do_not_call: NonNull[StrictBool] = Field(None)


@create_body(one_of=("first_name", "last_name", "emails"))
class ContactCreate(ContactWrite):
    """A contact needs a name or an email (`services._contact_clean`)."""


class ContactBulkItem(ContactWrite):
    id: RecordId | None = Field(None, description="update this contact; omit to create one")


class ContactOut(RecordOut):
    first_name: str
    last_name: str
    display_name: str
    job_title: str
    source: str
    email: str = Field(description="the primary email")
    phone: str = Field(description="the primary phone, E.164")
    emails: list[str]
    phones: list[str] = Field(description="E.164, an extension after ' ext. ' where there is one")
    primary_company_id: int | None
    company_ids: list[int]
    lifecycle_stage: str
    preferred_channel: str
    do_not_email: bool
    do_not_call: bool

    @staticmethod
    def resolve_emails(obj: Contact) -> list[str]:
        rows = getattr(obj, "api_emails", None)
        return rows if rows is not None else [e.email for e in obj.emails.all()]

    @staticmethod
    def resolve_phones(obj: Contact) -> list[str]:
        rows = getattr(obj, "api_phones", None)
        return rows if rows is not None else [p.text for p in obj.phones.all()]

    @staticmethod
    def resolve_company_ids(obj: Contact) -> list[int]:
        rows = getattr(obj, "api_company_ids", None)
        if rows is not None:
            return rows
        links = sorted(obj.company_links.all(), key=lambda link: (not link.is_primary, link.pk))
        return [link.company_id for link in links]


class ContactDetailOut(ContactOut):
    """One contact, with its phones' kinds (lists leave them out: a page reads no phone row
    beyond the texts)."""

    phone_kinds: list[str] = Field(description="each phone's kind, in the order of `phones`")

    @staticmethod
    def resolve_phone_kinds(obj: Contact) -> list[str]:
        return [p.kind for p in obj.phones.all()]


class _PlainRows:
    """A page of objects as `schema.from_orm` would dump them, read without ninja's getter.

    Ninja validates every object through a `DjangoGetter`, a Python call per field and object
    (about a third of an uncached API list). Here each object's values are read once, as the
    getter reads them (the schema's static `resolve_<field>`, else the attribute, a method
    called), and checked in one call by a plain pydantic model with the schema's own fields
    and types, whose dump is the schema's dump. The schema stays what the OpenAPI document
    shows; `test_the_plain_api_rows_are_what_ninja_dumps` holds the two equal.
    """

    def __init__(self, schema: type[Schema]) -> None:
        self.names = list(schema.model_fields)
        self.resolvers: dict[str, Callable[[Any], Any]] = {}
        for name in self.names:
            resolver = inspect.getattr_static(schema, f"resolve_{name}", None)
            if resolver is not None:
                if not isinstance(resolver, staticmethod):
                    raise TypeError(f"{schema.__name__}.resolve_{name}: a staticmethod here")
                self.resolvers[name] = resolver.__func__
        fields: dict[str, Any] = {
            name: (info.annotation, info) for name, info in schema.model_fields.items()
        }
        model = create_model(f"Plain{schema.__name__}", **fields)
        self.adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        self.plans: dict[type, list[tuple[str, Callable[[Any], Any] | None, bool]]] = {}

    def _value(self, obj: Any, name: str) -> Any:
        resolver = self.resolvers.get(name)
        if resolver is not None:
            return resolver(obj)
        value = getattr(obj, name)
        if isinstance(value, Manager):
            return list(value.all())
        return value() if callable(value) else value

    def _plan(self, cls: type) -> list[tuple[str, Callable[[Any], Any] | None, bool]]:
        """Per class of object, each name's resolver, and whether it is a model field's own
        attribute (a field's or a foreign key id's descriptor: `getattr` answers the value
        the instance holds in its `__dict__`, loading it only when it is not there)."""
        plan = self.plans.get(cls)
        if plan is None:
            plan = self.plans[cls] = [
                (
                    name,
                    self.resolvers.get(name),
                    type(inspect.getattr_static(cls, name, None)) in PLAIN_ATTRIBUTES,
                )
                for name in self.names
            ]
        return plan

    def _row(self, obj: Any) -> dict[str, Any]:
        """`_value` of each name: a field's value read from the instance's `__dict__` where
        it is there (what its descriptor would answer, without the call: 27 names a contact,
        1,350 a page), every other name through `_value`."""
        held = obj.__dict__
        row = {}
        for name, resolver, plain in self._plan(type(obj)):
            if resolver is not None:
                row[name] = resolver(obj)
            elif plain and name in held:
                row[name] = held[name]
            else:
                row[name] = self._value(obj, name)
        return row

    def dump(self, objs: Sequence[Any]) -> list[dict[str, Any]]:
        rows = [self._row(obj) for obj in objs]
        return self.adapter.dump_python(self.adapter.validate_python(rows))


def _quality_param(checks: dict[str, QualityCheck]) -> Any:
    """`?quality=<key>`: the records a check of the data-quality dashboard counts, as its
    links list them on the web (`quality_checks`, the same conditions). The schema enumerates
    the keys; an unknown one is refused as a bad query (400) listing them."""
    return Field(
        "",
        description="the records this data-quality check counts",
        json_schema_extra=enumerated(lambda: checks),
    )


class ContactListParams(RecordListParams):
    quality: str = _quality_param(CONTACT_CHECKS)
    lifecycle_stage: str = Field("", description="contacts at this lifecycle stage")
    company_id: QueryId | None = Field(None, description="contacts of this company")


class CompanyListParams(RecordListParams):
    quality: str = _quality_param(COMPANY_CHECKS)


def _with_contact_rows(items: Sequence[Contact]) -> None:
    """Emails, phones and companies of a page of contacts: one query for the page.

    Read as plain values (no model instances) into lists on each contact, which the schema's
    resolvers read. Prefetched into the related managers instead, Django builds a filtered
    queryset per contact and relation to hold them (150 for a page of 50) and a model instance
    per row: together half the request's CPU; and three ORM queries cost about 2 ms of Python
    to build where one `UNION ALL` written here costs a tenth of it. Same rows, same order
    (primary first, then by id, as the models order them), in the contacts' workspace (the
    scope they were read in; its tables and columns are the code's own: hence the `noqa`).
    Emails and phones `contact_get` prefetched are taken from there. Tags come with the page
    (`contact_page`, `contact_get`), and a search's first page brings all three lists in its
    own statement (`contact_page(lists=True)`): nothing is read then.
    """
    contacts = list(items)
    if all(hasattr(c, "api_company_ids") for c in contacts):
        return  # none, or read with the page (`contact_page(lists=True)`)
    ids = [c.pk for c in contacts]
    lists: dict[str, dict[int, list[Any]]] = {
        kind: {pk: [] for pk in ids} for kind in ("emails", "phones", "companies")
    }
    prefetched = all(
        "emails" in cache and "phones" in cache
        for cache in (getattr(c, "_prefetched_objects_cache", {}) for c in contacts)
    )
    # (kind, table, its text value, its id value): one shape for the union.
    tables: list[tuple[str, type[Model], str, str]] = [
        ("companies", ContactCompany, "NULL", "company_id")
    ]
    if prefetched:
        for c in contacts:
            lists["emails"][c.pk] = [e.email for e in c.emails.all()]
            lists["phones"][c.pk] = [p.text for p in c.phones.all()]
    else:
        tables += [
            ("emails", ContactEmail, "email", "NULL"),
            ("phones", ContactPhone, phone_text_sql(ContactPhone._meta.db_table), "NULL"),
        ]
    marks = ", ".join(["%s"] * len(ids))
    parts = [
        f"SELECT '{kind}', contact_id, CAST({text} AS text), CAST({number} AS bigint), "  # noqa: S608
        f"is_primary, id FROM {model._meta.db_table} "
        f"WHERE workspace_id = %s AND contact_id IN ({marks})"
        for kind, model, text, number in tables
    ]
    params: list[Any] = [contacts[0].workspace_id, *ids] * len(tables)
    with connection.cursor() as cursor:
        cursor.execute(f"{' UNION ALL '.join(parts)} ORDER BY 1, 5 DESC, 6", params)
        for kind, contact_id, text, number, _, _ in cursor.fetchall():
            lists[kind][contact_id].append(number if kind == "companies" else text)
    for c in contacts:
        c.api_emails = lists["emails"][c.pk]  # type: ignore[attr-defined]
        c.api_phones = lists["phones"][c.pk]  # type: ignore[attr-defined]
        c.api_company_ids = lists["companies"][c.pk]  # type: ignore[attr-defined]


def _contact_out(contact_id: int) -> Contact:
    """The contact as the API shows it, re-read so rows a write replaced are not stale."""
    contact = contact_get(contact_id=contact_id)
    _with_contact_rows([contact])
    return contact


def _contact_create(c: Caller, data: dict[str, Any]) -> Contact:
    return contact_create(workspace=c.workspace, actor=c.actor, data=data)


def _contact_update(c: Caller, contact_id: int, data: dict[str, Any]) -> Contact:
    contact = contact_get(contact_id=contact_id)
    return contact_update(workspace=c.workspace, actor=c.actor, contact=contact, data=data)


def _kept_json(
    request: HttpRequest, name: str, build: Callable[[], dict[str, Any]]
) -> HttpResponse:
    """A list answer kept per workspace data version, as the JSON ninja would send.

    The answer holds records only, the same for every caller of the workspace: its key holds
    the query string (the workspace and its version are always in it). Bad input raises
    before anything is kept.
    """
    body = kept(
        workspace=caller(request).workspace,
        name=name,
        inputs=(sorted(request.GET.lists()),),
        build=lambda: _JSON.render(request, build(), response_status=200),
    )
    return HttpResponse(body, content_type=_JSON.media_type)


_JSON = JSONRenderer()


@contacts.get("", response=CountedPageOut[ContactOut], auth=READ, description=CUSTOM_FILTER_HELP)
def list_contacts(request: HttpRequest, params: Query[ContactListParams]) -> HttpResponse:
    def build() -> dict[str, Any]:
        with query_errors():
            page = contact_list(
                f=record_filter(request, params),
                workspace=caller(request).workspace,
                sort=params.sort,
                cursor=params.cursor,
                limit=params.limit,
                lists=True,
            )
        _with_contact_rows(page.items)
        return {
            "items": _CONTACT_ROWS.dump(page.items),
            "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor,
        }

    response = _kept_json(request, "api-contacts", build)
    if params.count:
        # Counted on each call, not kept with the page: a count PostgreSQL gave up on is kept
        # nowhere (as on the list page), and the page's key already holds `count=true`.
        with query_errors():
            n = contact_count(f=record_filter(request, params), workspace=caller(request).workspace)
        response.content = _JSON.render(
            request, {**json.loads(response.content), **page_count(n)}, response_status=200
        )
    return response


_CONTACT_ROWS = _PlainRows(ContactOut)


def contact_candidates_for(payload: "ContactWrite") -> list[Contact]:
    return contact_candidates(
        first_name=payload.first_name or "",
        last_name=payload.last_name or "",
        email=(payload.emails or [""])[0],
        phone=(payload.phones or [""])[0],
    )


@contacts.post(
    "", response={201: ContactDetailOut}, auth=WRITE, openapi_extra=LIKELY_DUPLICATES_DOC
)
def create_contact(
    request: HttpRequest,
    response: HttpResponse,
    payload: ContactCreate,
    check_duplicates: bool = CHECK_DUPLICATES,
) -> Status[Contact] | HttpResponse:
    """With `check_duplicates=true`, a likely duplicate answers 409 with the candidates."""
    if check_duplicates and (conflict := duplicate_conflict(contact_candidates_for(payload))):
        return conflict
    contact = _contact_create(caller(request), payload.service_data())
    return created(request, response, _contact_out(contact.pk))


@contacts.post("/bulk", response=BulkOut, auth=WRITE)
def bulk_contacts(request: HttpRequest, payload: BulkIn[ContactBulkItem]) -> BulkOut:
    c = caller(request)
    return bulk_upsert(
        payload.items,
        schema=ContactBulkItem,
        create=lambda data: _contact_create(c, data),
        update=lambda pk, data: _contact_update(c, pk, data),
    )


@contacts.get("/{int:contact_id}", response=ContactDetailOut, auth=READ)
def get_contact(request: HttpRequest, contact_id: PathId) -> Contact:
    return _contact_out(contact_id)


@contacts.patch("/{int:contact_id}", response=ContactDetailOut, auth=WRITE)
def update_contact(request: HttpRequest, contact_id: PathId, payload: ContactWrite) -> Contact:
    contact = _contact_update(caller(request), contact_id, payload.service_data())
    return _contact_out(contact.pk)


@contacts.delete(
    "/{int:contact_id}", response={204: None}, auth=DELETE, openapi_extra=problems_declared(409)
)
def delete_contact(request: HttpRequest, contact_id: PathId) -> Status[None]:
    c = caller(request)
    contact_delete(workspace=c.workspace, actor=c.actor, contact=contact_get(contact_id=contact_id))
    return Status(204, None)


# --- companies --------------------------------------------------------------------------


class CompanyWrite(RecordWrite):
    name: str | None = None
    domain: str | None = Field(None, description="a URL or host; stored as the bare domain")
    industry: str | None = None
    size_band: SizeBand | None = None
    annual_revenue: Decimal | None = None
    annual_revenue_currency: str | None = Field(
        None, description="ISO 4217; the workspace's base currency if omitted"
    )
    parent_id: RecordId | None = None


@create_body("name")
class CompanyCreate(CompanyWrite):
    pass


class CompanyBulkItem(CompanyWrite):
    id: RecordId | None = Field(None, description="update this company; omit to create one")


class CompanyOut(RecordOut):
    name: str
    domain: str
    industry: str
    size_band: str
    annual_revenue: Decimal | None
    annual_revenue_currency: str
    parent_id: int | None


def _company_out(company_id: int) -> Company:
    return company_get(company_id=company_id)


def _company_create(c: Caller, data: dict[str, Any]) -> Company:
    return company_create(workspace=c.workspace, actor=c.actor, data=data)


def _company_update(c: Caller, company_id: int, data: dict[str, Any]) -> Company:
    company = company_get(company_id=company_id)
    return company_update(workspace=c.workspace, actor=c.actor, company=company, data=data)


@companies.get("", response=CountedPageOut[CompanyOut], auth=READ, description=CUSTOM_FILTER_HELP)
def list_companies(
    request: HttpRequest, params: Query[CompanyListParams]
) -> Page[Company] | dict[str, Any]:
    workspace = caller(request).workspace
    with query_errors():
        f = record_filter(request, params)
        page = company_list(
            f=f, workspace=workspace, sort=params.sort, cursor=params.cursor, limit=params.limit
        )
        if not params.count:
            return page
        n = company_count(f=f, workspace=workspace)
    items = {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}
    return {**items, **page_count(n)}


@companies.post("", response={201: CompanyOut}, auth=WRITE, openapi_extra=LIKELY_DUPLICATES_DOC)
def create_company(
    request: HttpRequest,
    response: HttpResponse,
    payload: CompanyCreate,
    check_duplicates: bool = CHECK_DUPLICATES,
) -> Status[Company] | HttpResponse:
    """With `check_duplicates=true`, a likely duplicate answers 409 with the candidates."""
    if check_duplicates and (
        conflict := duplicate_conflict(
            company_candidates(name=payload.name or "", domain=payload.domain or "")
        )
    ):
        return conflict
    company = _company_create(caller(request), payload.service_data())
    return created(request, response, _company_out(company.pk))


@companies.post("/bulk", response=BulkOut, auth=WRITE)
def bulk_companies(request: HttpRequest, payload: BulkIn[CompanyBulkItem]) -> BulkOut:
    c = caller(request)
    return bulk_upsert(
        payload.items,
        schema=CompanyBulkItem,
        create=lambda data: _company_create(c, data),
        update=lambda pk, data: _company_update(c, pk, data),
    )


@companies.get("/{int:company_id}", response=CompanyOut, auth=READ)
def get_company(request: HttpRequest, company_id: PathId) -> Company:
    return _company_out(company_id)


@companies.patch("/{int:company_id}", response=CompanyOut, auth=WRITE)
def update_company(request: HttpRequest, company_id: PathId, payload: CompanyWrite) -> Company:
    company = _company_update(caller(request), company_id, payload.service_data())
    return _company_out(company.pk)


@companies.delete("/{int:company_id}", response={204: None}, auth=DELETE)
def delete_company(request: HttpRequest, company_id: PathId) -> Status[None]:
    c = caller(request)
    company_delete(workspace=c.workspace, actor=c.actor, company=company_get(company_id=company_id))
    return Status(204, None)


# --- tags -------------------------------------------------------------------------------


class TagWrite(WriteSchema):
    name: str | None = None
    color: str | None = Field(None, description="#rrggbb")


@create_body("name")
class TagCreate(TagWrite):
    pass


class TagOut(Schema):
    id: int
    name: str
    color: str


@tags.get("", response=list[TagOut], auth=READ)
def list_tags(request: HttpRequest) -> list[Tag]:
    refuse_unknown_params(request, None)
    return list(tag_list())


@tags.post("", response={201: TagOut}, auth=WRITE)
def create_tag(request: HttpRequest, response: HttpResponse, payload: TagCreate) -> Status[Tag]:
    c = caller(request)
    tag = tag_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    return created(request, response, tag)


@tags.get("/{int:tag_id}", response=TagOut, auth=READ)
def get_tag(request: HttpRequest, tag_id: PathId) -> Tag:
    return tag_get(tag_id=tag_id)


@tags.patch("/{int:tag_id}", response=TagOut, auth=WRITE)
def update_tag(request: HttpRequest, tag_id: PathId, payload: TagWrite) -> Tag:
    c = caller(request)
    tag = tag_get(tag_id=tag_id)
    return tag_update(workspace=c.workspace, actor=c.actor, tag=tag, data=payload.service_data())


@tags.delete("/{int:tag_id}", response={204: None}, auth=DELETE)
def delete_tag(request: HttpRequest, tag_id: PathId) -> Status[None]:
    c = caller(request)
    tag_delete(workspace=c.workspace, actor=c.actor, tag=tag_get(tag_id=tag_id))
    return Status(204, None)


# --- custom field definitions -----------------------------------------------------------


class CustomFieldWrite(WriteSchema):
    entity: CustomFieldEntity | None = Field(None, description="fixed once created")
    key: str | None = Field(None, description="derived from the label if omitted; fixed")
    label: str | None = None
    field_type: CustomFieldType | None = Field(None, description="fixed once created")
    choices: list[str] | None = Field(None, description="for choice and multi_choice fields")
    required: NonNull[StrictBool] = Field(None)
    position: NonNull[PositiveInt32] = Field(None)


@create_body("entity", "label", "field_type")
class CustomFieldCreate(CustomFieldWrite):
    """The key is derived from the label when omitted."""


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    field_type: str
    choices: list[str]
    required: bool
    position: int


class CustomFieldListParams(Schema):
    entity: CustomFieldEntity | None = Field(None, description="only this record type's fields")


@custom_fields.get("", response=list[CustomFieldOut], auth=READ)
def list_custom_fields(
    request: HttpRequest, params: Query[CustomFieldListParams]
) -> list[CustomFieldDefinition]:
    refuse_unknown_params(request, CustomFieldListParams)
    return list(custom_field_list(entity=params.entity or ""))


@custom_fields.post("", response={201: CustomFieldOut}, auth=SETTINGS)
def create_custom_field(
    request: HttpRequest, response: HttpResponse, payload: CustomFieldCreate
) -> Status[CustomFieldDefinition]:
    c = caller(request)
    data = payload.service_data()
    definition = custom_field_create(workspace=c.workspace, actor=c.actor, data=data)
    return created(request, response, definition)


@custom_fields.get("/{int:definition_id}", response=CustomFieldOut, auth=READ)
def get_custom_field(request: HttpRequest, definition_id: PathId) -> CustomFieldDefinition:
    return custom_field_get(definition_id=definition_id)


@custom_fields.patch("/{int:definition_id}", response=CustomFieldOut, auth=SETTINGS)
def update_custom_field(
    request: HttpRequest, definition_id: PathId, payload: CustomFieldWrite
) -> CustomFieldDefinition:
    c = caller(request)
    return custom_field_update(
        workspace=c.workspace,
        actor=c.actor,
        definition=custom_field_get(definition_id=definition_id),
        data=payload.service_data(),
    )


@custom_fields.delete("/{int:definition_id}", response={204: None}, auth=SETTINGS)
def delete_custom_field(request: HttpRequest, definition_id: PathId) -> Status[None]:
    c = caller(request)
    definition = custom_field_get(definition_id=definition_id)
    custom_field_delete(workspace=c.workspace, actor=c.actor, definition=definition)
    return Status(204, None)
