"""The data-quality dashboard's counts link to the list of exactly the records counted: a
list filter per check (`?quality=<key>`), tenant-scoped, an unknown one named."""

import re

import pytest

from rapport.contacts.quality_checks import COMPANY_CHECKS, CONTACT_CHECKS
from rapport.contacts.queries import RecordFilter, company_queryset, contact_queryset
from rapport.core.errors import ServiceValidationError
from rapport.data.quality import quality_report
from rapport.data.tests.test_quality import records
from rapport.dedupe.tests.factories import plant
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db
__all__ = ["records"]


def _figures() -> dict[str, int]:
    return {f.link: f.count for section in quality_report() for f in section.figures if f.link}


def test_every_count_links_to_a_filter_listing_exactly_its_records(scoped, records):
    counts = _figures()

    for key in CONTACT_CHECKS:
        listed = contact_queryset(f=RecordFilter(quality=key), region="GB").count()
        assert listed == counts[f"/contacts/?quality={key}"], key
    for key in COMPANY_CHECKS:
        listed = company_queryset(f=RecordFilter(quality=key)).count()
        assert listed == counts[f"/companies/?quality={key}"], key


def test_a_quality_filter_lists_this_workspaces_matching_records_only(scoped, records):
    invalid = contact_queryset(f=RecordFilter(quality="invalid_email"), region="GB")
    untouched = contact_queryset(f=RecordFilter(quality="untouched"), region="GB")

    assert [c.first_name for c in invalid] == ["Bad"]
    assert [c.first_name for c in untouched] == ["Old"]
    # The other workspace's three contacts all lack an email: none is listed here.
    missing = contact_queryset(f=RecordFilter(quality="missing_email"), region="GB")
    assert sorted(c.first_name for c in missing) == ["Old"]


def test_an_unknown_check_is_refused_by_name(scoped):
    with pytest.raises(ServiceValidationError) as err:
        contact_queryset(f=RecordFilter(quality="shiny"), region="GB")
    keys = ", ".join(CONTACT_CHECKS)
    assert err.value.as_dict() == {
        "quality": [f"'shiny' is not a data-quality check; one of: {keys}"]
    }


def test_the_dashboard_links_its_counts_and_the_list_shows_the_filter(owner_client, records):
    page = owner_client.get("/data/quality/").content.decode()
    assert re.search(r'<a href="/contacts/\?quality=invalid_phone"[^>]*>1</a>', page)

    html = owner_client.get("/contacts/?quality=invalid_phone").content.decode()
    assert 'id="quality-filter"' in html and "Invalid phone (not E.164)" in html
    assert 'name="quality" value="invalid_phone"' in html
    table = re.search(r"<table.*?</table>", html, re.S)
    assert table and "Bad" in table.group() and "Cara" not in table.group()


def test_an_unknown_check_in_the_list_is_an_error_not_a_500(owner_client, records):
    response = owner_client.get("/companies/?quality=shiny")

    assert response.status_code == 200
    assert "quality: &#x27;shiny&#x27; is not a data-quality check" in response.content.decode()


def test_the_duplicate_counts_link_to_their_tab_of_the_queue(owner_client, workspace):
    plant(workspace)

    page = owner_client.get("/data/quality/").content.decode()

    assert re.search(r'<a href="/duplicates/\?entity=contact"[^>]*>2</a>', page)
    assert re.search(r'<a href="/duplicates/\?entity=company"[^>]*>1</a>', page)
