"""A search for the start of an address without its "@" ("anna.smith", "a.smith",
"anna_smith", "j.doe3") finds the contact by its email, as well as by name: through the ORM (the
reference, both databases), the arms and the hand-written SQL (PostgreSQL), the list page,
the API and the global search; only in the caller's workspace."""

from typing import Any

import pytest
from django.db import connection

from rapport.contacts import listing, queries, search_page
from rapport.contacts.listing import CONTACT_ROW_FIELDS
from rapport.contacts.queries import RecordFilter
from rapport.contacts.tests.factories import make_contact
from rapport.core.pagination import paginate
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(workspace, other_workspace):
    make_contact(workspace, first_name="Anna", last_name="Smith", emails=["anna.smith@example.com"])
    make_contact(workspace, first_name="Zoe", last_name="Quinn", emails=["a.smith@corp.example"])
    make_contact(
        workspace,
        first_name="Bob",
        last_name="Brown",
        emails=["x@b.example", "anna_smith@b.example"],
    )
    make_contact(workspace, first_name="Asmith", last_name="Named")  # by name, no address
    for i in range(6):  # more than a small page
        make_contact(
            workspace, first_name=f"P{i}", last_name="Jones", emails=[f"j.doe{i}@x.example"]
        )
    make_contact(
        other_workspace, first_name="Out", last_name="Sider", emails=["a.smith@other.example"]
    )


CASES = {
    "anna.smith": ["Anna Smith"],
    "Anna.Smith": ["Anna Smith"],
    "a.smith": ["Zoe Quinn"],
    "asmith": ["Asmith Named"],  # letters alone: a name (`queries.email_start`)
    "anna_smith": ["Bob Brown"],
    "j.doe": [f"P{i} Jones" for i in range(6)],
    "j.doe3": ["P3 Jones"],
}


def _names(page: Any) -> list[str]:
    return sorted(c.display_name for c in page.items)


@pytest.mark.parametrize(("q", "expected"), CASES.items())
def test_the_orm_finds_the_start_of_an_address(people, workspace, q, expected):
    with workspace_scope(workspace):
        assert _names(queries.contact_list(f=RecordFilter(q=q), region="US")) == expected
        # the page the list and the API read (arms and SQL on PostgreSQL)
        assert _names(listing.contact_page(f=RecordFilter(q=q), workspace=workspace)) == expected


@pytest.mark.parametrize(
    "q", ["anna smith", "asmith", "chris", "a.", "a@b", "smith!x y", "jean-luc"]
)
def test_text_that_cannot_start_an_address_is_a_name_only(q):
    key = queries.contact_search_kind(q, region="US")
    assert key is None or key[0] != "name" or not queries.email_start(key[1])


def test_other_workspaces_addresses_are_not_searched(people, workspace, other_workspace):
    with workspace_scope(other_workspace):
        theirs = listing.contact_page(f=RecordFilter(q="a.smith"), workspace=other_workspace)
        assert _names(theirs) == ["Out Sider"]
    with workspace_scope(workspace):
        ours = listing.contact_page(f=RecordFilter(q="a.smith"), workspace=workspace)
        reference = queries.contact_list(f=RecordFilter(q="a.smith"), region="US")
    assert "Out Sider" not in _names(ours) + _names(reference)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the arms and SQL are PostgreSQL's")
@pytest.mark.parametrize("q", [*CASES, "jone", "zoe q"])
@pytest.mark.parametrize("sort", ["name", "-name"])
@pytest.mark.parametrize("limit", [2, 50])
def test_the_arms_and_the_sql_are_the_orms(people, workspace, q, sort, limit):
    f = RecordFilter(q=q)
    with workspace_scope(workspace):
        reference = queries.contact_list(f=f, region="US", sort=sort, limit=limit)
        lean = search_page.read_page(
            f=f, workspace=workspace, sort=sort, limit=limit, only=CONTACT_ROW_FIELDS
        )
        region = workspace.default_region
        arms = queries.contact_name_search_arms(q, region=region)
        by_arms = paginate(
            listing._first_page_by_arms(f, region, arms, descending=sort == "-name", limit=limit),
            keys=queries.CONTACT_SORTS[sort],
            cursor=None,
            limit=limit,
        )
    assert len(arms) == (4 if any(ch in q for ch in "._0123456789") else 3)
    assert lean is not None
    for page in (lean, by_arms):
        assert [c.pk for c in page.items] == [c.pk for c in reference.items]
        assert page.next_cursor == reference.next_cursor


def test_the_list_page_the_api_and_the_global_search_find_it(people, owner_client):
    assert b"Anna Smith" in owner_client.get("/contacts/", {"q": "anna.smith"}).content
    items = owner_client.get("/api/v1/contacts", {"q": "a.smith"}).json()["items"]
    assert [c["first_name"] for c in items] == ["Zoe"]
    assert b"Bob Brown" in owner_client.get("/search/", {"q": "anna_smith"}).content
