"""Reads of contacts and companies: list filters, search, sort and cursor pages.

All run inside the caller's workspace scope; the scoped manager adds the workspace filter.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache, reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, F, Func, Prefetch, Q, QuerySet, Subquery
from django_scopes import get_scope

from rapport.contacts.custom_fields import custom_field_filter
from rapport.contacts.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    CustomFieldDefinition,
    CustomFieldEntity,
    LifecycleStage,
    Tag,
    tag_key,
)
from rapport.contacts.normalise import phone_search_key, search_key
from rapport.contacts.quality_checks import COMPANY_CHECKS, CONTACT_CHECKS, quality_check
from rapport.contacts.related_rows import related_rows_load
from rapport.core.errors import ServiceValidationError
from rapport.core.model_rows import ModelRows, rows_where
from rapport.core.pagination import Page, SortKey, paginate
from rapport.core.prepared import searches_unprepared
from rapport.tenancy.models import Membership

MAX_PAGE = 200

CONTACT_SORTS: dict[str, list[SortKey]] = {
    "name": [SortKey("sort_name", False)],
    "-name": [SortKey("sort_name", True)],
    "created": [SortKey("created_at", False)],
    "-created": [SortKey("created_at", True)],
    "updated": [SortKey("updated_at", False)],
    "-updated": [SortKey("updated_at", True)],
}
COMPANY_SORTS: dict[str, list[SortKey]] = {
    "name": [SortKey("name_key", False)],
    "-name": [SortKey("name_key", True)],
    "created": [SortKey("created_at", False)],
    "-created": [SortKey("created_at", True)],
    "updated": [SortKey("updated_at", False)],
    "-updated": [SortKey("updated_at", True)],
}


@dataclass
class RecordFilter:
    """What a list asks for; every field optional. `custom` maps custom field keys to values."""

    q: str = ""
    owner_id: int | None = None
    tag: str = ""
    lifecycle_stage: str = ""
    company_id: int | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    quality: str = ""  # a data-quality check's key (`quality_checks`): the records it counts
    custom: dict[str, str] = field(default_factory=dict)


def contact_search_kind(q: str, *, region: str) -> tuple[str, str] | None:
    """What a contact search looks for, from what the text looks like, and the prefix it
    matches: ("email", address), ("phone", E.164 digits) or ("name", search key); None for
    text with nothing to match."""
    text = q.strip()
    if "@" in text:
        return "email", text.lower()
    phone_key = _phone_key(text, region=region)
    if phone_key:
        return "phone", phone_key
    key = search_key(text)
    return ("name", key) if key else None


# One word of three or more of the characters an unquoted local part is typed with, one of
# them a dot, an underscore, a plus or a digit, which names do not hold ("anna.smith",
# "anna_smith", "j.doe42", "ann."): a name search then also looks for addresses starting with
# it. Letters alone ("asmith") stay a name: as the start of an address, a first name's start
# matches thousands at a million contacts ("chris" 10,509, "mar" 35,864), each read to be put
# in name order (40 and 100 ms, against 1.5 ms for the name's arms; docs/performance.md).
_EMAIL_START = re.compile(r"(?=.*[._+0-9])[a-z0-9!#$%&'*+/=?^_`{|}~.-]{3,}")


def email_start(key: str) -> bool:
    """Whether a name search's key (`contact_search_kind`) may be the start of an address,
    which it then also matches (`contact_search_q`, `contact_name_search_arms`)."""
    return _EMAIL_START.fullmatch(key) is not None


def _emails_starting(key: str) -> QuerySet:
    return ContactEmail.objects.filter(email__startswith=key).order_by().values("contact_id")


def contact_search_q(q: str, *, region: str) -> Q:
    """Search by name, email, phone or company, picked from what the text looks like; a
    name that may be an address's start (`email_start`) matches addresses too."""
    kind = contact_search_kind(q, region=region)
    if kind is None:
        return Q()
    what, key = kind
    if what == "email":
        return Q(pk__in=_emails_starting(key))
    if what == "phone":
        phone_ids = ContactPhone.objects.filter(number__startswith=key).values("contact_id")
        return Q(pk__in=phone_ids)
    company_ids = Company.objects.filter(name_key__startswith=key).values("pk")
    matches = (
        Q(search_name__startswith=key)
        | Q(sort_name__startswith=key)
        | Q(InSubquery("primary_company_id", company_ids))
    )
    if email_start(key):
        matches |= Q(InSubquery("pk", _emails_starting(key)))
    return matches


def _phone_key(text: str, *, region: str) -> str | None:
    """The number prefix to look up when the text reads as a phone number (mostly digits)."""
    phone_key = phone_search_key(text, region=region)
    if phone_key and sum(ch.isdigit() for ch in text) >= max(3, len(text.replace(" ", "")) - 3):
        return phone_key
    return None


