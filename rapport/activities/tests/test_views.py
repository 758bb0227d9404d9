"""Timeline actions from the UI: quick-add, edit, delete, and ticking tasks done."""

import datetime as dt
import re

import pytest

from rapport.activities.models import Activity
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

# The UI fixtures this module uses (shared with the other UI test modules).
member_client = fixtures.member_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


def activities_in(workspace):
    with workspace_scope(workspace):
        return list(Activity.objects.order_by("pk"))


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann")


@pytest.fixture
def task(workspace, owner, ann):
    return make_activity(
        workspace,
        owner,
        kind="task",
        subject="Send the quote",
        contact_ids=[ann.pk],
        assignee_id=owner.pk,
    )


def test_a_quick_note_is_created_and_answered_with_its_timeline_item(owner_client, workspace, ann):
    response = owner_client.post(
        "/activities/new/",
        {
            "kind": "note",
            "contact": ann.pk,
            "note-body": "Wants a demo",
        },
    )
    assert response.status_code == 200
    assert b"Wants a demo" in response.content
    assert b'hx-swap-oob="true"' in response.content  # a fresh, empty form replaces the old one
    [note] = activities_in(workspace)
    with workspace_scope(workspace):
        assert list(note.contacts.all()) == [ann]
        entry = AuditEntry.objects.get(entity="activities.activity", object_id=note.pk)
    assert entry.source == "ui"


def test_a_quick_call_and_task_take_their_own_fields(owner_client, workspace, owner):
    initech = make_company(workspace, name="Initech")
    owner_client.post(
        "/activities/new/",
        {
            "kind": "call",
            "company": initech.pk,
            "call-direction": "outbound",
            "call-outcome": "connected",
            "call-duration_minutes": "15",
        },
    )
    owner_client.post(
        "/activities/new/",
        {
            "kind": "task",
            "company": initech.pk,
            "task-subject": "Follow up",
            "task-due_at": "2030-01-02T09:30",
        },
    )
    call, task = activities_in(workspace)
    assert (call.kind, call.duration_seconds, call.outcome) == ("call", 900, "connected")
    assert (task.kind, task.subject, task.assignee_id) == ("task", "Follow up", owner.pk)
    assert task.due_at.isoformat().startswith("2030-01-02T09:30")


def test_an_empty_note_answers_with_the_form_and_its_error(owner_client, workspace, ann):
    response = owner_client.post(
        "/activities/new/", {"kind": "note", "contact": ann.pk, "note-body": ""}
    )
    assert response["HX-Retarget"] == "#quick-add-note"
    assert b"cannot be empty" in response.content
    assert activities_in(workspace) == []


def test_an_empty_call_is_refused_on_its_outcome_and_nothing_is_saved(owner_client, workspace, ann):
    response = owner_client.post(
        "/activities/new/",
        {"kind": "call", "contact": ann.pk, "call-direction": "outbound", "call-outcome": ""},
    )
    assert response["HX-Retarget"] == "#quick-add-call"
    assert b"a call needs an outcome, a duration or notes" in response.content
    assert activities_in(workspace) == []


def test_an_empty_task_is_refused_in_the_words_of_its_field(owner_client, workspace, ann):
    """The task's subject is labelled "Task" ("What needs doing?"): the error says so too."""
    response = owner_client.post(
        "/activities/new/", {"kind": "task", "contact": ann.pk, "task-subject": ""}
    )
    assert response["HX-Retarget"] == "#quick-add-task"
    assert b"a task must say what needs doing" in response.content
    assert activities_in(workspace) == []


def test_adding_to_another_workspaces_contact_is_not_found(owner_client, other_workspace):
    theirs = make_contact(other_workspace, first_name="Secret")
    response = owner_client.post(
        "/activities/new/",
        {
            "kind": "note",
            "contact": theirs.pk,
            "note-body": "sneaky",
        },
    )
    assert response.status_code == 404
    assert activities_in(other_workspace) == []


def test_a_viewer_cannot_add_tick_edit_or_delete(viewer_client, workspace, ann, task):
    assert (
        viewer_client.post(
            "/activities/new/", {"kind": "note", "contact": ann.pk, "note-body": "x"}
        ).status_code
        == 403
    )
    assert viewer_client.post(f"/activities/{task.pk}/done/", {"done": "true"}).status_code == 403
    assert (
        viewer_client.post(f"/activities/{task.pk}/edit/", {"subject": "changed"}).status_code
        == 403
    )
    assert viewer_client.post(f"/activities/{task.pk}/delete/").status_code == 403
    [unchanged] = activities_in(workspace)
    assert unchanged.done_at is None and unchanged.subject == "Send the quote"


def test_ticking_a_task_done_and_back(owner_client, workspace, task):
    response = owner_client.post(f"/activities/{task.pk}/done/", {"done": "true", "view": "tasks"})
    assert b"is-done" in response.content
    task.refresh_from_db()
    assert task.done_at is not None
    owner_client.post(f"/activities/{task.pk}/done/", {"done": "false"})
    task.refresh_from_db()
    assert task.done_at is None
    with workspace_scope(workspace):
        sources = set(
            AuditEntry.objects.filter(object_id=task.pk, action="update").values_list(
                "source", flat=True
            )
        )
    assert sources == {"ui"}


