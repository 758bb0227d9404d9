"""The postal address and a contact's communication preferences are edited in place on the
record's page, like its other fields: through the same service, audited, named errors, a
viewer refused, another workspace's record not found."""

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
viewer_client = fixtures.viewer_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(workspace, owner):
    return make_contact(workspace, owner, first_name="Ann", emails=["ann@acme.io"])


def _get(model, workspace, pk):
    with workspace_scope(workspace):
        return model.objects.get(pk=pk)


def _updates(workspace, pk):
    with workspace_scope(workspace):
        return [
            e.changes
            for e in AuditEntry.objects.filter(object_id=pk, action="update").order_by("id")
        ]


def test_the_page_offers_address_and_preferences_in_place(owner_client, ann):
    page = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    for name in ("street", "city", "region", "postal_code", "country"):
        assert f'hx-get="/contacts/{ann.pk}/fields/{name}/?edit=1"' in page
    for name in ("preferred_channel", "do_not_email", "do_not_call"):
        assert f'hx-get="/contacts/{ann.pk}/fields/{name}/?edit=1"' in page
    assert "<h2>Address</h2>" in page and "<h2>Communication preferences</h2>" in page


def test_an_address_line_is_saved_in_place_and_audited(owner_client, workspace, ann):
    editing = owner_client.get(f"/contacts/{ann.pk}/fields/street/?edit=1").content.decode()
    assert 'name="street"' in editing and "<html" not in editing
    response = owner_client.post(f"/contacts/{ann.pk}/fields/street/", {"street": "1 Main St"})
    assert "1 Main St" in response.content.decode() and "timeline-changed" in response["HX-Trigger"]
    assert _get(Contact, workspace, ann.pk).street == "1 Main St"
    assert _updates(workspace, ann.pk) == [{"street": ["", "1 Main St"]}]


def test_a_bad_country_is_named_and_nothing_changes(owner_client, workspace, ann):
    response = owner_client.post(f"/contacts/{ann.pk}/fields/country/", {"country": "Z1"})
    content = response.content.decode()
    assert 'name="country"' in content and 'class="field-error"' in content
    assert _get(Contact, workspace, ann.pk).country == ""
    assert _updates(workspace, ann.pk) == []


def test_preferences_are_set_and_cleared_in_place(owner_client, workspace, ann):
    url = f"/contacts/{ann.pk}/fields/"
    shown = owner_client.post(f"{url}do_not_email/", {"do_not_email": "on"}).content.decode()
    assert ">Yes</button>" in shown
    owner_client.post(f"{url}preferred_channel/", {"preferred_channel": "sms"})
    contact = _get(Contact, workspace, ann.pk)
    assert contact.do_not_email is True and contact.preferred_channel == "sms"
    cleared = owner_client.post(f"{url}do_not_email/", {}).content.decode()  # box unticked
    assert ">No</button>" in cleared
    assert _get(Contact, workspace, ann.pk).do_not_email is False
    assert _updates(workspace, ann.pk) == [
        {"do_not_email": [False, True]},
        {"preferred_channel": ["", "sms"]},
        {"do_not_email": [True, False]},
    ]


def test_a_viewer_sees_them_read_only_and_cannot_write(viewer_client, workspace, ann):
    page = viewer_client.get(f"/contacts/{ann.pk}/").content.decode()
    assert "<h2>Address</h2>" in page and "editable" not in page
    for name, value in (("street", "X"), ("do_not_call", "on"), ("preferred_channel", "sms")):
        assert (
            viewer_client.post(f"/contacts/{ann.pk}/fields/{name}/", {name: value}).status_code
            == 403
        )
        assert viewer_client.get(f"/contacts/{ann.pk}/fields/{name}/?edit=1").status_code == 403
    contact = _get(Contact, workspace, ann.pk)
    assert (contact.street, contact.do_not_call, contact.preferred_channel) == ("", False, "")


def test_another_workspaces_record_is_not_found(owner_client, other_workspace, outsider):
    theirs = make_contact(other_workspace, outsider, first_name="Secret")
    assert (
        owner_client.post(f"/contacts/{theirs.pk}/fields/street/", {"street": "X"}).status_code
        == 404
    )
    assert _get(Contact, other_workspace, theirs.pk).street == ""


def test_a_companys_address_is_edited_in_place(owner_client, workspace, owner):
    acme = make_company(workspace, owner, name="Acme")
    page = owner_client.get(f"/companies/{acme.pk}/").content.decode()
    assert f'hx-get="/companies/{acme.pk}/fields/city/?edit=1"' in page
    owner_client.post(f"/companies/{acme.pk}/fields/city/", {"city": "Lyon"})
    assert _get(Company, workspace, acme.pk).city == "Lyon"
    assert _updates(workspace, acme.pk) == [{"city": ["", "Lyon"]}]
