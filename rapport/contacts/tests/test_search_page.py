"""A search's first page read in hand-written SQL (`search_page`, PostgreSQL) is the ORM's page
(`queries.contact_list`, the reference): the same contacts in the same order, every field, the
company and owner, the tag names, the next cursor; in one query, without building a queryset,
and only in the caller's workspace. The API reads a page's emails, phones and companies in
one query."""

from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts import listing, queries, search_page
from rapport.contacts.listing import CONTACT_ROW_FIELDS
from rapport.contacts.models import Contact
from rapport.contacts.queries import RecordFilter
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL is PostgreSQL's; SQLite reads the ORM's"
)


@pytest.fixture
def people(workspace, other_workspace, member, owner):
    grossmann = make_company(workspace, name="Grossmann Bau")
    other = make_company(workspace, name="Other & Co")
    # LIKE's wildcards and escape, taken as they are typed: "gross_" is not "grossi"
    odd = [make_company(workspace, name=n) for n in ("Gross_Bau", "Gross%Hof", "Gross\\Weg")]
    make_company(other_workspace, name="Gross Outsiders")
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("Gross", "Zeller", {"tags": ["vip", "berlin"], "job_title": "CTO"}),
        ("Anna", "Gross", {"emails": ["anna@gross.example", "a2@home.example"]}),
        ("Ben", "Grosser", {"owner_id": member.pk, "phones": ["+12129744953"]}),
        ("Carl", "Abbott", {"company_ids": [grossmann.pk], "owner_id": owner.pk}),
        ("Dora", "Grost", {"emails": ["dora@grost.example"], "tags": ["vip"]}),
        ("Fritz", "Grossé", {"phones": ["+12129744000"], "lifecycle_stage": "customer"}),
        (
            "Hans",
            "Grossberg",
            {
                "company_ids": [other.pk, grossmann.pk],
                "emails": ["h@z.example", "h@a.example", "h@m.example"],
                "phones": ["+12129744111", "+12129744001"],
            },
        ),
    ]
    for i, company in enumerate(odd):
        rows.append((f"Odd{i}", "Zed", {"company_ids": [company.pk]}))
    for i in range(12):  # more than a small page of them
        rows.append((f"Gus{i:02d}", f"Grossi{i:02d}", {"emails": [f"gus{i:02d}@gross.example"]}))
    for first, last, extra in rows:
        make_contact(workspace, first_name=first, last_name=last, **extra)
    # Raw JSON and addresses come back as the ORM reads them (converters).
    with workspace_scope(workspace):
        Contact.objects.filter(first_name="Gross").update(
            custom_fields={"tier": "gold", "seats": 12}, city="Köln"
        )
    make_contact(other_workspace, first_name="Gross", last_name="Outsider", tags=["vip"])
    make_contact(other_workspace, first_name="Gus", last_name="Grossi", emails=["x@gross.example"])


TERMS = [
    "",  # the whole list
    "  ",
    "gross",
    "Grossmann",
    "GUS0",
    "anna@gross",
    "gus",
    "+1 212 974",
    "(212) 974-4953",
    "gross_",
    "gross%",
    "gross\\",
]


def _same(lean: Any, reference: Any, only: Any) -> None:
    assert [c.pk for c in lean.items] == [c.pk for c in reference.items]
    assert lean.next_cursor == reference.next_cursor
    assert lean.prev_cursor == reference.prev_cursor
    fields = [f for f in Contact._meta.concrete_fields if only is None or f.attname in only]
    for a, b in zip(lean.items, reference.items, strict=True):
        for f in fields:
            assert getattr(a, f.attname) == getattr(b, f.attname), f.name
        assert a.display_name == b.display_name
        assert listing.tag_names(a) == listing.tag_names(b)
        assert (a.primary_company and a.primary_company.name) == (
            b.primary_company and b.primary_company.name
        )
        assert (a.owner and (a.owner.pk, a.owner.get_full_name(), a.owner.username)) == (
            b.owner and (b.owner.pk, b.owner.get_full_name(), b.owner.username)
        )


@on_postgresql
@pytest.mark.parametrize("q", TERMS)
@pytest.mark.parametrize("sort", ["name", "-name"])
@pytest.mark.parametrize("limit", [3, 50])
@pytest.mark.parametrize("only", [CONTACT_ROW_FIELDS, None])
def test_the_page_is_the_orms(people, workspace, q, sort, limit, only):
    f = RecordFilter(q=q)
    with workspace_scope(workspace):
        assert search_page.applies(f, sort, None)
        lean = search_page.read_page(f=f, workspace=workspace, sort=sort, limit=limit, only=only)
        reference = queries.contact_list(f=f, region="US", sort=sort, limit=limit)
        assert lean is not None and reference.items
        _same(lean, reference, None if only is None else [*only, "id"])
        if lean.next_cursor:  # the cursor it hands on reads the ORM's next page
            after = listing.contact_page(
                f=f, workspace=workspace, sort=sort, cursor=lean.next_cursor, limit=limit
            )
            assert [c.pk for c in after.items] == [
                c.pk
                for c in queries.contact_list(
                    f=f, region="US", sort=sort, cursor=lean.next_cursor, limit=limit
                ).items
            ]


