"""Contacts given an email join the meetings that list it as an attendee, and contacts losing
it leave them (`activities.attendees.attendee_links_for_contacts`, run after a contact's change
commits, audited as the change's actor); a merge keeps a shared meeting's link chosen if
either contact's was."""

import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile

from rapport.activities.attendees import attendee_links_for_contacts
from rapport.activities.models import ActivityContact, AttendeeEmail
from rapport.activities.services import activity_update
from rapport.api.testing import ApiClient
from rapport.audit.models import AuditEntry
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.data.services import import_create, import_process, import_start
from rapport.merge.services import merge_contacts, merge_undo
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


def _meeting(workspace, owner, attendees, **links):
    return make_activity(
        workspace,
        owner,
        kind="meeting",
        starts_at="2030-01-01T09:00:00Z",
        attendees=attendees,
        **links,
    )


def test_a_contact_created_later_joins_the_meetings_listing_its_email(
    scoped, owner, other_workspace, django_capture_on_commit_callbacks
):
    initech = make_company(scoped, owner)
    meeting = _meeting(scoped, owner, ["Carol", "Bob@X.example"], company_ids=[initech.pk])
    theirs = _meeting(
        other_workspace, None, ["bob@x.example"], company_ids=[make_company(other_workspace).pk]
    )
    with django_capture_on_commit_callbacks(execute=True):
        bob = make_contact(scoped, owner, first_name="Bob", emails=["bob@x.example"])
    assert list(meeting.contacts.all()) == [bob]
    with workspace_scope(other_workspace):
        assert list(theirs.contacts.all()) == []
    entry = AuditEntry.objects.get(
        entity="activities.activity", object_id=meeting.pk, action="update"
    )
    assert entry.changes == {"contacts": [[], [bob.pk]]}
    # The link came from the attendee: dropping the attendee drops it.
    activity_update(workspace=scoped, actor=owner, activity=meeting, data={"attendees": ["Carol"]})
    assert list(meeting.contacts.all()) == []


def test_a_contact_given_the_email_later_joins_and_a_chosen_link_stays_as_it_was(
    scoped, owner, django_capture_on_commit_callbacks
):
    ann = make_contact(scoped, owner)
    chosen = _meeting(scoped, owner, ["ann@x.example"], contact_ids=[ann.pk])
    listed = _meeting(scoped, owner, ["ann@x.example"], contact_ids=[make_contact(scoped).pk])
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(
            workspace=scoped, actor=owner, contact=ann, data={"emails": ["ann@x.example"]}
        )
    assert ann in listed.contacts.all()
    assert not ActivityContact.objects.get(activity=chosen, contact=ann).via_attendee
    assert not AuditEntry.objects.filter(
        entity="activities.activity", object_id=chosen.pk, action="update"
    ).exists()


def test_a_contact_costs_one_query_when_no_meeting_lists_an_email_and_three_when_none_its(
    scoped, owner, django_assert_num_queries
):
    ann = make_contact(scoped, owner, emails=["ann@x.example"])
    _meeting(scoped, owner, ["Carol"], company_ids=[make_company(scoped).pk])
    with django_assert_num_queries(1):
        attendee_links_for_contacts(workspace=scoped, contact_ids=[ann.pk])
    _meeting(scoped, owner, ["carol@x.example"], company_ids=[make_company(scoped).pk])
    with django_assert_num_queries(3):
        attendee_links_for_contacts(workspace=scoped, contact_ids=[ann.pk])


def _kinds(meeting):
    return dict(meeting.contact_links.values_list("contact_id", "via_attendee"))


def _meeting_entries(meeting):
    entries = AuditEntry.objects.filter(
        entity="activities.activity", object_id=meeting.pk, action="update"
    )
    return list(entries.order_by("id").values_list("actor_id", "changes"))


def test_a_contact_whose_email_changes_leaves_and_joins_meetings_by_its_editor(
    scoped, owner, member, django_capture_on_commit_callbacks
):
    acme = make_company(scoped, owner)
    ann = make_contact(scoped, owner, emails=["ann@old.example", "ann@home.example"])
    old = _meeting(scoped, owner, ["ann@old.example"], company_ids=[acme.pk])
    home = _meeting(scoped, owner, ["ann@home.example"], company_ids=[acme.pk])
    new = _meeting(scoped, owner, ["ANN@new.example"], company_ids=[acme.pk])
    assert (_kinds(old), _kinds(home), _kinds(new)) == ({ann.pk: True}, {ann.pk: True}, {})
    with django_capture_on_commit_callbacks(execute=True):
        data = {"emails": ["ann@new.example", "ann@home.example"]}
        contact_update(workspace=scoped, actor=member, contact=ann, data=data)
    assert (_kinds(old), _kinds(home), _kinds(new)) == ({}, {ann.pk: True}, {ann.pk: True})
    assert _meeting_entries(old) == [(member.pk, {"contacts": [[ann.pk], []]})]
    assert _meeting_entries(new) == [(member.pk, {"contacts": [[], [ann.pk]]})]
    assert _meeting_entries(home) == []


def test_a_chosen_link_stays_when_the_contacts_email_goes(
    scoped, owner, django_capture_on_commit_callbacks
):
    ann = make_contact(scoped, owner, emails=["ann@old.example"])
    meeting = _meeting(scoped, owner, ["ann@old.example"], contact_ids=[ann.pk])
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(workspace=scoped, actor=owner, contact=ann, data={"emails": []})
    assert _kinds(meeting) == {ann.pk: False}


