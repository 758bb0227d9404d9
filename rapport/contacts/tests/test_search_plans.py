"""A search's statements are never prepared on the connection (`core.prepared`), so
PostgreSQL plans each for its own text, while the list without a search keeps its prepared
statement. Without this, a connection that has run a few broad searches keeps a generic plan
that is 40–80 times dearer for a narrow one."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts import listing, queries
from rapport.contacts.listing import CONTACT_ROW_FIELDS
from rapport.contacts.models import Contact
from rapport.contacts.queries import RecordFilter
from rapport.contacts.tests.factories import make_company, make_contact
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


def _scans(plan: dict) -> list[tuple[str, str]]:
    """Every (node type, index) of a plan that reads an index, nested plans included."""
    found = [(plan["Node Type"], plan["Index Name"])] if "Index Name" in plan else []
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction only
def test_a_name_searchs_page_and_count_read_the_arms_indexes_alone(workspace):
    """A name search's first page and its count read the arms by the name as typed and by the
    primary company off their indexes alone (the sort name and id carried there): a prefix
    matching a thousand first names, or the people of a surname's companies, costs no read
    of the table per match (docs/performance.md, perf24). Planned as a large workspace's
    statistics make it: no table scan, no bitmap, the table's pages all-visible."""
    smith = make_company(workspace, name="Smith Holdings")
    for i in range(5):  # last in name order: a walk of the sort index would read every other
        make_contact(workspace, first_name="Kurt", last_name=f"Zeller{i}")
        make_contact(workspace, first_name="Ann", last_name=f"Zorn{i}", company_ids=[smith.pk])
    others = [Contact(workspace=workspace, first_name="Bo", last_name=f"B{i}") for i in range(3000)]
    for contact in others:
        contact.set_derived_fields()
    with workspace_scope(workspace):
        Contact.objects.bulk_create(others)
        with CaptureQueriesContext(connection) as captured:
            for text in ("kurt", "smith"):
                listing.contact_page(f=RecordFilter(q=text), workspace=workspace)
                assert listing.contact_count(f=RecordFilter(q=text), workspace=workspace) == 5
    statements = [q["sql"] for q in captured.captured_queries if '"search_name"' in q["sql"]]
    assert len(statements) == 4  # a page and a count each
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE contacts_contact")
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        try:
            for sql in statements:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
                scans = _scans((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
                for index in ("contact_search_name_idx", "contact_primary_company_idx"):
                    assert {kind for kind, name in scans if name == index} == {"Index Only Scan"}, (
                        sql,
                        scans,
                    )
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")