@on_postgresql
def test_it_builds_no_queryset_and_reads_in_one_query(people, workspace, monkeypatch):
    def no_orm(**kwargs: Any) -> Any:
        raise AssertionError("the search's first page built the ORM's queryset")

    with workspace_scope(workspace):
        reference = queries.contact_list(f=RecordFilter(q="gross"), region="US")
        monkeypatch.setattr(queries, "contact_queryset", no_orm)
        with CaptureQueriesContext(connection) as captured:
            page = listing.contact_page(
                f=RecordFilter(q="gross"), workspace=workspace, only=CONTACT_ROW_FIELDS
            )
    assert len(captured.captured_queries) == 1  # the contacts, companies, owners and tags
    assert [c.pk for c in page.items] == [c.pk for c in reference.items]
    assert listing.tag_names(page.items[-1]) == ["berlin", "vip"]  # "Gross Zeller"


@on_postgresql
def test_it_shows_nothing_of_another_workspace(people, workspace, other_workspace):
    with workspace_scope(workspace):
        ours = listing.contact_page(f=RecordFilter(q="gross"), workspace=workspace)
        by_email = listing.contact_page(f=RecordFilter(q="x@gross"), workspace=workspace)
        everyone = listing.contact_page(f=RecordFilter(), workspace=workspace, limit=100)
    assert len(everyone.items) == 22 and "Gross Outsider" not in {
        c.display_name for c in everyone.items
    }
    names = [c.display_name for c in ours.items]
    assert "Gross Outsider" not in names and "Carl Abbott" in names  # by "Grossmann Bau"
    assert by_email.items == []
    with workspace_scope(other_workspace):
        theirs = listing.contact_page(f=RecordFilter(q="gross"), workspace=other_workspace)
    assert [c.display_name for c in theirs.items] == ["Gus Grossi", "Gross Outsider"]
    assert [listing.tag_names(c) for c in theirs.items] == [[], ["vip"]]


@pytest.mark.parametrize(
    ("f", "sort", "cursor"),
    [
        (RecordFilter(q="gross", lifecycle_stage="customer"), "name", None),
        (RecordFilter(q="gross", custom={"tier": "gold"}), "name", None),
        (RecordFilter(q="gross"), "-updated", None),
        (RecordFilter(), "-updated", None),
        (RecordFilter(), "created", "a cursor"),
    ],
)
def test_anything_else_is_the_orms(f, sort, cursor):
    assert not search_page.applies(f, sort, cursor)


@on_postgresql
@pytest.mark.parametrize("q", ["", "  ", "anna@gross", "gus", "+1 212 974", "gross_"])
@pytest.mark.parametrize("sort", ["name", "-name"])
@pytest.mark.parametrize("only", [CONTACT_ROW_FIELDS, None])
def test_later_pages_are_the_orms(people, workspace, q, sort, only):
    """A later page, forward and back, of the list or of an email or phone search."""
    f = RecordFilter(q=q)
    with workspace_scope(workspace):
        assert search_page.applies(f, sort, "a cursor")
        first = listing.contact_page(f=f, workspace=workspace, sort=sort, limit=3)
        if q.strip() in ("gus", "gross_"):  # a name: the arms pick a first page only
            assert first.next_cursor or q.strip() == "gross_"
            if first.next_cursor:
                assert (
                    search_page.read_page(
                        f=f,
                        workspace=workspace,
                        sort=sort,
                        limit=3,
                        only=only,
                        cursor=first.next_cursor,
                    )
                    is None
                )
            return
        cursors, seen = [first.next_cursor], []
        while cursors[-1]:
            cursor = cursors[-1]
            lean = search_page.read_page(
                f=f, workspace=workspace, sort=sort, limit=3, only=only, cursor=cursor
            )
            reference = queries.contact_list(f=f, region="US", sort=sort, cursor=cursor, limit=3)
            assert lean is not None and reference.items
            _same(lean, reference, None if only is None else [*only, "id"])
            seen += [c.pk for c in lean.items]
            back = reference.prev_cursor  # and the page before, by its prev cursor
            before = search_page.read_page(
                f=f, workspace=workspace, sort=sort, limit=3, only=only, cursor=back
            )
            _same(
                before,
                queries.contact_list(f=f, region="US", sort=sort, cursor=back, limit=3),
                None,
            )
            cursors.append(reference.next_cursor)
        everyone = queries.contact_list(f=f, region="US", sort=sort, limit=200)
        assert [c.pk for c in first.items] + seen == [c.pk for c in everyone.items]
        if q.strip() == "":
            assert len(cursors) > 5  # 22 contacts, 3 a page


