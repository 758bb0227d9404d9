"""The not-found page of a signed-in member has the app's chrome: the workspace switcher
(a record of another workspace answers 404 by design) and the navigation; it says nothing
of what was asked."""

import pytest
from django.test import Client

from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.services import membership_add
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def test_another_workspaces_record_answers_in_the_apps_chrome(
    owner, owner_client, workspace, other_workspace
):
    membership_add(workspace=other_workspace, user=owner, role="member")
    theirs = make_contact(other_workspace, first_name="Secret", last_name="Person")
    response = owner_client.get(f"/contacts/{theirs.pk}/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'id="workspace-menu"' in html and 'aria-label="Main"' in html
    assert f'name="workspace" value="{other_workspace.pk}"' in html
    assert "switch workspace" in html
    assert "Secret" not in html and "Person" not in html


def test_a_missing_page_in_one_workspace_has_the_chrome_without_the_hint(owner_client):
    html = owner_client.get("/no-such-page/").content.decode()
    assert 'id="workspace-menu"' in html and "Not found" in html
    assert "switch workspace" not in html


def test_signed_out_the_not_found_page_is_the_plain_card(workspace):
    html = Client().get("/no-such-page/").content.decode()
    assert "Not found" in html and 'id="workspace-menu"' not in html
