"""`?quality=<key>` on the API's contact and company lists: the records the web list shows
for the same check (`quality_checks`), in the caller's workspace only; an unknown key is a
400 naming `quality` and the keys it takes; the OpenAPI document enumerates them."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from rapport.api.testing import ApiClient, listed_ids, problem_fields
from rapport.contacts.models import Company
from rapport.contacts.quality_checks import COMPANY_CHECKS, CONTACT_CHECKS
from rapport.contacts.tests.factories import make_company
from rapport.data.tests.test_quality import records
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db
__all__ = ["records"]

LISTS = [("/contacts", CONTACT_CHECKS), ("/companies", COMPANY_CHECKS)]


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def theirs(other_workspace, records):
    """Another workspace's records failing the checks: `records`' three contacts without an
    email, and two companies without a domain, one of them untouched for over a year."""
    old = make_company(other_workspace, name="Theirs old")
    make_company(other_workspace, name="Theirs bare")
    with workspace_scope(other_workspace):
        Company.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))


def _web_ids(client, path: str, key: str) -> set[int]:
    response = client.get(f"{path}/?quality={key}")
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(rf'class="rowlink" href="{path}/(\d+)/"', response.text)}


@pytest.mark.parametrize("path, checks", LISTS)
def test_each_check_lists_the_records_the_web_list_shows(api, owner_client, theirs, path, checks):
    for key in checks:
        response = api.get(path, {"quality": key, "count": "true"})

        web = _web_ids(owner_client, path, key)
        assert listed_ids(response) == web, key
        assert response.json()["count"] == len(web), key
    # The filter filters: some check lists fewer records than the unfiltered list.
    everything = listed_ids(api.get(path))
    assert any(_web_ids(owner_client, path, key) < everything for key in checks)


def test_another_workspaces_records_are_never_listed_or_counted(api, theirs):
    def listed(path: str, key: str) -> tuple[list[str], int]:
        body = api.get(path, {"quality": key, "count": "true"}).json()
        return [r.get("name") or r["first_name"] for r in body["items"]], body["count"]

    assert listed("/contacts", "missing_email") == (["Old"], 1)
    assert listed("/companies", "untouched") == ([], 0)
    assert listed("/companies", "has_domain") == (["Initech"], 1)


@pytest.mark.parametrize("path, checks", LISTS)
def test_an_unknown_check_is_refused_naming_quality_and_its_keys(api, path, checks):
    response = api.get(path, {"quality": "shiny"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    message = problem_fields(response)["quality"]
    assert message == f"'shiny' is not a data-quality check; one of: {', '.join(checks)}"


def test_the_openapi_document_enumerates_each_lists_checks(api):
    schema = api.get("/openapi.json").json()
    for path, checks in LISTS:
        parameters = schema["paths"][f"/api/v1{path}"]["get"]["parameters"]
        (quality,) = [p for p in parameters if p["name"] == "quality"]
        assert quality["schema"]["enum"] == list(checks)
        assert quality["required"] is False and "default" not in quality["schema"]
