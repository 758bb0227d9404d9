"""The list's pages of contacts and a search's first page, read in hand-written SQL
(PostgreSQL).

The search box alone (by name, email or phone, in name order, no other filter, no cursor) is
the list's most asked query that is not kept: every new text is a new page. The list's own
pages (no text at all: the first, and later ones by cursor) are computed on each request
where pages are not kept (and for each new version where they are): the same statement
without a match, after the cursor's row. Through the ORM, building and compiling its query
cost about 3 ms of Python for SQL that PostgreSQL answers in a fraction of that (the name
search's three arms in a UNION, two joins, the deferred columns, the cursor's condition).
Here the same SQL as `listing.contact_page` sends (same arms, same indexes, same plans) is
written from a few strings, and the rows become model instances as the ORM's would
(`core.model_rows`, the company and owner cached as `select_related` leaves them);
`pagination.page_of` hands back `paginate`'s items and cursors. Everything else (other
filters, other sorts, a name search's later pages, SQLite, short name prefixes) is read
through the ORM as before; `tests/test_search_page.py` holds the two equal. Every name in
the SQL is the code's own (tables, columns, ASC or DESC), never from input: hence the
`noqa: S608`."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection

from rapport.contacts import queries
from rapport.contacts.models import Company, Contact, phone_text_sql
from rapport.contacts.queries import RecordFilter
from rapport.core.model_rows import ModelRows
from rapport.core.pagination import Page, cursor_position, page_of
from rapport.core.timestamps import c_timestamps
from rapport.tenancy.models import Workspace

# Prefixes this short match so many contacts (a tenth for "a") that the ORed search finds its
# first page soonest by walking the sort index; longer ones are asked arm by arm (here and in
# `listing.contact_page`).
NAME_ARMS_FROM = 3

_COMPANY_FIELDS = ("id", "name")
_OWNER_FIELDS = ("id", "username", "first_name", "last_name")


def applies(f: RecordFilter, sort: str, cursor: str | None) -> bool:
    """Whether this page may be read here: a search's (or the whole list's) page in name
    order with nothing else asked; a later page (a cursor) unless by name (`read_page`
    answers None then)."""
    return (
        connection.vendor == "postgresql" and sort in ("name", "-name") and f == RecordFilter(q=f.q)
    )


def _like(prefix: str) -> str:
    return connection.ops.prep_for_like_query(prefix) + "%"


def _starts_with(column: str, key: str) -> tuple[str, list[Any]]:
    """`column` starts with `key`: the rows `LIKE 'key%'` matches, asked as the range that
    PostgreSQL reads the pattern index with for that LIKE (`~>=~ key AND ~<~` the prefix's
    end: byte order, which is code point order in UTF-8 whatever the collation). Planned in
    about half the time: a LIKE's selectivity is estimated by matching the pattern against
    the column's statistics (a thousand names), a range's by a binary search in them."""
    end = queries.prefix_end(key)
    if end is None:
        return f"{column}::text LIKE %s", [_like(key)]
    return f"{column}::text ~>=~ %s AND {column}::text ~<~ %s", [key, end]


def _ids_starting(table: str, column: str, key: str, ws: int, alias: str) -> tuple[str, list[Any]]:
    """The ids of the contacts whose row in `table` (their emails, their phones) has a
    `column` starting with `key`, in the workspace, as `alias`."""
    match, params = _starts_with(f'{alias}."{column}"', key)
    return (
        f'SELECT {alias}."contact_id" FROM "{table}" {alias} '  # noqa: S608
        f'WHERE ({alias}."workspace_id" = %s AND {match})',
        [ws, *params],
    )


def _matches_sql(
    q: str, workspace: Workspace, descending: bool, limit: int, *, first: bool = True
) -> tuple[str, list[Any]] | None:
    """The WHERE condition on "contacts_contact" (beside its workspace) that the search asks,
    as `queries.contact_search_q` and `listing._first_page_by_arms` write it (a name's arms,
    and the addresses' for text that may start one: `queries.email_start`): none ("") for
    text with nothing to match (the whole list, as `contact_search_q`'s empty `Q`); None for
    text these do not cover (a name shorter than `NAME_ARMS_FROM`, or a name's later page:
    not `first`, as the arms pick a first page only)."""
    kind = queries.contact_search_kind(q, region=workspace.default_region)
    if kind is None:
        return "", []
    what, key = kind
    ws = workspace.pk
    if what in ("email", "phone"):
        table, column = (
            ("contacts_contactemail", "email")
            if what == "email"
            else ("contacts_contactphone", "number")
        )
        ids, ids_params = _ids_starting(table, column, key, ws, "U0")
        return f'"contacts_contact"."id" IN ({ids})', ids_params
    if len(key) < NAME_ARMS_FROM or not first:
        return None
    order = "DESC" if descending else "ASC"
    walk = f'ORDER BY U0."sort_name" {order}, U0."id" {order} LIMIT %s'
    end = queries.prefix_end(key)
    sort_arm = 'U0."sort_name" >= %s AND U0."sort_name"::text LIKE %s'
    sort_params: list[Any] = [key, _like(key)]
    if end is not None:
        sort_arm += ' AND U0."sort_name" < %s'
        sort_params.append(end)
    company, company_params = _starts_with('C0."name_key"', key)
    arms = [
        _starts_with('U0."search_name"', key),
        # The sort index's order is the collation's: its range is code point order only in
        # C.UTF-8 (and SQLite), so the LIKE stays.
        (sort_arm, sort_params),
        (
            'U0."primary_company_id" = ANY(ARRAY(SELECT C0."id" FROM "contacts_company" C0 '  # noqa: S608
            f'WHERE (C0."workspace_id" = %s AND {company})))',
            [ws, *company_params],
        ),
    ]
    if queries.email_start(key):
        emails, emails_params = _ids_starting("contacts_contactemail", "email", key, ws, "E0")
        arms.append((f'U0."id" = ANY(ARRAY({emails}))', emails_params))
    parts, params = [], []
    for condition, arm_params in arms:
        parts.append(
            f'(SELECT U0."sort_name", U0."id" FROM "contacts_contact" U0 '  # noqa: S608
            f'WHERE (U0."workspace_id" = %s AND {condition}) {walk})'
        )
        params += [ws, *arm_params, limit + 1]
    # The page is the first `limit + 1` of the arms' matches in name order: picked here from
    # their sort names (in the index each arm reads), so the page reads those rows only, not
    # up to three times as many to sort and drop.
    firsts = (
        f'SELECT U."id" FROM ({" UNION ".join(parts)}) U '  # noqa: S608
        f'ORDER BY U."sort_name" {order}, U."id" {order} LIMIT %s'
    )
    return f'"contacts_contact"."id" = ANY(ARRAY({firsts}))', [*params, limit + 1]


# Each contact's emails, phones and company ids, as `api._with_contact_rows` orders them
# (primary first, then by id), in the contact's workspace.
_LISTS = [
    f'ARRAY(SELECT {value} FROM "{table}" L '  # noqa: S608
    'WHERE (L."contact_id" = "contacts_contact"."id" '
    'AND L."workspace_id" = "contacts_contact"."workspace_id") '
    'ORDER BY L."is_primary" DESC, L."id")'
    for table, value in (
        ("contacts_contactemail", 'L."email"'),
        ("contacts_contactphone", phone_text_sql("L")),  # its extension too
        ("contacts_contactcompany", 'L."company_id"'),
    )
]


@cache
def _select(
    only: tuple[str, ...] | None, lists: bool
) -> tuple[str, ModelRows, ModelRows, ModelRows]:
    """The SELECT ... FROM ... JOIN of a page and what it reads of the contact, its company
    and its owner: with `only` (the list page's row fields), those; else every contact field,
    as `select_related` without `only` reads (of the company and owner, the names only: no
    caller reads more, and what one did read would load as a deferred field does). Then the
    contact's tag names in `attach_tag_names`'s order, in the workspace; with `lists`, last,
    its emails, phones and company ids (`_LISTS`)."""
    user = get_user_model()
    contact = ModelRows.of(Contact, None if only is None else [n for n in only if "__" not in n])
    company = ModelRows.of(Company, _COMPANY_FIELDS)
    owner = ModelRows.of(user, _OWNER_FIELDS)
    users = user._meta.db_table
    cols = contact.columns("contacts_contact") + company.columns("contacts_company")
    cols += owner.columns(users)
    cols.append(
        'ARRAY(SELECT T1."name" FROM "contacts_contact_tags" T0 INNER JOIN "contacts_tag" T1 '
        'ON (T0."tag_id" = T1."id") WHERE (T0."contact_id" = "contacts_contact"."id" '
        'AND T1."workspace_id" = "contacts_contact"."workspace_id") ORDER BY T1."name", T1."id")'
    )
    if lists:
        cols += _LISTS
    sql = (
        f'SELECT {", ".join(cols)} FROM "contacts_contact" '  # noqa: S608
        'LEFT OUTER JOIN "contacts_company" '
        'ON ("contacts_contact"."primary_company_id" = "contacts_company"."id") '
        f'LEFT OUTER JOIN "{users}" ON ("contacts_contact"."owner_id" = "{users}"."id")'
    )
    return sql, contact, company, owner


def _after(cursor: str, sort: str) -> tuple[str, list[Any], str, bool] | None:
    """The condition of the rows after `cursor` (`paginate`'s `_after` for a sort name and an
    id, never NULL), its direction and whether the walk is descending; None for a cursor
    whose sort name is not text (the ORM's to answer as it does)."""
    _, (name, pk), direction = cursor_position(Contact, queries.CONTACT_SORTS[sort], cursor)
    if not isinstance(name, str):
        return None
    walk_descending = (sort == "-name") != (direction == "prev")
    sign = "<" if walk_descending else ">"
    name_col, id_col = '"contacts_contact"."sort_name"', '"contacts_contact"."id"'
    # The last condition is implied by the others; with it the sort index starts its scan at
    # the cursor (see `pagination._after`).
    condition = (
        f"({name_col} {sign} %s OR ({name_col} = %s AND {id_col} {sign} %s)) "
        f"AND {name_col} {sign}= %s"
    )
    return condition, [name, name, pk, name], direction, walk_descending


def read_page(
    *,
    f: RecordFilter,
    workspace: Workspace,
    sort: str,
    limit: int,
    only: Sequence[str] | None,
    lists: bool = False,
    cursor: str | None = None,
) -> Page[Contact] | None:
    """The page (see `applies`), as `listing.contact_page` reads it through the ORM, with
    each contact's `tag_names` and, with `lists`, its `api_emails`, `api_phones` and
    `api_company_ids` as the API reads them (`api._with_contact_rows`): one query in all.
    None where the ORM serves."""
    walk_descending = sort == "-name"
    direction = "next"
    conditions = ['"contacts_contact"."workspace_id" = %s']
    params: list[Any] = [workspace.pk]
    if cursor:
        after = _after(cursor, sort)
        if after is None:
            return None
        condition, after_params, direction, walk_descending = after
        conditions.append(condition)
        params += after_params
    matches = _matches_sql(f.q, workspace, walk_descending, limit, first=not cursor)
    if matches is None:
        return None
    condition, match_params = matches
    if condition:
        conditions.append(condition)
        params += match_params
    select, contact, company, owner = _select(None if only is None else tuple(only), lists)
    order = "DESC" if walk_descending else "ASC"
    sql = (
        f"{select} WHERE ({' AND '.join(conditions)}) "
        f'ORDER BY "contacts_contact"."sort_name" {order}, "contacts_contact"."id" {order} '
        "LIMIT %s"
    )
    with connection.cursor() as db:
        c_timestamps(db)
        db.execute(sql, [*params, limit + 1])
        rows = db.fetchall()
    n_contact, n_company = len(contact.fields), len(company.fields)
    n_owner = n_contact + n_company + len(owner.fields)
    company_field = Contact._meta.get_field("primary_company")
    owner_field = Contact._meta.get_field("owner")
    owners: dict[int, Any] = {}  # a page has a handful of owners: one instance each
    contacts = []
    for row in rows:
        item = contact.instance(row[:n_contact])
        company_values = row[n_contact : n_contact + n_company]
        company_field.set_cached_value(
            item, company.instance(company_values) if company_values[0] is not None else None
        )
        owner_field.set_cached_value(
            item, owner.shared(row[n_contact + n_company : n_owner], owners)
        )
        item.tag_names = row[n_owner]
        if lists:
            item.api_emails, item.api_phones, item.api_company_ids = row[n_owner + 1 :]
        contacts.append(item)
    return page_of(
        contacts, keys=queries.CONTACT_SORTS[sort], cursor=cursor, direction=direction, limit=limit
    )
