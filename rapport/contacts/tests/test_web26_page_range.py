"""The second page of a list says which rows it shows: "51–100 of", not "50 of"; lists
without a count say it in the pager."""

import re

import pytest

from rapport.contacts.models import Company
from rapport.contacts.tests.factories import make_activity, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def _next(html: str) -> str:
    found = re.search(r'<a class="btn btn-sm" rel="next" href="([^"]+)"', html)
    assert found is not None, "no next page"
    return found[1].replace("&amp;", "&")


def test_the_second_page_of_companies_says_51_to_100(owner_client, workspace):
    with workspace_scope(workspace):
        Company.objects.bulk_create(
            [
                Company(workspace=workspace, name=f"C{i:03d}", name_key=f"c{i:03d}")
                for i in range(120)
            ]
        )
    first = owner_client.get("/companies/").content.decode()
    assert "1–50 of" in first
    second = owner_client.get("/companies/" + _next(first)).content.decode()
    assert "51–100 of" in second and "C050" in second
    third = owner_client.get("/companies/" + _next(second)).content.decode()
    assert "101–120 of" in third


def test_a_list_without_a_count_says_the_range_in_its_pager(owner_client, workspace, owner):
    ann = make_contact(workspace)
    for i in range(55):
        make_activity(workspace, owner, kind="task", subject=f"T{i}", contact_ids=[ann.pk])
    first = owner_client.get("/tasks/").content.decode()
    assert 'class="pager-range muted">1–50<' in first
    second = owner_client.get("/tasks/" + _next(first)).content.decode()
    assert 'class="pager-range muted">51–55<' in second
