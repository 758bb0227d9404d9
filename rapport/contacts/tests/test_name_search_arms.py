"""A name search's first page asked arm by arm (`listing._first_page_by_arms`, PostgreSQL)
holds exactly the contacts, in the order, that the ORed search (`queries.contact_list`, the
reference) gives, with the other filters, in both name orders, and the cursor it hands on
reads the same next page; on SQLite the ORed search serves it."""

from typing import Any

import pytest
from django.db import connection

from rapport.contacts import listing, queries
from rapport.contacts.queries import RecordFilter
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(workspace, other_workspace, member):
    grossmann = make_company(workspace, name="Grossmann Bau")
    make_company(other_workspace, name="Gross Outsiders")
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("Gross", "Zeller", {}),  # first name first
        ("Anna", "Gross", {}),  # last name
        ("Ben", "Grosser", {"lifecycle_stage": "customer"}),
        ("Carl", "Abbott", {"company_ids": [grossmann.pk]}),  # the company's name
        ("Dora", "Grost", {}),  # just past the prefix
        ("Emil", "Gros", {}),  # just before it
        ("Gross", "Gross", {"owner_id": member.pk}),  # all three at once
        ("Fritz", "Grossé", {}),  # accents: "grosse"
    ]
    for i in range(30):  # more than a page of small ones
        rows.append((f"Gus{i:02d}", f"Grossi{i:02d}", {}))
    for first, last, extra in rows:
        make_contact(workspace, first_name=first, last_name=last, **extra)
    make_contact(other_workspace, first_name="Gross", last_name="Outsider")


def _names(page):
    return [c.display_name for c in page.items]


@pytest.mark.parametrize("q", ["gross", "Gross", "GROSSE", "gro", "Gus0", "grossmann b"])
@pytest.mark.parametrize("sort", ["name", "-name"])
@pytest.mark.parametrize("limit", [5, 50])
def test_the_first_page_is_the_ored_searchs(people, workspace, member, q, sort, limit):
    with workspace_scope(workspace):
        for f in (
            RecordFilter(q=q),
            RecordFilter(q=q, owner_id=member.pk),
            RecordFilter(q=q, lifecycle_stage="customer"),
        ):
            lean = listing.contact_page(f=f, workspace=workspace, sort=sort, limit=limit)
            reference = queries.contact_list(f=f, region="DE", sort=sort, limit=limit)
            assert _names(lean) == _names(reference)
            assert lean.next_cursor == reference.next_cursor
            if lean.next_cursor:
                after = listing.contact_page(
                    f=f, workspace=workspace, sort=sort, cursor=lean.next_cursor, limit=limit
                )
                assert _names(after) == _names(
                    queries.contact_list(
                        f=f, region="DE", sort=sort, cursor=lean.next_cursor, limit=limit
                    )
                )


def test_it_finds_each_arm_and_nothing_of_another_workspace(people, workspace):
    with workspace_scope(workspace):
        page = listing.contact_page(f=RecordFilter(q="gross"), workspace=workspace, limit=50)
    names = _names(page)
    assert "Gross Zeller" in names and "Anna Gross" in names and "Carl Abbott" in names
    assert "Gross Gross" in names and "Fritz Grossé" in names
    assert "Dora Grost" not in names and "Emil Gros" not in names
    assert "Gross Outsider" not in names
    assert len(names) == len(set(c.pk for c in page.items))  # no contact twice


def test_the_first_page_of_a_name_search_is_one_query(people, workspace, django_assert_num_queries):
    # The page and its tags; on PostgreSQL the search alone is one query with its tags
    # (`search_page`), and with another filter the ORM's arms query and the tags.
    alone = 1 if connection.vendor == "postgresql" else 2
    with workspace_scope(workspace), django_assert_num_queries(alone):
        listing.contact_page(f=RecordFilter(q="gross"), workspace=workspace, limit=50)
    with workspace_scope(workspace), django_assert_num_queries(2):
        listing.contact_page(
            f=RecordFilter(q="gross", lifecycle_stage="customer"), workspace=workspace, limit=50
        )
    if connection.vendor == "postgresql":
        with workspace_scope(workspace):
            sql = str(
                listing._first_page_by_arms(
                    RecordFilter(q="gross"),
                    "DE",
                    queries.contact_name_search_arms("gross", region="DE"),
                    descending=False,
                    limit=50,
                ).query
            )
        assert sql.count("UNION") == 2
