"""The web export link refuses a query parameter its list does not read, naming it, as the
API's export does: a misspelt filter exported every record. The links the list pages write
(their filters, a sort, a saved list's `view`, `background`) are still taken."""

import html
import re

import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.data.models import DataExport
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

pytestmark = pytest.mark.django_db

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


def test_a_misspelt_filter_is_refused_by_name_and_nothing_exported(owner_client, workspace):
    with workspace_scope(workspace):
        make_contact(workspace, first_name="Ann", lifecycle_stage="lead")
        make_contact(workspace, first_name="Bo", lifecycle_stage="customer")

    response = owner_client.get("/exports/contacts.csv", {"lifecycle": "lead", "colour": "red"})

    assert response.status_code == 400
    said = response.content.decode()
    assert said == (
        "lifecycle: is not a parameter of this export; colour: is not a parameter of this export"
    )
    with workspace_scope(workspace):
        assert not DataExport.objects.exists()


def test_the_list_pages_export_links_are_taken(owner_client, workspace):
    with workspace_scope(workspace):
        make_contact(workspace, first_name="Ann", lifecycle_stage="lead")
    page = owner_client.get("/contacts/", {"lifecycle_stage": "lead", "sort": "name"})
    hrefs = re.findall(r'id="export-[a-z-]+" href="([^"]+)"', page.content.decode())
    links = [html.unescape(href) for href in hrefs]

    assert len(links) == 4
    for link in links:
        response = owner_client.get(link)
        assert response.status_code in (200, 302), (link, response.content[:200])
    with workspace_scope(workspace):
        assert DataExport.objects.count() == 4
    ticket = owner_client.get("/exports/tickets.csv", {"view": "all", "status": "open"})
    assert ticket.status_code == 200
