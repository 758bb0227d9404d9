"""The lean list rows, the API's page relations and the kept quick-add forms (docs/performance.md):
the same output as the templates and prefetches they replace, escaped, and per workspace."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from rapport.contacts import views
from rapport.contacts.models import Company, Contact
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


def test_phone_format_formats_a_number_once_per_process():
    phone_format.cache_clear()
    first = phone_format("+442079460958")
    again = phone_format("+442079460958")
    assert first == again == phone_display("+442079460958")
    info = phone_format.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (1, 1, 8192)


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
    assert '<a href="mailto:ann@acme.io" class="subtle" title="ann@acme.io">ann@acme.io</a>' in html
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


def _row_contacts() -> list[Any]:
    owner = get_user_model()(pk=3, username="o<&>", first_name='Ann "A"', last_name="O'Hara")
    acme = Company(pk=5, name="<i>\"'& Co")
    ann = Contact(
        pk=7,
        first_name="<i>\"'&",
        last_name="O'Brien & <b>",
        job_title='Head "of" <i>',
        email="a&b@x.io",
        phone="+12129744953",
        lifecycle_stage="customer",
        primary_company_id=5,
        owner_id=3,
        updated_at=dt.datetime(2026, 3, 1, 9, 5, tzinfo=dt.UTC),
    )
    ann.primary_company, ann.owner = acme, owner
    ann.tag_names = ["<b>x</b>", "vip & co"]  # type: ignore[attr-defined]
    bare = Contact(pk=8, first_name="Bo", last_name="", lifecycle_stage="")
    bare.updated_at = None  # type: ignore[assignment]  # an unsaved row: the empty cell
    bare.primary_company, bare.owner = None, None
    bare.tag_names = []  # type: ignore[attr-defined]
    return [ann, bare]


# contact_rows' output before the name, the stage's class and the dates were escaped once
# (and with the titles a cut name, email or company keeps its whole value in).
_ROWS = (
    "<tr>\n"
    '  <td class="select-cell"><input type="checkbox" name="contact_ids" value="7" ar'
    'ia-label="Select &lt;i&gt;&quot;&#x27;&amp; O&#x27;Brien &amp; &lt;b&gt;"></td>\n'
    '  <td><a class="rowlink" href="/contacts/7/" title="&lt;i&gt;&quot;&#x27;&amp; O&#x27;'
    'Brien &amp; &lt;b&gt;"><span class="avatar avatar-sm">&lt;'
    "O</span><span><strong>&lt;i&gt;&quot;&#x27;&amp; O&#x27;Brien &amp; &lt;b&gt;</s"
    'trong><small class="muted">Head &quot;of&quot; &lt;i&gt;</small></span></a></td>'
    "\n"
    '  <td class="hide-sm"><a href="mailto:a&amp;b@x.io" class="subtle" title="a&amp;b@x'
    '.io">a&amp;b@x.io<'
    "/a></td>\n"
    '  <td class="hide-lg nowrap">+1 212-974-4953</td>\n'
    '  <td class="hide-sm"><a href="/companies/5/" class="subtle" title="&lt;i&gt;&quot;'
    '&#x27;&amp; Co">&lt;i&gt;&quot;&#x2'
    "7;&amp; Co</a></td>\n"
    '  <td><span class="badge stage-customer">Customer</span></td>\n'
    '  <td class="hide-md">Ann &quot;A&quot; O&#x27;Hara</td>\n'
    '  <td class="hide-lg"><span class="tag">&lt;b&gt;x&lt;/b&gt;</span><span class="'
    'tag">vip &amp; co</span></td>\n'
    '  <td class="hide-sm num nowrap"><time datetime="2026-03-01T09:05:00+00:00" titl'
    'e="Mar 1, 2026 09:05">Mar 1, 2026</time></td>\n'
    "</tr>\n"
    "\n"
    "      <tr>\n"
    '  <td class="select-cell"><input type="checkbox" name="contact_ids" value="8" ar'
    'ia-label="Select Bo"></td>\n'
    '  <td><a class="rowlink" href="/contacts/8/" title="Bo"><span class="avatar avatar-sm">B</s'
    "pan><span><strong>Bo</strong></span></a></td>\n"
    '  <td class="hide-sm"></td>\n'
    '  <td class="hide-lg nowrap"></td>\n'
    '  <td class="hide-sm"></td>\n'
    '  <td><span class="badge stage-"></span></td>\n'
    '  <td class="hide-md"></td>\n'
    '  <td class="hide-lg"></td>\n'
    '  <td class="hide-sm num nowrap"><time datetime="" title=""></time></td>\n'
    "</tr>\n"
)


def test_the_rows_are_written_as_before_to_the_byte():
    with timezone.override("UTC"):
        assert views.contact_rows(_row_contacts()) == _ROWS


def test_the_months_are_the_current_languages():
    # The titled month names are kept per language: each language gets its own.
    with timezone.override("UTC"):
        with translation.override("de"):
            german = views.contact_rows(_row_contacts())
        english = views.contact_rows(_row_contacts())
        with translation.override("de"):
            assert views.contact_rows(_row_contacts()) == german
    assert 'title="Mär 1, 2026 09:05">Mär 1, 2026</time>' in german
    assert english == _ROWS
