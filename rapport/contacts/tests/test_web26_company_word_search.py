"""A company search matches the start of any word of the name, in the company list, the
global search and the API, and nowhere but in the searching workspace."""

import pytest
from django.db import connection, transaction
from django_scopes import scopes_disabled

from rapport.api.testing import ApiClient
from rapport.contacts.models import Company
from rapport.contacts.queries import RecordFilter, company_list, company_search_arms
from rapport.contacts.tests.factories import make_company
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


@pytest.fixture
def companies(workspace, other_workspace):
    make_company(workspace, name="Acme Widgets Ltd")
    make_company(workspace, name="Acme Corp")
    make_company(workspace, name="Villanueva LLC")
    make_company(workspace, name="Bwidgets Inc")  # "widgets" inside a word: not a match
    make_company(other_workspace, name="Outside Widgets Ltd")


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("Widgets", ["Acme Widgets Ltd"]),
        ("corp", ["Acme Corp"]),
        ("LTD", ["Acme Widgets Ltd"]),
        ("widgets l", ["Acme Widgets Ltd"]),
        ("llc", ["Villanueva LLC"]),
        ("acme", ["Acme Corp", "Acme Widgets Ltd"]),
        ("dgets", []),
    ],
)
def test_a_search_finds_the_start_of_any_word_of_the_name(scoped, companies, q, names):
    assert [c.name for c in company_list(f=RecordFilter(q=q)).items] == names


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/companies/", "/search/"])
def test_the_list_and_the_global_search_find_a_later_word(owner_client, companies, url):
    content = owner_client.get(url, {"q": "widgets"}).content.decode()
    assert "Acme Widgets Ltd" in content
    assert "Bwidgets" not in content and "Outside Widgets" not in content


@pytest.mark.django_db
def test_the_api_finds_a_later_word(owner, workspace, companies):
    api = ApiClient.with_token(owner, workspace)
    found = api.get("/companies", {"q": "ltd"}).json()["items"]
    assert [c["name"] for c in found] == ["Acme Widgets Ltd"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_a_later_words_start_reads_the_trigram_index(companies):
    """The later word's arm is read off `company_name_words_idx` (a sequential scan priced
    out of reach, as a table of five rows is read whole); without it, ORed with the others,
    PostgreSQL read every company of the workspace."""
    later_word = company_search_arms("widgets")[1]
    with scopes_disabled():
        sql, params = Company.objects.filter(later_word).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on company_name_words_idx" in plan, plan
