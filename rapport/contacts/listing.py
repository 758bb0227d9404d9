"""Pages of contacts and companies for the list page and the API list, read lean.

`queries.contact_list` and `queries.company_list` are the reference: the same filters
(`contact_queryset`, `company_queryset`), sorts, cursors and limits. Here the page's tags come
as names from one query on the link table, attached to each record as `tag_names`, instead of
a prefetch that builds a related manager and a filtered queryset per record (about 2 ms for a
page of 50); and the list page may ask only for the columns it shows.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Model, Q, QuerySet
from psycopg.errors import QueryCanceled

from rapport.contacts import queries, search_page
from rapport.contacts.models import Company, Contact
from rapport.contacts.normalise import search_key
from rapport.contacts.queries import InSubquery, RecordFilter
from rapport.core.errors import ServiceValidationError
from rapport.core.pagination import Page, paginate
from rapport.core.prepared import searches_unprepared
from rapport.tenancy.models import Workspace

# What the list page's rows show (plus the sort keys a cursor is made of).
CONTACT_ROW_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "lifecycle_stage",
    "sort_name",
    "created_at",
    "updated_at",
    "primary_company_id",
    "owner_id",
    "primary_company__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)


def _limit(limit: int) -> int:
    return min(max(limit, 1), queries.MAX_PAGE)


@searches_unprepared
def contact_page(
    *,
    f: RecordFilter,
    workspace: Workspace,
    sort: str = "name",
    cursor: str | None = None,
    limit: int = 50,
    only: Sequence[str] | None = None,
    lists: bool = False,
) -> Page[Contact]:
    """A page of contacts with their `tag_names`; with `lists` (the API), where the page is
    read in one statement (`search_page`: the list's pages, a search's first page), their
    emails, phones and company ids come in it too (as `api_emails`, `api_phones`,
    `api_company_ids`)."""
    if sort not in queries.CONTACT_SORTS:
        raise ServiceValidationError.single(
            "sort", f"must be one of {', '.join(queries.CONTACT_SORTS)}"
        )
    if search_page.applies(f, sort, cursor):
        searched = search_page.read_page(
            f=f,
            workspace=workspace,
            sort=sort,
            limit=_limit(limit),
            only=only,
            lists=lists,
            cursor=cursor,
        )
        if searched is not None:
            return searched
    region = workspace.default_region
    arms = queries.contact_name_search_arms(f.q, region=region)
    if (
        arms
        and len(search_key(f.q)) >= search_page.NAME_ARMS_FROM
        and not cursor
        and sort in ("name", "-name")
        and connection.vendor == "postgresql"
    ):
        qs = _first_page_by_arms(f, region, arms, descending=sort == "-name", limit=_limit(limit))
    else:
        qs = queries.contact_queryset(f=f, region=region)
    qs = qs.select_related("primary_company", "owner")
    if only:
        qs = qs.only(*only)
    page = paginate(qs, keys=queries.CONTACT_SORTS[sort], cursor=cursor, limit=_limit(limit))
    attach_tag_names(page.items, workspace=workspace)
    return page


def _first_page_by_arms(
    f: RecordFilter, region: str, arms: list[Q], *, descending: bool, limit: int
) -> QuerySet[Contact]:
    """The contacts a name search's first page (in name order) can hold: each way of matching
    (`contact_name_search_arms`) asked for its own first `limit + 1` ids in that order, with
    the other filters, in one `UNION`; the page is then read among them as usual.

    With the three ORed, PostgreSQL either reads every match and sorts them, or walks the
    sort index from its start and filters, which is fast only if matches come early in name
    order: a search for "Gross" read about 95,000 rows past the surnames before "G" (0.7 s)
    to find its 51. Asked apart, the sort name's arm starts its walk at the prefix, and the
    others walk the covering sort index (`contact_sort_idx` holds the search name and the
    primary company: no row read to filter) or read their matches, whichever is cheaper.
    """
    others = queries.contact_queryset(f=replace(f, q=""), region=region)
    order = ("-sort_name", "-pk") if descending else ("sort_name", "pk")
    firsts = [others.filter(arm).order_by(*order).values("pk")[: limit + 1] for arm in arms]
    return others.filter(InSubquery("pk", firsts[0].union(*firsts[1:])))


@searches_unprepared
def company_page(
    *,
    f: RecordFilter,
    workspace: Workspace,
    sort: str = "name",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Company]:
    if sort not in queries.COMPANY_SORTS:
        raise ServiceValidationError.single(
            "sort", f"must be one of {', '.join(queries.COMPANY_SORTS)}"
        )
    qs = queries.company_queryset(f=f).select_related("owner", "parent")
    page = paginate(qs, keys=queries.COMPANY_SORTS[sort], cursor=cursor, limit=_limit(limit))
    attach_tag_names(page.items, workspace=workspace)
    return page


# A list says how many records match up to this many, "10,000+" past it: counting every
# match would read them all (a million for the whole list).
COUNT_CAP = 10_000
# PostgreSQL gives up a count after this long (the list then says "many"). The page never
# waits for it (the count comes in its own request after the page), but a connection should
# not be held by it either.
COUNT_TIMEOUT_MS = 300


@searches_unprepared
def contact_count(*, f: RecordFilter, workspace: Workspace) -> int | None:
    """How many contacts the list's filter matches (`capped_count`): `contact_queryset`, the
    filter every page of the list reads, in the active workspace scope.

    A name search alone (PostgreSQL) is counted as the union of its arms' ids
    (`contact_name_search_arms`, as its first page reads them): each arm is read off its
    index, where the ORed filter read each match's row from the table to test it (a surname
    matches 1,000–4,000 contacts at a million: docs/performance.md, perf24)."""
    region = workspace.default_region
    arms = queries.contact_name_search_arms(f.q, region=region)
    if (
        arms
        and f == RecordFilter(q=f.q)
        and len(search_key(f.q)) >= search_page.NAME_ARMS_FROM
        and connection.vendor == "postgresql"
    ):
        ids = [Contact.objects.filter(arm).values("pk") for arm in arms]
        return capped_count(ids[0].union(*ids[1:]))
    return capped_count(queries.contact_queryset(f=f, region=region))


@searches_unprepared
def company_count(*, f: RecordFilter, workspace: Workspace) -> int | None:
    """How many companies the list's filter matches (`capped_count`), as `contact_count`."""
    return capped_count(queries.company_queryset(f=f))


