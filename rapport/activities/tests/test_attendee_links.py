"""Contacts given an email join the meetings that list it as an attendee
(`activities.attendees.attendee_links_for_contacts`, run after a contact's change commits)."""

import importlib

import pytest
from django.apps import apps

from rapport.activities.attendees import attendee_links_for_contacts
from rapport.activities.models import ActivityContact, AttendeeEmail
from rapport.activities.services import activity_update
from rapport.audit.models import AuditEntry
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.tenancy.access import workspace_scope


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


def test_a_contact_no_meeting_lists_costs_one_query(scoped, owner, django_assert_num_queries):
    _meeting(scoped, owner, ["carol@x.example"], company_ids=[make_company(scoped).pk])
    ann = make_contact(scoped, owner, emails=["ann@x.example"])
    with django_assert_num_queries(1):
        attendee_links_for_contacts(workspace=scoped, contact_ids=[ann.pk])


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
