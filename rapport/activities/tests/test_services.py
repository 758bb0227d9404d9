import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rapport.activities.models import Activity
from rapport.activities.queries import open_tasks
from rapport.activities.services import activity_create, activity_update, task_set_done
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.core.timeline import timeline_for


def _open(user):
    return open_tasks(assignee_id=user.pk, group="", now=timezone.now()).items


@pytest.fixture
def ann(scoped, owner):
    return make_contact(scoped, owner)


def test_a_call_keeps_direction_duration_and_outcome(scoped, owner, ann):
    call = activity_create(
        workspace=scoped,
        actor=owner,
        data={
            "kind": "call",
            "direction": "outbound",
            "duration_seconds": 300,
            "outcome": "connected",
            "contact_ids": [ann.pk],
        },
    )
    assert (call.direction, call.duration_seconds, call.outcome) == ("outbound", 300, "connected")
    assert list(call.contacts.all()) == [ann]
    assert call.author == owner


def test_fields_of_another_kind_are_refused(scoped, owner, ann):
    with pytest.raises(ServiceValidationError) as exc:
        activity_create(
            workspace=scoped,
            actor=owner,
            data={
                "kind": "note",
                "body": "x",
                "duration_seconds": 10,
                "due_at": "2026-01-01T00:00:00Z",
                "contact_ids": [ann.pk],
            },
        )
    assert set(exc.value.as_dict()) == {"duration_seconds", "due_at"}


def test_a_meeting_cannot_end_before_it_starts(scoped, owner, ann):
    with pytest.raises(ServiceValidationError) as exc:
        activity_create(
            workspace=scoped,
            actor=owner,
            data={
                "kind": "meeting",
                "starts_at": "2026-03-01T10:00:00+00:00",
                "ends_at": "2026-03-01T09:00:00+00:00",
                "contact_ids": [ann.pk],
            },
        )
    assert "ends_at" in exc.value.as_dict()
    assert not Activity.objects.exists()


def test_times_are_stored_in_utc(scoped, owner, ann):
    meeting = activity_create(
        workspace=scoped,
        actor=owner,
        data={
            "kind": "meeting",
            "starts_at": "2026-03-01T10:00:00+02:00",
            "contact_ids": [ann.pk],
        },
    )
    assert meeting.starts_at == dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    assert meeting.occurred_at == meeting.starts_at


def test_an_activity_must_link_to_a_record_of_this_workspace(
    scoped, owner, other_workspace, outsider
):
    theirs = make_contact(other_workspace, outsider)
    with pytest.raises(ServiceValidationError) as exc:
        activity_create(
            workspace=scoped,
            actor=owner,
            data={
                "kind": "note",
                "body": "x",
                "contact_ids": [theirs.pk],
            },
        )
    assert "contact_ids" in exc.value.as_dict()
    with pytest.raises(ServiceValidationError) as exc:
        activity_create(workspace=scoped, actor=owner, data={"kind": "note", "body": "x"})
    assert "contact_ids" in exc.value.as_dict()


def test_a_task_is_assigned_to_its_creator_by_default_and_can_be_done(scoped, owner, ann, member):
    task = activity_create(
        workspace=scoped,
        actor=owner,
        data={
            "kind": "task",
            "subject": "Send quote",
            "due_at": "2026-12-01T09:00:00Z",
            "contact_ids": [ann.pk],
        },
    )
    assert task.assignee == owner
    assert _open(owner) == [task]
    task_set_done(workspace=scoped, actor=owner, activity=task, done=True)
    assert task.done_at is not None
    assert _open(owner) == []
    entry = AuditEntry.objects.filter(entity="activities.activity", action="update").get()
    assert entry.changes["done_at"][0] is None


def test_open_tasks_are_ordered_by_due_date_with_undated_last(scoped, owner, ann):
    later = make_activity(
        scoped, owner, kind="task", subject="b", due_at="2026-12-05T00:00:00Z", contact_ids=[ann.pk]
    )
    undated = make_activity(scoped, owner, kind="task", subject="c", contact_ids=[ann.pk])
    sooner = make_activity(
        scoped, owner, kind="task", subject="a", due_at="2026-12-01T00:00:00Z", contact_ids=[ann.pk]
    )
    assert _open(owner) == [sooner, later, undated]


def test_the_kind_cannot_change(scoped, owner, ann):
    note = make_activity(scoped, owner, contact_ids=[ann.pk])
    with pytest.raises(ServiceValidationError):
        activity_update(workspace=scoped, actor=owner, activity=note, data={"kind": "call"})


