"""An amount longer than its column holds is refused with a message, not stored: on SQLite the
stored number failed every later read of the row, so the record's page answered 500 for good
(PostgreSQL failed the write itself)."""

import pytest

from rapport.contacts.tests.factories import make_company
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def test_a_company_revenue_too_long_for_its_column_is_refused_in_place(owner_client, workspace):
    initech = make_company(workspace, name="Initech")
    field = f"/companies/{initech.pk}/fields/annual_revenue/"

    refused = owner_client.post(field, {"annual_revenue": "99999999999999999999"})
    page = owner_client.get(f"/companies/{initech.pk}/")
    saved = owner_client.post(field, {"annual_revenue": "123456789012.34"})

    assert refused.status_code == 200
    assert "at most 15 digits before the decimal point" in refused.content.decode()
    assert page.status_code == 200
    assert saved.status_code == 200 and "123,456,789,012.34" in saved.content.decode()
