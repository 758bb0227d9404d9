"""Merge pages: pick, compare, merge, undo; members only, within their workspace."""

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.merge.models import MergeRecord
from rapport.merge.services import merge_contacts
from rapport.merge.tests.factories import fresh
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])


@pytest.fixture
def annie(workspace):
    annie = make_contact(
        workspace, first_name="Annie", last_name="Lee", emails=["annie@globex.io"], source="fair"
    )
    make_activity(workspace, contact_ids=[annie.pk], subject="Met Annie at the fair")
    return annie


@pytest.fixture
def theirs(other_workspace):
    return make_contact(other_workspace, first_name="Secret", emails=["s@globex.io"])


def _merged(workspace, owner, survivor, other):
    with workspace_scope(workspace):
        return merge_contacts(workspace=workspace, actor=owner, survivor=survivor, other=other)


def test_the_page_shows_both_records_side_by_side_with_what_will_move(member_client, ann, annie):
    response = member_client.get(f"/merge/contacts/{ann.pk}/{annie.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="field.first_name" value="a"' in html
    assert 'name="field.first_name" value="b"' in html
    assert 'name="field.last_name"' not in html  # the same on both: nothing to pick
    assert "Met Annie" not in html
    assert 'id="merge-counts"' in html
    assert "Activities" in html


def test_posting_merges_into_the_chosen_survivor_with_the_chosen_values(
    member_client, workspace, ann, annie
):
    response = member_client.post(
        f"/merge/contacts/{ann.pk}/{annie.pk}/",
        {"survivor": "b", "field.first_name": "a", "field.email": "b"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{annie.pk}/"
    assert fresh(ann) is None
    survivor = fresh(annie)
    assert survivor.first_name == "Ann"
    assert survivor.email == "annie@globex.io"
    with workspace_scope(workspace):
        assert set(survivor.emails.values_list("email", flat=True)) == {
            "ann@acme.io",
            "annie@globex.io",
        }
        record = MergeRecord.objects.get()
    assert (record.survivor_id, record.removed_id) == (annie.pk, ann.pk)
    assert record.choices["first_name"] == "other"


def test_opened_from_a_queue_merging_and_cancelling_return_to_it(member_client, ann, annie):
    url = f"/merge/contacts/{ann.pk}/{annie.pk}/?next=/duplicates/%3Fentity%3Dcontact"

    html = member_client.get(url).content.decode()
    assert '<a class="btn btn-ghost" href="/duplicates/?entity=contact">Cancel</a>' in html

    response = member_client.post(url, {"survivor": "a"})
    assert response.status_code == 302
    assert response["Location"] == "/duplicates/?entity=contact"
    assert fresh(annie) is None


@pytest.mark.parametrize("away", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_a_next_leading_off_the_site_is_ignored(member_client, ann, annie, away):
    url = f"/merge/contacts/{ann.pk}/{annie.pk}/?next={away}"

    html = member_client.get(url).content.decode()
    assert f'<a class="btn btn-ghost" href="/contacts/{ann.pk}/">Cancel</a>' in html

    response = member_client.post(url, {"survivor": "a"})
    assert response["Location"] == f"/contacts/{ann.pk}/"


def test_the_survivors_page_shows_the_merge_with_an_undo_button(
    member_client, workspace, member, ann, annie
):
    record = _merged(workspace, member, ann, annie)

    page = member_client.get(f"/contacts/{ann.pk}/").content.decode()

    assert "merged <strong>Annie Lee</strong>" in page
    assert f'action="/merge/{record.pk}/undo/"' in page
    assert "Met Annie at the fair" in page


def test_the_merge_shows_as_one_entry_while_the_audit_log_keeps_everything(
    member_client, workspace, member, ann, annie
):
    with workspace_scope(workspace):
        merge_contacts(
            workspace=workspace,
            actor=member,
            survivor=ann,
            other=annie,
            choices={"source": "other"},
        )

    page = member_client.get(f"/contacts/{ann.pk}/").content.decode()

    assert "merged <strong>Annie Lee</strong>" in page
    assert "(deleted)" not in page
    assert "merged contact" not in page.lower()
    assert "changed 2 fields" in page  # the emails and the source, not the merge itself
    with workspace_scope(workspace):
        entry = AuditEntry.objects.filter(object_id=ann.pk, action="update").get()
    assert entry.changes["merged_contact"] == [None, annie.pk]
    assert entry.changes["source"][1] == "fair"


def test_undo_from_the_page_brings_both_back(member_client, workspace, member, ann, annie):
    record = _merged(workspace, member, ann, annie)

    response = member_client.post(f"/merge/{record.pk}/undo/", follow=True)

    assert response.redirect_chain[-1][0] == f"/contacts/{ann.pk}/"
    assert "is back" in response.content.decode()
    assert fresh(annie).first_name == "Annie"
    with workspace_scope(workspace):
        assert Contact.objects.get(pk=annie.pk).activities.get().subject.startswith("Met Annie")
    again = member_client.post(f"/merge/{record.pk}/undo/", follow=True)
    assert "undone already" in again.content.decode()


def test_the_merge_message_links_to_an_undo_that_asks_first(member_client, workspace, ann, annie):
    response = member_client.post(
        f"/merge/contacts/{ann.pk}/{annie.pk}/", {"survivor": "a"}, follow=True
    )
    with workspace_scope(workspace):
        record = MergeRecord.objects.get()
    assert f'Merged Annie Lee into Ann Lee. <a href="/merge/{record.pk}/undo/">' in (
        response.content.decode()
    )

    asked = member_client.get(f"/merge/{record.pk}/undo/").content.decode()

    assert "Undo the merge of Annie Lee?" in asked
    assert fresh(annie) is None  # asking changes nothing
    member_client.post(f"/merge/{record.pk}/undo/")
    assert "already undone" in member_client.get(f"/merge/{record.pk}/undo/").content.decode()


def test_the_merge_message_names_the_survivor_as_merged(member_client, ann, annie):
    """Annie survives with Ann's first name: the message says what the record is called now."""
    response = member_client.post(
        f"/merge/contacts/{ann.pk}/{annie.pk}/",
        {"survivor": "b", "field.first_name": "a"},
        follow=True,
    )
    assert "Merged Ann Lee into Ann Lee." in response.content.decode()
    assert fresh(annie).first_name == "Ann"


def test_the_detail_page_offers_merge_to_writers_only(member_client, viewer_client, ann):
    assert "Merge with…" in member_client.get(f"/contacts/{ann.pk}/").content.decode()
    assert "Merge with…" not in viewer_client.get(f"/contacts/{ann.pk}/").content.decode()


def test_the_pick_page_finds_the_other_record_by_name(member_client, ann, annie):
    response = member_client.get(f"/merge/contacts/{ann.pk}/", {"q": "lee"})

    html = response.content.decode()
    assert f"/merge/contacts/{ann.pk}/{annie.pk}/" in html
    assert f"/merge/contacts/{ann.pk}/{ann.pk}/" not in html


def test_companies_merge_through_their_own_page(member_client, workspace):
    acme = make_company(workspace, name="Acme")
    inc = make_company(workspace, name="Acme Inc", industry="Rockets")

    response = member_client.post(f"/merge/companies/{acme.pk}/{inc.pk}/", {"survivor": "a"})

    assert response.status_code == 302
    with workspace_scope(workspace):
        assert list(Company.objects.values_list("name", "industry")) == [("Acme", "Rockets")]


def test_a_record_cannot_be_merged_with_itself(member_client, ann):
    assert member_client.get(f"/merge/contacts/{ann.pk}/{ann.pk}/").status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_viewer_cannot_merge(viewer_client, method, ann, annie):
    response = getattr(viewer_client, method)(f"/merge/contacts/{ann.pk}/{annie.pk}/")

    assert response.status_code == 403
    assert fresh(annie) is not None


def test_a_viewer_cannot_undo_or_pick(viewer_client, workspace, owner, ann, annie):
    record = _merged(workspace, owner, ann, annie)

    assert viewer_client.post(f"/merge/{record.pk}/undo/").status_code == 403
    assert viewer_client.get(f"/merge/{record.pk}/undo/").status_code == 403
    assert viewer_client.get(f"/merge/contacts/{ann.pk}/").status_code == 403
    assert fresh(annie) is None


def test_another_workspaces_records_are_not_found(outsider_client, workspace, owner, ann, annie):
    record = _merged(workspace, owner, ann, make_contact(workspace, first_name="Zed"))

    for response in (
        outsider_client.get(f"/merge/contacts/{ann.pk}/{annie.pk}/"),
        outsider_client.post(f"/merge/contacts/{ann.pk}/{annie.pk}/", {"survivor": "a"}),
        outsider_client.get(f"/merge/contacts/{ann.pk}/"),
        outsider_client.post(f"/merge/{record.pk}/undo/"),
        outsider_client.get(f"/merge/{record.pk}/undo/"),
    ):
        assert response.status_code == 404
    assert fresh(annie) is not None
    record.refresh_from_db()
    assert record.undone_at is None


def test_one_record_of_another_workspace_is_not_found_either(member_client, ann, theirs):
    response = member_client.post(f"/merge/contacts/{ann.pk}/{theirs.pk}/", {"survivor": "a"})

    assert response.status_code == 404
    assert fresh(theirs) is not None
