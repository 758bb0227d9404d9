"""The lean list rows, the API's page relations and the kept quick-add forms (docs/performance.md):
the same output as the templates and prefetches they replace, escaped, and per workspace."""

import pytest

from rapport.contacts.normalise import phone_display
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.services import membership_add, user_create
from rapport.web import fragments
from rapport.web.templatetags.rapport_ui import phone_format
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_kept_fragments():
    fragments.clear()
    yield
    fragments.clear()


@pytest.mark.parametrize(
    "number",
    [
        "+12129744953",
        "+442079460958",
        "+390612345678",  # Italian leading zero
        "+5491123456789",  # Argentine mobile
        "+4915123456789",
        "+33612345678",
        "+8613812345678",
        "+2250102030405",
        "+999123",  # no such country code
        "+01234567890",
        "+1²34",
        "+1",
        "12345",
        "",
    ],
)
def test_phone_format_reads_as_phone_display(number):
    assert phone_format(number) == phone_display(number)


def test_the_rows_show_every_column_escaped(owner_client, workspace, owner):
    company = make_company(workspace, name="Init<ech> & Co")
    make_contact(
        workspace,
        first_name="<script>alert(1)</script>",
        last_name="O'Brien",
        job_title='Head of "Growth"',
        emails=["ann@acme.io"],
        phones=["(212) 974-4953"],
        company_ids=[company.pk],
        tags=["vip", "<b>bold</b>"],
        owner_id=owner.pk,
        lifecycle_stage="customer",
    )
    html = owner_client.get("/contacts/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Brien" in html
    assert "Head of &quot;Growth&quot;" in html
    assert "Init&lt;ech&gt; &amp; Co</a>" in html
    assert f'href="/companies/{company.pk}/"' in html
    assert '<a href="mailto:ann@acme.io" class="subtle">ann@acme.io</a>' in html
    assert phone_display("+12129744953") in html
    assert '<span class="tag">&lt;b&gt;bold&lt;/b&gt;</span><span class="tag">vip</span>' in html
    assert '<span class="badge stage-customer">Customer</span>' in html


def test_the_list_page_costs_eight_queries(
    owner_client, workspace, owner, django_assert_max_num_queries
):
    company = make_company(workspace, name="Initech")
    for i in range(30):
        make_contact(workspace, first_name=f"P{i}", company_ids=[company.pk], tags=["vip"])
    # session, user, memberships, page, tags, filter options (2), saved views
    with django_assert_max_num_queries(8):
        response = owner_client.get("/contacts/")
    assert response.content.count(b"Initech") >= 30


def test_the_api_list_shows_each_contacts_own_relations(owner_client, workspace):
    acme = make_company(workspace, name="Acme")
    globex = make_company(workspace, name="Globex")
    make_contact(
        workspace,
        first_name="Ann",
        emails=["ann@acme.io", "ann@home.io"],
        phones=["+12129744953"],
        company_ids=[globex.pk, acme.pk],
        tags=["b", "a"],
    )
    make_contact(workspace, first_name="Bob", emails=["bob@acme.io"])
    items = owner_client.get("/api/v1/contacts").json()["items"]
    ann, bob = sorted(items, key=lambda c: c["first_name"])
    assert ann["emails"] == ["ann@acme.io", "ann@home.io"]
    assert ann["phones"] == ["+12129744953"]
    assert ann["company_ids"] == [globex.pk, acme.pk]
    assert ann["tags"] == ["a", "b"]
    assert (bob["emails"], bob["phones"], bob["company_ids"], bob["tags"]) == (
        ["bob@acme.io"],
        [],
        [],
        [],
    )


def test_kept_quick_add_forms_follow_the_record_and_the_members(
    owner_client, outsider_client, workspace, other_workspace
):
    ann = make_contact(workspace, first_name="Ann")
    bob = make_contact(workspace, first_name="Bob")
    theirs = make_contact(other_workspace, first_name="Theirs")
    first = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    assert f'name="contact" value="{ann.pk}"' in first
    second = owner_client.get(f"/contacts/{bob.pk}/").content.decode()
    assert f'name="contact" value="{bob.pk}"' in second
    assert f'name="contact" value="{ann.pk}"' not in second
    assert "Zed Newcomer" not in second
    zed = user_create(username="zed", password="correct horse battery staple")
    zed.first_name, zed.last_name = "Zed", "Newcomer"
    zed.save()
    membership_add(workspace=workspace, user=zed, role="member")
    assert "Zed Newcomer" in owner_client.get(f"/contacts/{bob.pk}/").content.decode()
    # The other workspace's page never shows this workspace's members.
    other = outsider_client.get(f"/contacts/{theirs.pk}/").content.decode()
    assert f'name="contact" value="{theirs.pk}"' in other
    assert "Zed Newcomer" not in other and "olivia" not in other