def contact_name_search_arms(q: str, *, region: str) -> list[Q]:
    """A name search's ways to match, which `contact_search_q` ORs: the name as typed (first
    name first), the sort name (last name first), the primary company's name and, for text
    that may start an address (`email_start`), the addresses; [] for text that is not a
    name search. Each is asked on its own (`listing.contact_page`), so
    the sort name's arm also bounds `sort_name` to the prefix's range (the same rows in code
    point order: the bench database's collation, C.UTF-8, and SQLite's), so that the sort
    index starts its walk at the prefix."""
    kind = contact_search_kind(q, region=region)
    if kind is None or kind[0] != "name":
        return []
    key = kind[1]
    company_ids = Company.objects.filter(name_key__startswith=key).values("pk")
    arms = [
        Q(search_name__startswith=key),
        starts_with_in_range("sort_name", key),
        Q(InSubquery("primary_company_id", company_ids)),
    ]
    if email_start(key):
        arms.append(Q(InSubquery("pk", _emails_starting(key))))
    return arms


def starts_with_in_range(field: str, key: str) -> Q:
    """`field` starts with `key`, also bounded to the prefix's range, so that a plain index
    in `field`'s order starts its walk at the prefix: the same rows in code point order (the
    bench database's collation, C.UTF-8, and SQLite's); PostgreSQL takes no LIKE for a range
    but in the C collation itself."""
    matches = Q(**{f"{field}__startswith": key, f"{field}__gte": key})
    end = prefix_end(key)
    return matches if end is None else matches & Q(**{f"{field}__lt": end})


def prefix_end(key: str) -> str | None:
    """The first text past every text starting with `key` in code point order (None if the
    last character is the highest code point). Surrogates are not characters (no text holds
    one, and PostgreSQL takes none): past U+D7FF comes U+E000."""
    last = ord(key[-1])
    if last == 0x10FFFF:
        return None
    return key[:-1] + chr(0xE000 if last == 0xD7FF else last + 1)