def test_links_to_companies_and_their_audit(scoped, owner, ann):
    acme = make_company(scoped, owner, name="Acme")
    note = make_activity(scoped, owner, contact_ids=[ann.pk], company_ids=[acme.pk])
    entry = AuditEntry.objects.get(entity="activities.activity", object_id=note.pk)
    assert entry.changes["companies"] == [None, [acme.pk]]
    assert entry.changes["contacts"] == [None, [ann.pk]]


def test_a_call_must_say_something_and_an_update_cannot_empty_it(scoped, owner, ann):
    with pytest.raises(ServiceValidationError) as refused:
        activity_create(
            workspace=scoped,
            actor=owner,
            data={"kind": "call", "direction": "inbound", "contact_ids": [ann.pk]},
        )
    assert refused.value.as_dict() == {"outcome": ["a call needs an outcome, a duration or notes"]}
    assert not Activity.objects.exists()
    call = activity_create(
        workspace=scoped, actor=owner, data={"kind": "call", "body": "hi", "contact_ids": [ann.pk]}
    )
    with pytest.raises(ServiceValidationError):
        activity_update(workspace=scoped, actor=owner, activity=call, data={"body": ""})
    activity_update(workspace=scoped, actor=owner, activity=call, data={"direction": "inbound"})


def test_bulk_create_writes_the_good_items_with_links_and_audit_and_reports_the_bad(
    scoped, owner, ann, django_assert_max_num_queries
):
    from rapport.activities.services import activity_bulk_create

    items: list[dict[str, Any]] = [
        {"kind": "note", "body": f"n{i}", "contact_ids": [ann.pk]} for i in range(30)
    ]
    items += [
        {"kind": "note", "body": "orphan", "contact_ids": [999_999]},
        {"kind": "call", "duration_seconds": -1, "contact_ids": [ann.pk]},
    ]
    with django_assert_max_num_queries(16):
        results = activity_bulk_create(workspace=scoped, actor=owner, items=items)
    assert all(isinstance(r, Activity) for r in results[:30])
    bad = [r for r in results[30:] if isinstance(r, ServiceValidationError)]
    assert [list(r.as_dict()) for r in bad] == [["contact_ids"], ["duration_seconds"]]
    assert Activity.objects.count() == 30
    assert ann.activities.count() == 30
    entries = AuditEntry.objects.filter(entity="activities.activity")
    assert entries.count() == 30
    assert entries[0].changes["contacts"] == [None, [ann.pk]]


def test_an_assignee_outside_the_workspace_is_named_as_assignee(scoped, owner, ann, outsider):
    with pytest.raises(ServiceValidationError) as exc:
        activity_create(
            workspace=scoped,
            actor=owner,
            data={
                "kind": "task",
                "subject": "s",
                "assignee_id": outsider.pk,
                "contact_ids": [ann.pk],
            },
        )
    assert exc.value.as_dict() == {"assignee_id": ["is not a member of this workspace"]}


def _meeting(workspace, owner, **data):
    data = {"kind": "meeting", "starts_at": "2026-03-01T10:00:00+00:00", **data}
    return activity_create(workspace=workspace, actor=owner, data=data)


def test_a_meeting_is_linked_to_the_contacts_its_attendees_emails_belong_to(
    scoped, owner, ann, other_workspace, outsider
):
    bob = make_contact(scoped, owner, first_name="Bob", emails=["bob@x.example"])
    make_contact(other_workspace, outsider, first_name="Eve", emails=["eve@globex.example"])
    attendees = [" Bob@X.example", "Carol", "eve@globex.example"]
    meeting = _meeting(scoped, owner, attendees=attendees, contact_ids=[ann.pk])
    assert sorted(c.pk for c in meeting.contacts.all()) == sorted([ann.pk, bob.pk])
    assert meeting.attendees == ["Bob@X.example", "Carol", "eve@globex.example"]
    entry = AuditEntry.objects.get(entity="activities.activity", object_id=meeting.pk)
    assert entry.changes["contacts"] == [None, sorted([ann.pk, bob.pk])]
    assert [i.obj for i in timeline_for(bob).items if i.kind == "activity"] == [meeting]
    # Attendees alone link it; another workspace's email links nothing.
    assert list(_meeting(scoped, owner, attendees=["bob@x.example"]).contacts.all()) == [bob]
    with pytest.raises(ServiceValidationError) as exc:
        _meeting(scoped, owner, attendees=["eve@globex.example"])
    assert exc.value.as_dict().keys() == {"contact_ids"}


