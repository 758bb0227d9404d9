"""A search's statements are never prepared on the connection (`core.prepared`), so
PostgreSQL plans each for its own text, while the list without a search keeps its prepared
statement. Without this, a connection that has run a few broad searches keeps a generic plan
that is 40–80 times dearer for a narrow one."""

import pytest
from django.db import connection

from rapport.contacts import listing, queries
from rapport.contacts.listing import CONTACT_ROW_FIELDS
from rapport.contacts.queries import RecordFilter
from rapport.contacts.tests.factories import make_contact
from rapport.core.prepared import unprepared
from rapport.tenancy.access import workspace_scope

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares"),
]

RUNS = 12  # past psycopg's threshold (5) and PostgreSQL's five custom plans


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {s for (s,) in cursor.fetchall()}


@pytest.fixture
def people(workspace):
    make_contact(workspace, first_name="Anna", last_name="Smith", emails=["anna.smith@x.example"])
    make_contact(workspace, first_name="Bo", last_name="Brown", emails=["bo@acme.example"])


def test_the_whole_list_is_prepared_and_a_search_is_not(people, workspace):
    with workspace_scope(workspace):
        for _ in range(RUNS):
            listing.contact_page(f=RecordFilter(), workspace=workspace, only=CONTACT_ROW_FIELDS)
        before = _prepared()
        assert any('"contacts_contact"' in s for s in before), "the whole list is prepared"
        for text in ["anna.s", "bo@acme", "Smith", "+1 212"]:
            for _ in range(RUNS):
                page = listing.contact_page(
                    f=RecordFilter(q=text), workspace=workspace, only=CONTACT_ROW_FIELDS
                )
                listing.contact_count(f=RecordFilter(q=text), workspace=workspace)
                queries.contact_list(f=RecordFilter(q=text), region="US")
                listing.company_page(f=RecordFilter(q=text), workspace=workspace)
                listing.company_count(f=RecordFilter(q=text), workspace=workspace)
        assert [c.display_name for c in page.items] == []  # "+1 212": nobody's number
        assert _prepared() == before


def test_unprepared_puts_the_threshold_back_even_after_an_error():
    connection.ensure_connection()
    before = connection.connection.prepare_threshold
    with pytest.raises(ZeroDivisionError), unprepared():
        assert connection.connection.prepare_threshold is None
        raise ZeroDivisionError
    assert connection.connection.prepare_threshold == before == 5
