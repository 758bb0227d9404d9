"""The company page's People card: the company's contacts by name, with how many there are,
never another company's or another workspace's; and its annual revenue read with its currency."""

import pytest

from rapport.contacts.tests.factories import make_company, make_contact
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def initech(workspace):
    return make_company(workspace, name="Initech")


def test_the_card_lists_the_companys_people_by_name(viewer_client, workspace, initech):
    other = make_company(workspace, name="Globex")
    make_contact(workspace, first_name="Zoe", last_name="Young", company_ids=[initech.pk])
    make_contact(
        workspace,
        first_name="Ann",
        last_name="Adams",
        job_title="CFO",
        emails=["ann@initech.com"],
        company_ids=[other.pk, initech.pk],
    )
    make_contact(workspace, first_name="Gus", last_name="Globex", company_ids=[other.pk])

    card = viewer_client.get(f"/companies/{initech.pk}/people/").content.decode()

    assert card.index("Ann Adams") < card.index("Zoe Young") and "Gus" not in card
    assert "CFO · ann@initech.com" in card
    assert '<span class="muted">2</span>' in card and "All 2 people" not in card


def test_a_big_company_shows_ten_and_links_to_all(owner_client, workspace, initech):
    for i in range(12):
        make_contact(workspace, first_name=f"P{i:02d}", last_name="X", company_ids=[initech.pk])

    card = owner_client.get(f"/companies/{initech.pk}/people/").content.decode()

    assert card.count("<li>") == 10
    assert "All 12 people at Initech →" in card and "?company=Initech" in card


def test_nobody_yet_is_said_and_the_company_page_asks_for_the_card(owner_client, initech):
    card = owner_client.get(f"/companies/{initech.pk}/people/").content.decode()
    page = owner_client.get(f"/companies/{initech.pk}/").content.decode()

    assert "Nobody at Initech yet." in card
    assert f'hx-get="/companies/{initech.pk}/people/"' in page


def test_another_workspaces_company_is_not_found(outsider_client, initech):
    assert outsider_client.get(f"/companies/{initech.pk}/people/").status_code == 404


def test_the_company_page_shows_annual_revenue_with_its_currency(owner_client, workspace):
    acme = make_company(
        workspace, name="Acme", annual_revenue="51507000", annual_revenue_currency="GBP"
    )

    page = owner_client.get(f"/companies/{acme.pk}/").content.decode()

    assert ">51,507,000.00 GBP<" in page