def capped_count(qs: QuerySet) -> int | None:
    """How many rows `qs` holds, counted up to `COUNT_CAP + 1` (`SELECT count(*) FROM (...
    LIMIT 10001)`: more than the cap reads as "10,000+"); None where PostgreSQL stopped it
    after `COUNT_TIMEOUT_MS`. The timeout is set for the count alone (`SET LOCAL` in its own
    transaction or savepoint, and put back after it: a caller's transaction keeps its own)."""
    rows = qs.order_by().values("pk")[: COUNT_CAP + 1]
    if connection.vendor != "postgresql":
        return rows.count()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), "
                "set_config('statement_timeout', %s, true)",
                [f"{COUNT_TIMEOUT_MS}ms"],
            )
            before = cursor.fetchone()[0]
            n = rows.count()
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
            return n
    except OperationalError as exc:
        if isinstance(exc.__cause__, QueryCanceled):
            return None
        raise


def attach_tag_names(records: Sequence[Model], *, workspace: Workspace) -> None:
    """Each record's tag names, by name (as `Tag` orders them), in `record.tag_names`.

    One query on the link table for the records given (already read in the workspace's
    scope), restricted to the workspace's tags as well.
    """
    if not records:
        return
    model: Any = type(records[0])
    through = model.tags.through
    owner_column = f"{model._meta.model_name}_id"
    names: dict[int, list[str]] = {r.pk: [] for r in records}
    rows = (
        through.objects.filter(**{f"{owner_column}__in": list(names)})
        .filter(tag__workspace_id=workspace.pk)
        .order_by("tag__name", "tag_id")
        .values_list(owner_column, "tag__name")
    )
    for pk, name in rows:
        names[pk].append(name)
    for record in records:
        record.tag_names = names[record.pk]  # type: ignore[attr-defined]


def tag_names(record: Any) -> list[str]:
    """The record's tag names: attached by the page, else prefetched, else a query."""
    attached = getattr(record, "tag_names", None)
    if attached is not None:
        return list(attached)
    cache = getattr(record, "_prefetched_objects_cache", {})
    tags = cache["tags"] if "tags" in cache else record.tags.all()
    return [t.name for t in tags]
