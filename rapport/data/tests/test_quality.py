"""The data quality dashboard: figures on hand-built records, one query per section, the
registry other apps join, and the page's tenancy."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data import quality
from rapport.data.quality import QualitySection, counted, quality_report
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client


@pytest.fixture
def records(workspace, other_workspace):
    initech = make_company(workspace, name="Initech", domain="initech.example", industry="IT")
    make_company(workspace, name="Bare")
    make_contact(
        workspace,
        first_name="Cara",
        last_name="Diaz",
        emails=["cara@initech.example"],
        phones=["+14155550123"],
        company_ids=[initech.pk],
    )
    make_contact(workspace, first_name="Lea", emails=["lea@x.example"])
    with workspace_scope(workspace):
        # Stored around the services (an old import, raw SQL): what the dashboard must catch.
        Contact.objects.create(workspace=workspace, first_name="Bad", email="nope", phone="555")
        old = Contact.objects.create(workspace=workspace, first_name="Old")
        Contact.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))
    for n in range(3):
        make_contact(other_workspace, first_name=f"Theirs{n}")


def figures(result):
    return {f.label: f.count for f in result.figures}


def test_contact_completeness_counts_each_field(scoped, records):
    result = quality.quality_sections()[0].compute()
    assert result.total == 4
    got = figures(result)
    assert got["First name"] == 4
    assert got["Last name"] == 2  # Cara Diaz and the factory's Lea Lee
    assert got["Email"] == 3
    assert got["Phone"] == 2
    assert got["Company"] == 1
    assert got["Untouched for a year"] == 1


def test_invalid_and_missing_emails_and_phones_are_counted(scoped, records):
    from rapport.data.quality_sections import contact_reachability

    got = figures(contact_reachability())
    assert got == {
        "Missing email": 1,
        "Invalid email": 1,
        "Missing phone": 2,
        "Invalid phone (not E.164)": 1,
        "Neither email nor phone": 1,
    }


def test_company_completeness(scoped, records):
    from rapport.data.quality_sections import company_completeness

    result = company_completeness()
    assert result.total == 2
    assert figures(result)["Domain"] == 1 and figures(result)["Industry"] == 1
    assert result.figures[0].percent == 50


def test_each_section_is_one_query(scoped, records, django_assert_num_queries):
    with django_assert_num_queries(len(quality.quality_sections())):
        quality_report()


def test_another_app_joins_with_its_own_section(scoped, records, monkeypatch):
    monkeypatch.setattr(quality, "_sections", dict(quality._sections))
    quality.quality_section_register(
        QualitySection(
            "big_companies",
            "Companies with revenue",
            99,
            lambda: counted(
                "Companies with revenue",
                Company.objects.all(),
                {"Named": (~Q(name=""), True)},
            ),
        )
    )
    assert quality_report()[-1].title == "Companies with revenue"


def test_the_page_shows_this_workspaces_figures(owner_client, records):
    content = owner_client.get("/data/quality/").content.decode()
    assert "Contacts: completeness" in content and "(4 records)" in content
    assert "Data quality" in content


def test_a_viewer_may_read_the_dashboard(viewer_client, records):
    assert viewer_client.get("/data/quality/").status_code == 200


def test_an_outsider_sees_only_their_own_numbers(other_workspace, records):
    client = fixtures.signed_in(other_workspace.memberships.get().user)
    assert "(3 records)" in client.get("/data/quality/").content.decode()


def test_the_report_is_kept_until_the_data_changes_and_per_workspace(
    owner_client, workspace, other_workspace, records, settings, django_capture_on_commit_callbacks
):
    settings.RAPPORT_KEEP_PAGES = True
    assert "(4 records)" in owner_client.get("/data/quality/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = owner_client.get("/data/quality/").content.decode()
    assert "(4 records)" in again
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]

    with django_capture_on_commit_callbacks(execute=True):  # the commit raises the version
        make_contact(workspace, first_name="New")
    assert "(5 records)" in owner_client.get("/data/quality/").content.decode()
    client = fixtures.signed_in(other_workspace.memberships.get().user)
    assert "(3 records)" in client.get("/data/quality/").content.decode()


@pytest.mark.parametrize(
    ("count", "total", "percent"),
    [(3001, 3011, 99), (3011, 3011, 100), (1, 3000, 1), (0, 3000, 0), (1, 2, 50), (0, 0, 0)],
)
def test_a_share_reads_100_only_when_all_and_0_only_when_none(count, total, percent):
    assert quality.QualityFigure("Job title", count, total, good=True).percent == percent
