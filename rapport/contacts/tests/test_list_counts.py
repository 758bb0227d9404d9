"""The contacts and companies lists say how many records match their query, counted with the
list's own filter in the workspace, up to a cap ("10,000+"), in a request of its own after the
page; on PostgreSQL a count that takes too long stops and says "many"."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from rapport.contacts import listing
from rapport.contacts.models import Contact
from rapport.contacts.queries import RecordFilter
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(workspace, other_workspace, member):
    acme = make_company(workspace, name="Acme Tools", domain="acme.example")
    make_company(workspace, name="Acme Foods")
    make_company(workspace, name="Initech")
    make_contact(workspace, first_name="Anna", last_name="Smith", emails=["anna.smith@x.example"])
    make_contact(workspace, first_name="Ann", last_name="Lee", tags=["vip"], owner_id=member.pk)
    make_contact(workspace, first_name="Bo", last_name="Ng", lifecycle_stage="customer")
    make_contact(workspace, first_name="Cy", last_name="Ode", company_ids=[acme.pk], tags=["vip"])
    make_contact(workspace, first_name="Di", last_name="Ray")
    for i in range(3):
        make_contact(other_workspace, first_name=f"Ann{i}", last_name="Other", tags=["vip"])
    make_company(other_workspace, name="Acme Outside")
    return acme


def _count(workspace: Any, **f: Any) -> int | None:
    with workspace_scope(workspace):
        return listing.contact_count(f=RecordFilter(**f), workspace=workspace)


def test_the_count_is_the_lists_filter_in_the_workspace(people, workspace, member):
    assert _count(workspace) == 5
    assert _count(workspace, q="ann") == 2  # "Anna Smith", "Ann Lee": not the other's
    assert _count(workspace, q="anna.smith") == 1
    assert _count(workspace, tag="vip") == 2
    assert _count(workspace, tag="vip", owner_id=member.pk) == 1
    assert _count(workspace, lifecycle_stage="customer") == 1
    assert _count(workspace, company_id=people.pk) == 1
    assert _count(workspace, q="nobody") == 0
    with workspace_scope(workspace):
        assert listing.company_count(f=RecordFilter(q="acme"), workspace=workspace) == 2
        assert listing.company_count(f=RecordFilter(), workspace=workspace) == 3


def test_the_count_stops_past_the_cap(people, workspace, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    assert _count(workspace) == 4  # more than the cap
    assert _count(workspace, tag="vip") == 2


def test_the_count_page_says_how_many(people, owner_client, member, monkeypatch):
    def said(path: str, **query: str) -> str:
        response = owner_client.get(path, query)
        assert response.status_code == 200
        return response.content.decode()

    assert ">5 contacts<" in said("/contacts/count/")
    assert ">2 contacts<" in said("/contacts/count/", q="ann", sort="-updated", cursor="x")
    assert ">1 contact<" in said("/contacts/count/", tag="vip", owner=str(member.pk))
    assert ">0 contacts<" in said("/contacts/count/", q="nobody")
    assert ">2 companies<" in said("/companies/count/", q="acme")
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    assert ">3+ contacts<" in said("/contacts/count/", tag="")
    monkeypatch.setattr(listing, "capped_count", lambda qs: None)
    assert ">many contacts<" in said("/contacts/count/", q="a")


def test_another_workspaces_records_are_not_counted(people, outsider_client):
    assert ">3 contacts<" in outsider_client.get("/contacts/count/").content.decode()
    assert ">1 company<" in outsider_client.get("/companies/count/", {"q": "acme"}).content.decode()


def test_the_table_asks_for_its_querys_count(people, owner_client):
    html = owner_client.get("/contacts/", {"q": "ann", "sort": "-updated"}).content.decode()
    assert "1–2 of" in html
    assert 'hx-get="/contacts/count/?q=ann" hx-trigger="load"' in html
    empty = owner_client.get("/contacts/", {"q": "nobody"}).content.decode()
    assert "/contacts/count/" not in empty  # "No contacts match these filters." says it


class TestKept:
    keep_pages = fixtures.keep_pages

    def test_a_kept_count_follows_the_workspaces_data(self, people, owner_client, workspace):
        assert ">5 contacts<" in owner_client.get("/contacts/count/").content.decode()
        make_contact(workspace, first_name="Ed", last_name="New")
        assert ">6 contacts<" in owner_client.get("/contacts/count/").content.decode()

    def test_a_count_out_of_time_is_not_kept(self, people, owner_client, monkeypatch):
        with monkeypatch.context() as busy:
            busy.setattr(listing, "capped_count", lambda qs: None)
            assert ">many contacts<" in owner_client.get("/contacts/count/").content.decode()
        assert ">5 contacts<" in owner_client.get("/contacts/count/").content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a statement timeout is PostgreSQL's")
def test_a_count_out_of_time_is_none_and_leaves_the_transaction_as_it_was(
    people, workspace, monkeypatch
):
    monkeypatch.setattr(listing, "COUNT_TIMEOUT_MS", 20)
    with workspace_scope(workspace):
        slow = Contact.objects.filter(RawSQL("pg_sleep(0.05) IS NOT NULL", [], BooleanField()))
        assert listing.capped_count(slow) is None
        assert Contact.objects.count() == 5  # the transaction goes on
        assert listing.capped_count(Contact.objects.all()) == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone()[0] == "0"  # the count's timeout is not left behind