class InSubquery(Func):
    """`column IN (subquery)`, written `column = ANY(ARRAY(subquery))` on PostgreSQL.

    Inside an OR, PostgreSQL can only run `IN (subquery)` as a filter on every row, so a
    search ORed with it read the whole table (seconds at a million contacts). The ARRAY form
    runs the subquery once, first, and its result drives an index scan: the planner can then
    combine all three arms of the name search in a BitmapOr, or walk the sort index when the
    prefix matches so many rows that the first page is found sooner that way.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, subquery: QuerySet) -> None:
        super().__init__(F(column), Subquery(subquery))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, subquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        subquery_sql, subquery_params = compiler.compile(subquery)  # "(SELECT ...)"
        # Elsewhere `IN (SELECT ...)`: one more pair of parentheses would make the subquery a
        # single value, its first row (SQLite found the contacts of one company only).
        sql = (
            f"{column_sql} = ANY(ARRAY{subquery_sql})"
            if connection.vendor == "postgresql"
            else f"{column_sql} IN {subquery_sql}"
        )
        return sql, (*column_params, *subquery_params)


def _common_filters(qs: QuerySet, f: RecordFilter, entity: str) -> QuerySet:
    if f.owner_id is not None:
        qs = qs.filter(owner_id=f.owner_id)
    if f.tag:
        qs = qs.filter(tags__key=tag_key(f.tag))
    if f.created_after:
        qs = qs.filter(created_at__gte=f.created_after)
    if f.created_before:
        qs = qs.filter(created_at__lt=f.created_before)
    if f.updated_after:
        qs = qs.filter(updated_at__gte=f.updated_after)
    if f.updated_before:
        qs = qs.filter(updated_at__lt=f.updated_before)
    for key, raw in f.custom.items():
        qs = qs.filter(custom_field_filter(entity=entity, key=key, raw=raw))
    return qs


def contact_queryset(*, f: RecordFilter, region: str) -> QuerySet[Contact]:
    qs = Contact.objects.all()
    if f.q.strip():
        qs = qs.filter(contact_search_q(f.q, region=region))
    if f.lifecycle_stage:
        if f.lifecycle_stage not in LifecycleStage.values:
            raise ServiceValidationError.single("lifecycle_stage", "is not a lifecycle stage")
        qs = qs.filter(lifecycle_stage=f.lifecycle_stage)
    if f.company_id is not None:
        qs = qs.filter(company_links__company_id=f.company_id)
    if f.quality:
        qs = qs.filter(quality_check(CONTACT_CHECKS, f.quality).condition())
    return _common_filters(qs, f, CustomFieldEntity.CONTACT)


def _tags_prefetch() -> Prefetch:
    """The tags of a page of records, in one query.

    Given its own (workspace-scoped) queryset, Django attaches each record's tags without
    building a scoped, filtered queryset per record (a workspace filter each): 10 ms less
    for a page of 50 in profiles, the same rows.
    """
    return Prefetch("tags", queryset=Tag.objects.all())


@searches_unprepared
def contact_list(
    *, f: RecordFilter, region: str, sort: str = "name", cursor: str | None = None, limit: int = 50
) -> Page[Contact]:
    if sort not in CONTACT_SORTS:
        raise ServiceValidationError.single("sort", f"must be one of {', '.join(CONTACT_SORTS)}")
    qs = (
        contact_queryset(f=f, region=region)
        .select_related("primary_company", "owner")
        .prefetch_related(_tags_prefetch())
    )
    return paginate(qs, keys=CONTACT_SORTS[sort], cursor=cursor, limit=min(max(limit, 1), MAX_PAGE))


def company_search_arms(q: str) -> list[Q]:
    """A company search's ways to match, which `company_queryset` ORs, as a contact name
    search's (`contact_name_search_arms`): the name's start and the domain's, each in its
    prefix's range (`company_sort_idx` and `company_domain_idx` walk from the prefix, in
    name order for the first), and a later word's start, the key after a space ("widgets"
    and "ltd" find "Acme Widgets Ltd"; the trigram index `company_name_words_idx` on
    PostgreSQL); [] for text with nothing to match."""
    text = q.strip()
    key = search_key(text)
    if not key:
        return []
    return [
        starts_with_in_range("name_key", key),
        Q(name_key__contains=f" {key}"),
        starts_with_in_range("domain", text.lower()),
    ]


def company_queryset(*, f: RecordFilter) -> QuerySet[Company]:
    qs = Company.objects.all()
    arms = company_search_arms(f.q)
    if arms:
        qs = qs.filter(reduce(or_, arms))
    if f.quality:
        qs = qs.filter(quality_check(COMPANY_CHECKS, f.quality).condition())
    return _common_filters(qs, f, CustomFieldEntity.COMPANY)


@searches_unprepared
def company_list(
    *, f: RecordFilter, sort: str = "name", cursor: str | None = None, limit: int = 50
) -> Page[Company]:
    if sort not in COMPANY_SORTS:
        raise ServiceValidationError.single("sort", f"must be one of {', '.join(COMPANY_SORTS)}")
    qs = company_queryset(f=f).select_related("owner", "parent").prefetch_related(_tags_prefetch())
    return paginate(qs, keys=COMPANY_SORTS[sort], cursor=cursor, limit=min(max(limit, 1), MAX_PAGE))


def contact_get(*, contact_id: int) -> Contact:
    """The contact in the current workspace, its emails, phones, tags and companies read as
    prefetched (two queries in all); `Contact.DoesNotExist` for another's (a 404)."""
    workspace_id = scoped_workspace_id()
    if workspace_id is None:  # scopes off or several workspaces: as the scoped manager reads
        contact = Contact.objects.select_related("primary_company", "owner").get(pk=contact_id)
    else:
        contact = _contact_with_company_and_owner(workspace_id, contact_id)
    related_rows_load(contact)
    return contact


def scoped_workspace_id() -> int | None:
    """The one workspace the active scope reads in (`workspace_scope`), else None."""
    scope = get_scope()
    workspace_id = scope.get("workspace")
    if scope.get("_enabled") and type(workspace_id) is int:
        return workspace_id
    return None


@cache
def _contact_select() -> tuple[str, ModelRows, ModelRows, ModelRows]:
    """`select_related("primary_company", "owner")`'s statement for one contact, written
    once: built through the ORM it cost more Python than the database spends answering, on
    every first visit of a contact's page. Every field of the three, as the ORM reads them;
    the tables and columns are the models' own (hence the `noqa: S608`)."""
    user = get_user_model()
    contact, company, owner = ModelRows.of(Contact), ModelRows.of(Company), ModelRows.of(user)
    contacts, companies, users = Contact._meta.db_table, Company._meta.db_table, user._meta.db_table
    columns = contact.columns(contacts) + company.columns(companies) + owner.columns(users)
    sql = (
        f'SELECT {", ".join(columns)} FROM "{contacts}" '  # noqa: S608
        f'LEFT OUTER JOIN "{companies}" '
        f'ON ("{contacts}"."primary_company_id" = "{companies}"."id") '
        f'LEFT OUTER JOIN "{users}" ON ("{contacts}"."owner_id" = "{users}"."id") '
        f'WHERE ("{contacts}"."workspace_id" = %s AND "{contacts}"."id" = %s)'
    )
    return sql, contact, company, owner