def test_another_workspaces_task_is_not_found(owner_client, other_workspace, outsider):
    theirs = make_contact(other_workspace, first_name="Secret")
    their_task = make_activity(
        other_workspace, outsider, kind="task", subject="theirs", contact_ids=[theirs.pk]
    )
    for url in ("done", "edit", "delete"):
        assert owner_client.post(f"/activities/{their_task.pk}/{url}/").status_code == 404
    assert owner_client.get(f"/activities/{their_task.pk}/").status_code == 404
    [still] = activities_in(other_workspace)
    assert still.done_at is None


def test_editing_an_activity_in_place(owner_client, workspace, owner, ann):
    note = make_activity(workspace, owner, contact_ids=[ann.pk], body="first draft")
    form = owner_client.get(f"/activities/{note.pk}/edit/")
    assert b"first draft" in form.content and b"<html" not in form.content
    bad = owner_client.post(f"/activities/{note.pk}/edit/", {"body": "x" * 100_001})
    assert b"at most" in bad.content
    response = owner_client.post(f"/activities/{note.pk}/edit/", {"body": "final"})
    assert b"final" in response.content
    note.refresh_from_db()
    assert note.body == "final"


def test_deleting_needs_the_delete_scope(owner_client, member_client, workspace, owner, ann):
    note = make_activity(workspace, owner, contact_ids=[ann.pk])
    assert member_client.post(f"/activities/{note.pk}/delete/").status_code == 403
    assert owner_client.post(f"/activities/{note.pk}/delete/").status_code == 200
    assert activities_in(workspace) == []


def _assignees(html: str) -> list[str]:
    select = re.search(r'<select name="task-assignee".*?</select>', html, re.S)
    assert select
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))


def test_a_new_tasks_assignees_offer_each_person_once(owner_client, member_client, ann):
    """ "Me" is the user; their own name is not offered again, on the page or after an error."""
    page = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    assert _assignees(page) == ["Me", "mia"]
    refused = owner_client.post(
        "/activities/new/", {"kind": "task", "contact": ann.pk, "task-subject": ""}
    )
    assert _assignees(refused.content.decode()) == ["Me", "mia"]
    # Another member sees the owner's name and "Me" for themselves.
    theirs = member_client.get(f"/contacts/{ann.pk}/").content.decode()
    assert _assignees(theirs) == ["Me", "olivia"]


def test_an_edited_tasks_empty_assignee_is_no_one(owner_client, workspace, owner, ann):
    task = make_activity(workspace, owner, kind="task", subject="Call", contact_ids=[ann.pk])
    form = owner_client.get(f"/activities/{task.pk}/edit/").content.decode()
    select = re.search(r'<select name="assignee".*?</select>', form, re.S)
    assert select
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0)) == ["Unassigned", "olivia"]


def test_a_logged_email_takes_its_subject_body_and_direction(owner_client, workspace, ann):
    response = owner_client.post(
        "/activities/new/",
        {
            "kind": "email",
            "contact": ann.pk,
            "email-subject": "Re: the renewal",
            "email-direction": "inbound",
            "email-body": "They accept the offer.",
        },
    )
    assert response.status_code == 200
    assert b"Re: the renewal" in response.content and b"Inbound" in response.content
    [email] = activities_in(workspace)
    assert (email.kind, email.subject, email.direction) == ("email", "Re: the renewal", "inbound")
    assert email.body == "They accept the offer."
    with workspace_scope(workspace):
        assert list(email.contacts.all()) == [ann]
        assert AuditEntry.objects.filter(entity="activities.activity", object_id=email.pk).exists()


def test_a_logged_email_without_a_subject_is_refused_by_name(owner_client, workspace, ann):
    response = owner_client.post(
        "/activities/new/", {"kind": "email", "contact": ann.pk, "email-body": "Hi"}
    )
    assert response["HX-Retarget"] == "#quick-add-email"
    assert re.search(rb'class="field has-error" id="field-email-subject"', response.content)
    assert activities_in(workspace) == []


def test_a_meeting_on_a_company_keeps_its_times_and_attendees(owner_client, workspace, owner):
    initech = make_company(workspace, name="Initech")
    response = owner_client.post(
        "/activities/new/",
        {
            "kind": "meeting",
            "company": initech.pk,
            "meeting-subject": "Quarterly review",
            "meeting-starts_at": "2030-03-04T22:00",
            "meeting-ends_at": "2030-03-05T01:30",
            "meeting-attendees": "Ann O'Hara, bob@initech.example, ",
        },
    )
    assert response.status_code == 200
    [meeting] = activities_in(workspace)
    assert meeting.subject == "Quarterly review"
    assert meeting.attendees == ["Ann O'Hara", "bob@initech.example"]
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(hours=3, minutes=30)
    with workspace_scope(workspace):
        assert list(meeting.companies.all()) == [initech]
    # It ends on the next day: the card shows the end's date as well as its time.
    assert "Mar 4, 2030, 22:00–Mar 5, 2030, 01:30" in response.content.decode()