@on_postgresql
def test_a_later_page_reads_in_one_query_with_the_apis_lists(people, workspace, monkeypatch):
    with workspace_scope(workspace):
        first = listing.contact_page(f=RecordFilter(), workspace=workspace, limit=3)
        reference = queries.contact_list(
            f=RecordFilter(), region="US", cursor=first.next_cursor, limit=3
        )
        monkeypatch.setattr(queries, "contact_queryset", lambda **kwargs: 1 / 0)
        with CaptureQueriesContext(connection) as captured:
            page = listing.contact_page(
                f=RecordFilter(), workspace=workspace, cursor=first.next_cursor, limit=3, lists=True
            )
    assert len(captured.captured_queries) == 1
    assert [c.pk for c in page.items] == [c.pk for c in reference.items]
    assert all(hasattr(c, "api_emails") for c in page.items)


@on_postgresql
@pytest.mark.parametrize(
    "cursor", ["nonsense", "eyJ2IjogWzEsIDJdLCAiZCI6ICJuZXh0IiwgInMiOiAic29ydF9uYW1lLHBrIn0"]
)
def test_a_bad_or_odd_cursor_is_answered_as_the_orm_does(people, workspace, cursor):
    from rapport.core.errors import ServiceValidationError

    with workspace_scope(workspace):
        try:
            reference: Any = [
                c.pk
                for c in queries.contact_list(f=RecordFilter(), region="US", cursor=cursor).items
            ]
        except ServiceValidationError as exc:
            reference = exc.errors
        try:
            lean: Any = [
                c.pk
                for c in listing.contact_page(
                    f=RecordFilter(), workspace=workspace, cursor=cursor
                ).items
            ]
        except ServiceValidationError as exc:
            lean = exc.errors
    assert lean == reference


@on_postgresql
def test_short_prefixes_are_the_orms(people, workspace):
    with workspace_scope(workspace):
        assert (
            search_page.read_page(
                f=RecordFilter(q="gr"), workspace=workspace, sort="name", limit=50, only=None
            )
            is None
        )
        names = [
            c.display_name
            for c in listing.contact_page(f=RecordFilter(q="gr"), workspace=workspace).items
        ]
    assert "Anna Gross" in names


def test_the_api_reads_a_pages_emails_phones_and_companies_in_one_query(
    people, owner_client, workspace
):
    with CaptureQueriesContext(connection) as captured:
        items = owner_client.get("/api/v1/contacts?q=gross&limit=50").json()["items"]
    related = [
        q["sql"]
        for q in captured.captured_queries
        if "contacts_contactemail" in q["sql"] or "contacts_contactcompany" in q["sql"]
    ]
    assert len(related) == 1
    anna = next(c for c in items if c["first_name"] == "Anna")
    assert anna["emails"] == ["anna@gross.example", "a2@home.example"]
    ben = next(c for c in items if c["first_name"] == "Ben")
    assert (ben["phones"], ben["emails"]) == (["+12129744953"], [])
    carl = next(c for c in items if c["first_name"] == "Carl")
    assert carl["company_ids"] == [carl["primary_company_id"]]
    zeller = next(c for c in items if c["last_name"] == "Zeller")
    assert (zeller["tags"], zeller["custom_fields"]) == (
        ["berlin", "vip"],
        {"tier": "gold", "seats": 12},
    )


@on_postgresql
@pytest.mark.parametrize("q", TERMS)
@pytest.mark.parametrize("sort", ["name", "-name"])
@pytest.mark.parametrize("limit", [3, 50])
def test_the_apis_search_answer_is_the_orms_byte_for_byte(
    people, owner_client, q, sort, limit, monkeypatch
):
    """The API's first page of a search brings each contact's emails, phones and companies
    in its own statement (`lists=True`): the answer is the one read through the ORM and
    `_with_contact_rows`, to the byte, and no other query reads those lists."""
    url = f"/api/v1/contacts?{urlencode({'q': q, 'sort': sort, 'limit': limit})}"
    with CaptureQueriesContext(connection) as captured:
        lean = owner_client.get(url)
    # (read now: the next request clears the connection's query log)
    lists = [s for s in (q["sql"] for q in captured.captured_queries) if "contactphone" in s]
    assert len(lists) == 1 and "contacts_contact_tags" in lists[0]  # the page's own statement
    monkeypatch.setattr(search_page, "applies", lambda *args: False)
    reference = owner_client.get(url)
    assert lean.status_code == reference.status_code == 200
    assert lean.json()["items"]
    assert lean.content == reference.content


def test_a_prefixs_end_is_the_next_character_that_text_can_hold():
    assert queries.prefix_end("gross") == "grost"
    assert queries.prefix_end("a\ud7ff") == "a\ue000"  # past the surrogates
    assert queries.prefix_end("a\U0010ffff") is None


def test_a_search_finds_the_people_of_every_company_it_matches(people, workspace):
    with workspace_scope(workspace):
        page = listing.contact_page(f=RecordFilter(q="gross"), workspace=workspace)
        odd = listing.contact_page(f=RecordFilter(q="gross_"), workspace=workspace)
    names = {c.display_name for c in page.items}
    assert {"Carl Abbott", "Odd0 Zed", "Odd1 Zed", "Odd2 Zed"} <= names
    assert [c.display_name for c in odd.items] == ["Odd0 Zed"]  # "_" is no wildcard