def _contact_with_company_and_owner(workspace_id: int, contact_id: int) -> Contact:
    sql, contact, company, owner = _contact_select()
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id, contact_id])
        row = cursor.fetchone()
    if row is None:
        raise Contact.DoesNotExist(f"{Contact._meta.object_name} matching query does not exist.")
    n_contact, n_company = len(contact.fields), len(company.fields)
    found = contact.instance(row[:n_contact])
    company_values = row[n_contact : n_contact + n_company]
    owner_values = row[n_contact + n_company :]
    Contact._meta.get_field("primary_company").set_cached_value(
        found, company.instance(company_values) if company_values[0] is not None else None
    )
    Contact._meta.get_field("owner").set_cached_value(
        found, owner.instance(owner_values) if owner_values[0] is not None else None
    )
    return found


def company_get(*, company_id: int) -> Company:
    return (
        Company.objects.select_related("owner", "parent")
        .prefetch_related("tags")
        .get(pk=company_id)
    )


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("name", "id")


def tag_get(*, tag_id: int) -> Tag:
    return Tag.objects.get(pk=tag_id)


def custom_field_list(*, entity: str = "") -> QuerySet[CustomFieldDefinition]:
    """The workspace's custom field definitions, in form order; all entities if none given."""
    qs = CustomFieldDefinition.objects.order_by("entity", "position", "id")
    return qs.filter(entity=entity) if entity else qs


def custom_field_get(*, definition_id: int) -> CustomFieldDefinition:
    return CustomFieldDefinition.objects.get(pk=definition_id)


def company_names_starting(*, text: str, limit: int = 10) -> list[str]:
    """Names of the companies whose name starts with `text` (case and accents ignored), in
    name order: read off the (workspace, name_key, id) index, so fast at any size."""
    key = search_key(text)
    if not key:
        return []
    rows = Company.objects.filter(name_key__startswith=key).order_by("name_key", "id")
    return list(rows.values_list("name", flat=True)[:limit])


@cache
def _members_select() -> str:
    """`forms.members_of`'s users (the workspace's active members) as (id, first name, last
    name, username), one workspace parameter; the models' own names (hence the `noqa: S608`)."""
    users, members = get_user_model()._meta.db_table, Membership._meta.db_table
    return (
        f'SELECT U."id", U."first_name", U."last_name", U."username" FROM "{users}" U '  # noqa: S608
        f'INNER JOIN "{members}" M ON (M."user_id" = U."id") '
        'WHERE (M."workspace_id" = %s AND U."is_active")'
    )


def member_names(workspace: Any) -> tuple[tuple[int, str, str, str], ...]:
    """`members_of(workspace)`'s (id, first name, last name, username), in its order (first,
    last, username), by a statement written once: every record page computed asks it (the
    quick-add forms' assignees), and the ORM spent more Python on it than the database."""
    with connection.cursor() as cursor:
        cursor.execute(f"{_members_select()} ORDER BY 2, 3, 4", [workspace.pk])
        return tuple(tuple(row) for row in cursor.fetchall())


def custom_fields_of(*, workspace: Any, entity: str) -> list[CustomFieldDefinition]:
    """`custom_field_list(entity=entity)` as a list, by a statement written once (as
    `member_names`): a record's page computed reads its definitions every time."""
    where = {"workspace_id": workspace.pk, "entity": entity}
    return rows_where(CustomFieldDefinition, where, ("position", "id"))


def filter_options(workspace: Any) -> dict[str, list[tuple[Any, str]]]:
    """Choices for the list's filter selects: the workspace's active members (who may own
    records, by name) and its tags (by name), read in one statement, and the stages."""
    tags = Tag._meta.db_table
    sql = (
        f"SELECT 0, {_members_select().removeprefix('SELECT ')} "  # noqa: S608
        f"UNION ALL SELECT 1, NULL, T.\"name\", '', '' FROM \"{tags}\" T "
        'WHERE T."workspace_id" = %s '
        "ORDER BY 1, 3, 4, 5"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace.pk, workspace.pk])
        rows = cursor.fetchall()
    owners: list[tuple[Any, str]] = []
    tag_names: list[tuple[Any, str]] = []
    for kind, pk, first, last, username in rows:
        if kind:
            tag_names.append((first, first))
        else:  # `forms.user_label`: the full name, else the username
            owners.append((pk, f"{first} {last}".strip() or username))
    return {
        "owner": owners,
        "tag": tag_names,
        "lifecycle_stage": [(v, str(label)) for v, label in LifecycleStage.choices],
    }