def test_a_meetings_last_link_stays_when_its_contacts_email_goes(
    scoped, owner, django_capture_on_commit_callbacks
):
    ann = make_contact(scoped, owner, emails=["ann@old.example"])
    bob = make_contact(scoped, owner, emails=["bob@old.example"])
    alone = _meeting(scoped, owner, ["ann@old.example"])
    shared = _meeting(scoped, owner, ["ann@old.example", "bob@old.example"])
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(workspace=scoped, actor=owner, contact=ann, data={"emails": []})
    # Dropped, the link would have taken the meeting off every timeline.
    assert (_kinds(alone), _kinds(shared)) == ({ann.pk: True}, {bob.pk: True})
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(workspace=scoped, actor=owner, contact=bob, data={"emails": []})
    assert _kinds(shared) == {bob.pk: True}


def test_an_email_edited_on_the_contacts_page_moves_its_links_by_the_user(
    owner_client, owner, workspace, django_capture_on_commit_callbacks
):
    ann = make_contact(workspace, owner, emails=["ann@old.example"])
    acme = make_company(workspace, owner)
    old = _meeting(workspace, owner, ["ann@old.example"], company_ids=[acme.pk])
    new = _meeting(workspace, owner, ["ann@new.example"], company_ids=[acme.pk])
    with django_capture_on_commit_callbacks(execute=True):
        url = f"/contacts/{ann.pk}/fields/emails/"
        owner_client.post(url, {"emails": "ann@new.example"})
    with workspace_scope(workspace):
        assert (_kinds(old), _kinds(new)) == ({}, {ann.pk: True})
        assert _meeting_entries(new) == [(owner.pk, {"contacts": [[], [ann.pk]]})]


def test_an_email_patched_through_the_api_moves_its_links_by_the_tokens_user(
    member, workspace, owner, django_capture_on_commit_callbacks
):
    ann = make_contact(workspace, owner, emails=["ann@old.example"])
    acme = make_company(workspace, owner)
    old = _meeting(workspace, owner, ["ann@old.example"], company_ids=[acme.pk])
    new = _meeting(workspace, owner, ["ann@new.example"], company_ids=[acme.pk])
    api = ApiClient.with_token(member, workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"/contacts/{ann.pk}", {"emails": ["ann@new.example"]})
    assert response.status_code == 200
    with workspace_scope(workspace):
        assert (_kinds(old), _kinds(new)) == ({}, {ann.pk: True})
        assert _meeting_entries(old) == [(member.pk, {"contacts": [[ann.pk], []]})]


@pytest.mark.parametrize("bulk", [True, False])
def test_imported_contacts_join_meetings_by_the_imports_user(
    workspace, owner, member, bulk, django_capture_on_commit_callbacks
):
    acme = make_company(workspace, owner)
    ann = make_contact(workspace, owner, external_id="A1", emails=["ann@x.example"])
    for_ann = _meeting(workspace, owner, ["ann@work.example"], company_ids=[acme.pk])
    for_bob = _meeting(workspace, owner, ["bob@x.example"], company_ids=[acme.pk])
    content = "External ID,First Name,Email\nA1,Ann,ann@work.example\nB1,Bob,bob@x.example\n"
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        file = ContentFile(content.encode(), name="people.csv")
        batch = import_create(workspace=workspace, actor=member, entity="contacts", file=file)
        import_start(workspace=workspace, actor=member, batch=batch, mode="update", enqueue=False)
        import_process(workspace=workspace, batch_id=batch.pk, bulk=bulk)
    with workspace_scope(workspace):
        ann.refresh_from_db()
        bob = ann.__class__.objects.get(external_id="B1")
        assert (_kinds(for_ann), _kinds(for_bob)) == ({ann.pk: True}, {bob.pk: True})
        assert _meeting_entries(for_ann) == [(member.pk, {"contacts": [[], [ann.pk]]})]
        assert _meeting_entries(for_bob) == [(member.pk, {"contacts": [[], [bob.pk]]})]


@pytest.mark.parametrize("chosen_by", ["survivor", "other"])
def test_a_merge_keeps_a_shared_meetings_link_chosen_if_either_was_and_undo_restores_both(
    scoped, owner, chosen_by, django_capture_on_commit_callbacks
):
    ann = make_contact(scoped, owner, emails=["ann@x.example"])
    annie = make_contact(scoped, owner, first_name="Annie", emails=["annie@x.example"])
    chosen, listed = (ann, annie) if chosen_by == "survivor" else (annie, ann)
    meeting = _meeting(scoped, owner, [listed.email], contact_ids=[chosen.pk])
    before = _kinds(meeting)
    assert before == {chosen.pk: False, listed.pk: True}
    with django_capture_on_commit_callbacks(execute=True):
        record = merge_contacts(workspace=scoped, actor=owner, survivor=ann, other=annie)
    assert _kinds(meeting) == {ann.pk: False}
    with django_capture_on_commit_callbacks(execute=True):
        merge_undo(workspace=scoped, actor=owner, record=record)
    assert _kinds(meeting) == before


def test_the_migration_stores_the_stored_meetings_attendee_emails(scoped, owner):
    meeting = _meeting(
        scoped, owner, ["Carol", "Bob@X.example"], company_ids=[make_company(scoped).pk]
    )
    AttendeeEmail.objects.all().delete()
    migration = importlib.import_module("rapport.activities.migrations.0003_attendee_links")
    migration.attendee_emails_fill(apps, None)
    assert list(AttendeeEmail.objects.values_list("activity", "email")) == [
        (meeting.pk, "bob@x.example")
    ]


pytestmark = pytest.mark.django_db