def test_an_attendee_added_on_edit_links_the_meeting_and_removing_it_unlinks(scoped, owner, ann):
    bob = make_contact(scoped, owner, first_name="Bob", emails=["bob@x.example"])
    meeting = _meeting(scoped, owner, attendees=["Carol"], contact_ids=[ann.pk])
    activity_update(
        workspace=scoped, actor=owner, activity=meeting, data={"attendees": ["bob@x.example"]}
    )
    assert sorted(c.pk for c in meeting.contacts.all()) == sorted([ann.pk, bob.pk])
    activity_update(workspace=scoped, actor=owner, activity=meeting, data={"attendees": ["Carol"]})
    assert list(meeting.contacts.all()) == [ann]
    entries = AuditEntry.objects.filter(object_id=meeting.pk, action="update").order_by("id")
    assert [e.changes["contacts"] for e in entries] == [
        [[ann.pk], sorted([ann.pk, bob.pk])],
        [sorted([ann.pk, bob.pk]), [ann.pk]],
    ]
    assert [i.obj for i in timeline_for(bob).items if i.kind == "activity"] == []


def test_a_chosen_contact_stays_linked_when_its_email_leaves_the_attendees(scoped, owner):
    ann = make_contact(scoped, owner, emails=["ann@x.example"])
    make_contact(scoped, owner, first_name="Bob", emails=["bob@x.example"])
    meeting = _meeting(
        scoped, owner, attendees=["ann@x.example", "bob@x.example"], contact_ids=[ann.pk]
    )
    activity_update(workspace=scoped, actor=owner, activity=meeting, data={"attendees": []})
    assert list(meeting.contacts.all()) == [ann]


def _kinds(meeting):
    return dict(meeting.contact_links.values_list("contact_id", "via_attendee"))


def test_contacts_given_back_as_read_keep_each_links_kind(scoped, owner, ann):
    bob = make_contact(scoped, owner, first_name="Bob", emails=["bob@x.example"])
    cat = make_contact(scoped, owner, first_name="Cat")
    dan = make_contact(scoped, owner, first_name="Dan")
    meeting = _meeting(scoped, owner, attendees=["bob@x.example"], contact_ids=[ann.pk, dan.pk])
    # What a client reads (every link), sent back with cat added and dan taken out.
    read = sorted(c.pk for c in meeting.contacts.all())
    given = [*(i for i in read if i != dan.pk), cat.pk]
    activity_update(workspace=scoped, actor=owner, activity=meeting, data={"contact_ids": given})
    assert _kinds(meeting) == {ann.pk: False, bob.pk: True, cat.pk: False}
    # bob is still an attendee's link: dropping the attendee (contacts given back) drops him.
    data = {"attendees": [], "contact_ids": given}
    activity_update(workspace=scoped, actor=owner, activity=meeting, data=data)
    assert _kinds(meeting) == {ann.pk: False, cat.pk: False}


def test_leaving_out_a_contact_an_attendee_links_is_refused_by_name(scoped, owner):
    ann = make_contact(scoped, owner, emails=["ann@x.example"])
    bob = make_contact(scoped, owner, first_name="Bob", emails=["bob@x.example"])
    attendees = ["ann@x.example", "bob@x.example"]
    meeting = _meeting(scoped, owner, attendees=attendees, contact_ids=[ann.pk])
    for given, held in (([ann.pk], bob), ([bob.pk], ann)):
        with pytest.raises(ServiceValidationError) as exc:
            data = {"contact_ids": given}
            activity_update(workspace=scoped, actor=owner, activity=meeting, data=data)
        assert exc.value.as_dict() == {
            "contact_ids": [
                f"cannot leave out {held.pk}: an attendee is their email "
                "(remove the attendee to unlink them)"
            ]
        }
    assert _kinds(meeting) == {ann.pk: False, bob.pk: True}
    # Taking out the attendee in the same write unlinks him.
    kept = {"attendees": ["ann@x.example"], "contact_ids": [ann.pk]}
    activity_update(workspace=scoped, actor=owner, activity=meeting, data=kept)
    assert _kinds(meeting) == {ann.pk: False}


def test_dropping_the_attendees_a_meeting_is_only_linked_through_is_refused(scoped, owner):
    make_contact(scoped, owner, first_name="Bob", emails=["bob@x.example"])
    meeting = _meeting(scoped, owner, attendees=["bob@x.example"])
    with pytest.raises(ServiceValidationError) as exc:
        activity_update(workspace=scoped, actor=owner, activity=meeting, data={"attendees": []})
    assert exc.value.as_dict().keys() == {"attendees"}
    assert meeting.contacts.count() == 1
