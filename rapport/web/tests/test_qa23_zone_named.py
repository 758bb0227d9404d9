"""The tasks page and the audit log, whose times are in the reader's zone, say which (qa23):
before, only the user menu and the date-time inputs named it."""

import pytest

from rapport.tenancy.services import user_time_zone_set
from rapport.web import fragments
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/tasks/", "/tasks/?who=all", "/settings/audit/"])
def test_the_page_names_the_zone_its_times_are_in(owner_client, owner, url):
    fragments.clear()
    user_time_zone_set(user=owner, time_zone="Pacific/Auckland")

    html = owner_client.get(url).content.decode()

    assert '<span id="page-zone">Pacific/Auckland</span>' in html
    fragments.clear()
