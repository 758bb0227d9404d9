"""Kept list pages (docs/performance.md): served again only while the workspace's data is
unchanged, never to another workspace, and with each role's own page around the table."""

import pytest

from rapport.contacts.saved_views import saved_view_create
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
viewer_client = fixtures.viewer_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
keep_pages = fixtures.keep_pages

pytestmark = pytest.mark.django_db


# A test runs inside one transaction that never commits: the writes whose effect is checked
# run their commit hooks as a real commit would.


def test_a_kept_list_costs_only_the_request_floor(
    owner_client, workspace, django_assert_max_num_queries
):
    for i in range(20):
        make_contact(workspace, first_name=f"P{i}", tags=["vip"])
    first = owner_client.get("/contacts/?q=P1")
    # session, user, memberships: the table, filter options and saved views are kept
    with django_assert_max_num_queries(3):
        again = owner_client.get("/contacts/?q=P1")
    table = b'<div id="record-table"'
    assert again.content.split(table)[1] == first.content.split(table)[1]
    assert b"P10 Lee" in again.content


def test_a_write_makes_the_kept_list_stale(
    owner_client, workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace, first_name="Ann")
    assert b"Zed" not in owner_client.get("/contacts/").content
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace, first_name="Zed", tags=["fresh"])
    page = owner_client.get("/contacts/").content.decode()
    assert "Zed Lee" in page
    assert '<option value="fresh"' in page  # the filter options follow too
    htmx = owner_client.get("/contacts/", headers={"HX-Request": "true"}).content.decode()
    assert "Zed Lee" in htmx


def test_an_edit_through_the_ui_shows_at_once(
    owner_client, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact = make_contact(workspace, first_name="Ann")
    assert b"Ann Lee" in owner_client.get("/contacts/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            f"/contacts/{contact.pk}/edit/",
            {"first_name": "Anna", "last_name": "Lee", "lifecycle_stage": "lead"},
        )
    assert response.status_code == 302
    assert b"Anna Lee" in owner_client.get("/contacts/").content


def test_another_workspace_never_gets_a_kept_page(
    owner_client, outsider_client, workspace, other_workspace
):
    make_contact(workspace, first_name="Mine")
    make_contact(other_workspace, first_name="Theirs")
    assert workspace.data_version == other_workspace.data_version  # same key but the id
    assert b"Mine Lee" in owner_client.get("/contacts/").content
    theirs = outsider_client.get("/contacts/").content
    assert b"Theirs Lee" in theirs
    assert b"Mine Lee" not in theirs


def test_a_viewer_and_an_owner_get_their_own_page(owner_client, viewer_client, workspace):
    make_contact(workspace, first_name="Ann")
    owners = owner_client.get("/contacts/").content.decode()
    viewers = viewer_client.get("/contacts/").content.decode()
    assert "Ann Lee" in owners and "Ann Lee" in viewers
    assert "New contact" in owners
    assert "New contact" not in viewers
    assert "New contact" in owner_client.get("/contacts/").content.decode()


def test_a_filtered_table_offers_export_only_to_roles_that_may_export(
    owner_client, viewer_client, workspace
):
    make_contact(workspace, first_name="Ann")
    htmx = {"HX-Request": "true"}
    owners = owner_client.get("/contacts/?q=ann", headers=htmx).content.decode()
    viewers = viewer_client.get("/contacts/?q=ann", headers=htmx).content.decode()

    assert "Ann Lee" in owners and "Ann Lee" in viewers
    assert 'id="export-csv"' in owners
    assert 'id="export-csv"' not in viewers


def test_saved_views_are_each_users_own(
    owner_client, viewer_client, workspace, owner, django_capture_on_commit_callbacks
):
    assert b"My leads" not in owner_client.get("/contacts/").content
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(workspace):
        saved_view_create(
            workspace=workspace,
            user=owner,
            entity="contact",
            name="My leads",
            params={"lifecycle_stage": "lead"},
        )
    assert b"My leads" in owner_client.get("/contacts/").content
    assert b"My leads" not in viewer_client.get("/contacts/").content


def test_a_kept_api_list_is_the_answer_ninja_sends(
    owner_client, settings, workspace, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(
            workspace, first_name="Ann", emails=["ann@acme.io"], tags=["vip"], owner_id=owner.pk
        )
    kept_answer = owner_client.get("/api/v1/contacts?limit=5")
    again = owner_client.get("/api/v1/contacts?limit=5")
    settings.RAPPORT_KEEP_PAGES = False
    plain = owner_client.get("/api/v1/contacts?limit=5")
    assert kept_answer["Content-Type"] == plain["Content-Type"]
    assert kept_answer.json() == again.json() == plain.json()
    assert kept_answer.json()["items"][0]["emails"] == ["ann@acme.io"]


def test_a_write_makes_the_kept_api_list_stale_and_it_stays_in_its_workspace(
    owner_client, outsider_client, workspace, other_workspace, django_capture_on_commit_callbacks
):
    def names(client):
        return [c["first_name"] for c in client.get("/api/v1/contacts").json()["items"]]

    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace, first_name="Ann")
        make_contact(other_workspace, first_name="Theirs")
    assert names(owner_client) == ["Ann"]
    assert names(outsider_client) == ["Theirs"]
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace, first_name="Bob", last_name="Lee")
    assert names(owner_client) == ["Ann", "Bob"]
    bad = owner_client.get("/api/v1/contacts?sort=nope")
    assert bad.status_code == 400


def test_the_kept_filter_form_shows_each_querys_values_escaped(
    owner_client, outsider_client, workspace, other_workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace, first_name="Ann", tags=["vip"])
        make_contact(other_workspace, first_name="Theirs", tags=["secret-tag"])
    plain = owner_client.get("/contacts/").content.decode()
    assert '<option value="vip">' in plain
    assert "secret-tag" not in plain
    filtered = owner_client.get("/contacts/?tag=vip&q=%3Cb%3EAnn").content.decode()
    assert '<option value="vip" selected>' in filtered
    assert 'value="&lt;b&gt;Ann"' in filtered
    assert "<b>Ann" not in filtered
    assert '<option value="vip" selected>' not in owner_client.get("/contacts/").content.decode()
    theirs = outsider_client.get("/contacts/?tag=vip").content.decode()
    assert '<option value="secret-tag">' in theirs
    assert '<option value="vip"' not in theirs


def test_a_new_custom_field_shows_on_the_record_page_at_once(
    owner_client, workspace, owner, django_capture_on_commit_callbacks
):
    from rapport.contacts.services import custom_field_create

    with django_capture_on_commit_callbacks(execute=True):
        contact = make_contact(workspace, first_name="Ann", custom_fields={})
    assert b"Shoe size" not in owner_client.get(f"/contacts/{contact.pk}/").content
    with django_capture_on_commit_callbacks(execute=True), workspace_scope(workspace):
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={"entity": "contact", "label": "Shoe size", "field_type": "text"},
        )
    assert b"Shoe size" in owner_client.get(f"/contacts/{contact.pk}/").content
