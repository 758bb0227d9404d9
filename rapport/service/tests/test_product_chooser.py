"""The ticket's product box: suggestions while typing (this workspace's active products only,
a bounded few) and what a typed name, SKU or suggestion resolves to."""

import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.sales.services import product_create
from rapport.service.models import Ticket
from rapport.service.page_queries import PRODUCT_SUGGESTIONS
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def product(workspace, actor, name, sku, active=True):
    with workspace_scope(workspace):
        return product_create(
            workspace=workspace, actor=actor, data={"sku": sku, "name": name, "active": active}
        )


def offered(client, text: str) -> list[str]:
    response = client.get("/tickets/products/", {"product": text})
    assert response.status_code == 200
    return [
        line.split('"')[1] for line in response.content.decode().splitlines() if "<option" in line
    ]


@pytest.fixture
def catalogue(workspace, owner, other_workspace, outsider):
    product(workspace, owner, "Steel kettle", "K-2")
    product(workspace, owner, "Kettle descaler", "DS-1")
    product(workspace, owner, "Old kettle", "K-1", active=False)
    product(other_workspace, outsider, "Globex kettle", "GK-1")


def test_suggestions_match_names_and_sku_prefixes_of_active_products(member_client, catalogue):
    assert offered(member_client, "KETTLE") == ["Kettle descaler (DS-1)", "Steel kettle (K-2)"]
    assert offered(member_client, "k-") == ["Steel kettle (K-2)"]
    assert offered(member_client, "  ") == []


def test_another_workspaces_products_are_never_suggested(member_client, outsider_client, catalogue):
    assert "Globex kettle (GK-1)" not in offered(member_client, "kettle")
    assert offered(member_client, "GK") == []
    assert offered(outsider_client, "kettle") == ["Globex kettle (GK-1)"]


def test_suggestions_are_few(member_client, workspace, owner):
    for n in range(PRODUCT_SUGGESTIONS + 5):
        product(workspace, owner, f"Mug {n:02}", f"MUG-{n:02}")
    names = offered(member_client, "mug")
    assert len(names) == PRODUCT_SUGGESTIONS and names[0] == "Mug 00 (MUG-00)"


def test_suggestions_need_a_signed_in_member(client, catalogue):
    response = client.get("/tickets/products/", {"product": "kettle"})
    assert response.status_code == 302 and b"kettle" not in response.content


@pytest.fixture
def ticket(workspace, owner):
    ann = make_contact(workspace, owner, emails=["ann@acme.io"])
    return make_ticket(workspace, owner, ann)


def choose(client, ticket, text: str):
    return client.post(
        f"/tickets/{ticket.pk}/properties/",
        {"status": "new", "priority": "normal", "ticket_type": "question", "product": text},
    )


def product_of(workspace, ticket) -> str | None:
    with workspace_scope(workspace):
        chosen = Ticket.objects.select_related("product").get(pk=ticket.pk).product
    return chosen.sku if chosen else None


@pytest.mark.parametrize(
    ("typed", "sku"),
    [("Steel kettle (K-2)", "K-2"), ("k-2", "K-2"), ("kettle DESCALER", "DS-1"), ("", None)],
)
def test_a_suggestion_a_sku_or_a_whole_name_chooses_the_product(
    member_client, workspace, catalogue, ticket, typed, sku
):
    assert choose(member_client, ticket, typed).status_code == 302
    assert product_of(workspace, ticket) == sku


def test_a_name_two_products_share_asks_for_the_sku(member_client, workspace, owner, ticket):
    product(workspace, owner, "Kettle", "K-10")
    product(workspace, owner, "Kettle", "K-20")
    response = choose(member_client, ticket, "kettle")
    assert "Several products are called “kettle”" in response.content.decode()
    assert choose(member_client, ticket, "Kettle (K-20)").status_code == 302
    assert product_of(workspace, ticket) == "K-20"


def test_the_ticket_page_has_the_search_as_you_type_box(member_client, ticket):
    page = member_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'list="product-options"' in page and 'hx-get="/tickets/products/"' in page
    assert '<datalist id="product-options"></datalist>' in page