def test_a_meeting_ending_before_it_starts_is_refused_on_its_end(owner_client, workspace, ann):
    response = owner_client.post(
        "/activities/new/",
        {
            "kind": "meeting",
            "contact": ann.pk,
            "meeting-subject": "Demo",
            "meeting-starts_at": "2030-03-04T10:00",
            "meeting-ends_at": "2030-03-04T09:00",
        },
    )
    assert response["HX-Retarget"] == "#quick-add-meeting"
    content = response.content.decode()
    assert re.search(r'class="field has-error" id="field-meeting-ends_at"', content)
    assert "must not be before the start" in content
    assert not re.search(r'class="field has-error" id="field-meeting-starts_at"', content)
    assert activities_in(workspace) == []


def test_a_meeting_needs_its_start(owner_client, workspace, ann):
    response = owner_client.post(
        "/activities/new/", {"kind": "meeting", "contact": ann.pk, "meeting-subject": "Demo"}
    )
    assert re.search(rb'class="field has-error" id="field-meeting-starts_at"', response.content)
    assert activities_in(workspace) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "email", "email-subject": "Hi"},
        {"kind": "meeting", "meeting-subject": "Demo", "meeting-starts_at": "2030-01-01T10:00"},
    ],
)
def test_emails_and_meetings_are_role_checked_and_workspace_scoped(
    viewer_client, owner_client, workspace, other_workspace, ann, fields
):
    assert viewer_client.post("/activities/new/", {**fields, "contact": ann.pk}).status_code == 403
    theirs = make_contact(other_workspace, first_name="Secret")
    theirs_post = owner_client.post("/activities/new/", {**fields, "contact": theirs.pk})
    assert theirs_post.status_code == 404
    assert activities_in(workspace) == [] and activities_in(other_workspace) == []


def test_the_record_page_offers_every_quick_add_kind_as_tabs(owner_client, ann):
    content = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    tabs = re.findall(r'<button type="button" class="tab" role="tab" id="qa-tab-(\w+)"', content)
    assert tabs == ["note", "call", "email", "meeting", "task"]
    for kind in tabs:
        assert f'aria-controls="qa-panel-{kind}"' in content
        assert f'role="tabpanel" id="qa-panel-{kind}" aria-labelledby="qa-tab-{kind}"' in content
    assert content.count('aria-selected="true"') == 1


@pytest.mark.parametrize("which", ["contacts", "companies"])
def test_load_more_shows_activities_at_one_instant_once_each(owner_client, workspace, which):
    """Following the "Load more" links from the record's page: 30 activities sharing one
    timestamp, over two pages, each shown once."""
    record = make_contact(workspace) if which == "contacts" else make_company(workspace, name="A")
    link = "contact_ids" if which == "contacts" else "company_ids"
    at = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    made = {
        make_activity(workspace, body="x", occurred_at=at, **{link: [record.pk]}).pk
        for _ in range(30)
    }
    html = owner_client.get(f"/{which}/{record.pk}/").content.decode()
    shown, pages = re.findall(r'id="tl-b(\d+)"', html), 1
    while more := re.search(r'id="tl-more"><button class="btn btn-sm" hx-get="([^"]+)"', html):
        html = owner_client.get(more[1].replace("&amp;", "&")).content.decode()
        shown, pages = shown + re.findall(r'id="tl-b(\d+)"', html), pages + 1
    assert pages == 2
    assert sorted(map(int, shown)) == sorted(made)


def test_editing_a_meetings_attendees_links_and_unlinks_their_contacts(
    owner_client, workspace, owner, ann
):
    bob = make_contact(workspace, first_name="Bob", emails=["bob@x.example"])
    meeting = make_activity(
        workspace, owner, kind="meeting", starts_at="2030-03-04T10:00:00Z", contact_ids=[ann.pk]
    )
    edit = {"subject": "Demo", "starts_at": "2030-03-04T10:00"}
    url = f"/activities/{meeting.pk}/edit/"
    owner_client.post(url, {**edit, "attendees": "Carol, Bob@x.example"})
    with workspace_scope(workspace):
        assert sorted(c.pk for c in meeting.contacts.all()) == sorted([ann.pk, bob.pk])
    owner_client.post(url, {**edit, "attendees": "Carol"})
    with workspace_scope(workspace):
        assert list(meeting.contacts.all()) == [ann]


def test_dropping_the_only_linked_attendee_is_refused_on_the_attendees(
    owner_client, workspace, owner
):
    bob = make_contact(workspace, first_name="Bob", emails=["bob@x.example"])
    meeting = make_activity(
        workspace, owner, kind="meeting", starts_at="2030-03-04T10:00:00Z", attendees=[bob.email]
    )
    url = f"/activities/{meeting.pk}/edit/"
    response = owner_client.post(url, {"starts_at": "2030-03-04T10:00", "attendees": "Carol"})
    assert re.search(r'class="field has-error" id="field-attendees"', response.content.decode())
    with workspace_scope(workspace):
        assert list(meeting.contacts.all()) == [bob]
