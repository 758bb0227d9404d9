"""Activities through `/api/v1/activities`."""

import datetime as dt

import pytest

from rapport.activities.models import Activity
from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def api(workspace, owner):
    return ApiClient.with_token(owner, workspace)


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann")


def test_it_logs_a_call_on_a_contact(api, ann):
    response = api.post(
        "/activities",
        {
            "kind": "call",
            "subject": "Intro",
            "direction": "outbound",
            "duration_seconds": 300,
            "outcome": "connected",
            "occurred_at": "2024-05-01T10:00:00+02:00",
            "contact_ids": [ann.pk],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["duration_seconds"], body["outcome"]) == ("call", 300, "connected")
    assert body["occurred_at"].startswith("2024-05-01T08:00:00")
    assert body["contact_ids"] == [ann.pk]


def test_it_schedules_a_meeting_and_checks_its_times(api, ann):
    good = api.post(
        "/activities",
        {
            "kind": "meeting",
            "subject": "Demo",
            "starts_at": "2030-01-01T09:00:00Z",
            "ends_at": "2030-01-01T10:00:00Z",
            "attendees": ["ann@example.com"],
            "contact_ids": [ann.pk],
        },
    )
    bad = api.post(
        "/activities",
        {
            "kind": "meeting",
            "starts_at": "2030-01-01T09:00:00Z",
            "ends_at": "2030-01-01T08:00:00Z",
            "contact_ids": [ann.pk],
        },
    )

    assert good.status_code == 201
    assert good.json()["attendees"] == ["ann@example.com"]
    assert set(problem_fields(bad)) == {"ends_at"}


def test_fields_of_another_kind_are_refused_by_name(api, ann):
    response = api.post(
        "/activities",
        {
            "kind": "note",
            "body": "hi",
            "duration_seconds": 60,
            "due_at": "2030-01-01T00:00:00Z",
            "contact_ids": [ann.pk],
        },
    )

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"duration_seconds", "due_at"}
    with workspace_scope(ann.workspace):
        assert not Activity.objects.exists()


def test_an_activity_must_link_to_a_record(api):
    response = api.post("/activities", {"kind": "note", "body": "orphan"})

    assert set(problem_fields(response)) == {"contact_ids"}


def test_an_unknown_kind_is_refused(api, ann):
    response = api.post("/activities", {"kind": "fax", "contact_ids": [ann.pk]})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"kind"}


def test_a_task_is_marked_done_and_reopened(api, owner, ann):
    task = api.post(
        "/activities", {"kind": "task", "subject": "Send quote", "contact_ids": [ann.pk]}
    ).json()
    assert task["assignee_id"] == owner.pk
    assert task["done"] is False

    done = api.patch(f"/activities/{task['id']}", {"done": True}).json()
    reopened = api.patch(f"/activities/{task['id']}", {"done": False}).json()

    assert done["done"] is True
    assert done["done_at"] is not None
    assert reopened["done"] is False
    kind_change = api.patch(f"/activities/{task['id']}", {"kind": "note"})
    assert set(problem_fields(kind_change)) == {"kind"}


@pytest.mark.parametrize(
    "kind, created, patch, field",
    [
        ("note", {"body": "hello"}, {"contact_ids": []}, "contact_ids"),
        ("note", {"body": "hello"}, {"contact_ids": None, "company_ids": []}, "contact_ids"),
        ("note", {"body": "hello"}, {"body": "  "}, "body"),
        ("task", {"subject": "Call back"}, {"subject": None}, "subject"),
        (
            "meeting",
            {"subject": "Demo", "starts_at": "2030-01-01T09:00:00Z"},
            {"starts_at": None},
            "starts_at",
        ),
    ],
)
def test_an_update_cannot_undo_what_a_create_requires(api, ann, kind, created, patch, field):
    """A PATCH is held to the create's rules for the fields it sends: no unlinked activity
    (on no timeline), no meeting without a start, no empty task or note."""
    activity = api.post("/activities", {"kind": kind, **created, "contact_ids": [ann.pk]}).json()

    response = api.patch(f"/activities/{activity['id']}", patch)

    assert response.status_code == 422
    assert set(problem_fields(response)) == {field}
    assert api.get(f"/activities/{activity['id']}").json() == activity


def test_an_update_may_move_an_activity_to_other_records(api, workspace, ann):
    initech = make_company(workspace, name="Initech")
    note = api.post("/activities", {"kind": "note", "body": "hi", "contact_ids": [ann.pk]}).json()

    moved = api.patch(f"/activities/{note['id']}", {"contact_ids": [], "company_ids": [initech.pk]})
    kept = api.patch(f"/activities/{note['id']}", {"contact_ids": []})

    assert (moved.status_code, kept.status_code) == (200, 200)
    assert (kept.json()["contact_ids"], kept.json()["company_ids"]) == ([], [initech.pk])


def test_activity_writes_are_audited_as_api_writes(api, workspace, owner, ann):
    note = api.post("/activities", {"kind": "note", "body": "hello", "contact_ids": [ann.pk]})
    api.patch(f"/activities/{note.json()['id']}", {"body": "hello again"})
    api.delete(f"/activities/{note.json()['id']}")

    with workspace_scope(workspace):
        entries = list(AuditEntry.objects.filter(entity="activities.activity").order_by("id"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert {(e.source, e.actor_id) for e in entries} == {("api", owner.pk)}
    assert entries[0].changes["contacts"] == [None, [ann.pk]]
    assert entries[1].changes == {"body": ["hello", "hello again"]}


def test_it_lists_newest_first_with_filters(api, workspace, owner, ann):
    initech = make_company(workspace, name="Initech")
    day = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    make_activity(workspace, body="old", occurred_at=day, contact_ids=[ann.pk])
    make_activity(
        workspace, body="new", occurred_at=day + dt.timedelta(days=2), company_ids=[initech.pk]
    )
    make_activity(
        workspace,
        owner,
        kind="task",
        subject="todo",
        contact_ids=[ann.pk],
        occurred_at=day + dt.timedelta(days=1),
    )

    def bodies(**params):
        response = api.get("/activities", params)
        assert response.status_code == 200, response.content
        return [a["body"] or a["subject"] for a in response.json()["items"]]

    assert bodies() == ["new", "todo", "old"]
    assert bodies(contact_id=ann.pk) == ["todo", "old"]
    assert bodies(company_id=initech.pk) == ["new"]
    assert bodies(kind="task") == ["todo"]
    assert bodies(open_only=True, assignee_id=owner.pk) == ["todo"]
    assert bodies(occurred_after="2024-05-02T12:00:00Z") == ["new"]
    assert bodies(occurred_before="2024-05-01T12:00:00") == ["old"]
    assert set(problem_fields(api.get("/activities", {"kind": "fax"}))) == {"kind"}


def test_it_pages_through_activities_without_repeats_under_inserts(api, workspace, ann):
    day = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    originals = [
        make_activity(
            workspace, body=f"n{i}", occurred_at=day + dt.timedelta(hours=i), contact_ids=[ann.pk]
        ).pk
        for i in range(7)
    ]
    first = api.get("/activities", {"limit": 3}).json()
    make_activity(workspace, body="newest", contact_ids=[ann.pk])
    make_activity(
        workspace,
        body="middle",
        occurred_at=day + dt.timedelta(hours=3, minutes=30),
        contact_ids=[ann.pk],
    )
    seen = [a["id"] for a in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        body = api.get("/activities", {"limit": 3, "cursor": cursor}).json()
        seen.extend(a["id"] for a in body["items"])
        cursor = body["next_cursor"]

    walked = [pk for pk in seen if pk in originals]
    assert walked == list(reversed(originals))


def test_the_activity_list_costs_the_same_queries_for_3_or_30_rows(
    api, workspace, ann, django_assert_max_num_queries, django_assert_num_queries
):
    initech = make_company(workspace, name="Initech")
    for _ in range(3):
        make_activity(workspace, contact_ids=[ann.pk], company_ids=[initech.pk])
    api.get("/activities")
    with django_assert_max_num_queries(6) as few:
        api.get("/activities", {"limit": 200})
    for _ in range(27):
        make_activity(workspace, contact_ids=[ann.pk], company_ids=[initech.pk])
    with django_assert_num_queries(len(few.captured_queries)):
        response = api.get("/activities", {"limit": 200})
    assert len(response.json()["items"]) == 30


def _deal(workspace, owner, name="Big deal"):
    from rapport.sales.models import Pipeline
    from rapport.sales.services import deal_create
    from rapport.sales.tests.factories import make_pipeline

    with workspace_scope(workspace):
        if not Pipeline.objects.exists():
            make_pipeline(workspace)
        return deal_create(workspace=workspace, actor=owner, data={"name": name})


def test_the_body_takes_one_field_per_registered_link_type():
    from rapport.activities.api import ActivityOut, ActivityWrite
    from rapport.activities.links import link_types

    keys = {lt.key for lt in link_types()}
    assert "deal_ids" in keys
    assert keys <= set(ActivityWrite.model_fields)
    assert keys <= set(ActivityOut.model_fields)


def test_an_activity_links_deals_on_create_update_and_read(api, workspace, owner, ann):
    deal = _deal(workspace, owner)
    other = _deal(workspace, owner, "Small deal")

    made = api.post("/activities", {"kind": "note", "body": "Call back", "deal_ids": [deal.pk]})
    assert made.status_code == 201, made.content
    assert made.json()["deal_ids"] == [deal.pk]

    changed = api.patch(f"/activities/{made.json()['id']}", {"deal_ids": [other.pk, deal.pk]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["deal_ids"] == sorted([deal.pk, other.pk])

    read = api.get(f"/activities/{made.json()['id']}").json()
    listed = api.get("/activities").json()["items"]
    both = sorted([deal.pk, other.pk])
    assert read["deal_ids"] == both
    assert [item["deal_ids"] for item in listed] == [both]
    assert read["contact_ids"] == []


def test_another_workspaces_deal_is_refused_by_name(api, other_workspace, outsider):
    theirs = _deal(other_workspace, outsider)

    response = api.post("/activities", {"kind": "note", "body": "x", "deal_ids": [theirs.pk]})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"deal_ids"}


def test_a_patch_cannot_null_when_it_happened(api, workspace, ann):
    """Null reset the time to now, silently; leaving the field out keeps it."""
    day = dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)
    note = make_activity(workspace, body="met", occurred_at=day, contact_ids=[ann.pk])

    response = api.patch(f"/activities/{note.pk}", {"occurred_at": None})

    assert response.status_code == 422
    assert problem_fields(response)["occurred_at"].startswith("cannot be null")
    note.refresh_from_db()
    assert note.occurred_at == day
    schema = api.get("/openapi.json").json()["components"]["schemas"]
    assert "anyOf" not in schema["ActivityWrite"]["properties"]["occurred_at"]


def test_patching_a_meetings_attendees_links_and_unlinks_their_contacts(
    api, workspace, ann, other_workspace
):
    bob = make_contact(workspace, first_name="Bob", emails=["bob@x.example"])
    make_contact(other_workspace, first_name="Eve", emails=["eve@globex.example"])
    meeting = {"kind": "meeting", "starts_at": "2030-01-01T09:00:00Z", "contact_ids": [ann.pk]}
    pk = api.post("/activities", meeting).json()["id"]
    both = ["bob@x.example", "eve@globex.example"]
    added = api.patch(f"/activities/{pk}", {"attendees": both})
    assert added.json()["contact_ids"] == sorted([ann.pk, bob.pk])
    removed = api.patch(f"/activities/{pk}", {"attendees": ["eve@globex.example"]})
    assert removed.json()["contact_ids"] == [ann.pk]


def _meeting_ann_chose_bob_attends(api, workspace, ann):
    """A meeting created through the API with ann chosen and bob linked as an attendee."""
    bob = make_contact(workspace, first_name="Bob", emails=["bob@x.example"])
    meeting = {
        "kind": "meeting",
        "starts_at": "2030-01-01T09:00:00Z",
        "contact_ids": [ann.pk],
        "attendees": ["bob@x.example"],
    }
    return bob, api.post("/activities", meeting).json()["id"]


def test_sending_back_the_contact_ids_read_keeps_attendee_links_as_such(api, workspace, ann):
    bob, pk = _meeting_ann_chose_bob_attends(api, workspace, ann)
    cat = make_contact(workspace, first_name="Cat")
    read = api.get(f"/activities/{pk}").json()["contact_ids"]
    assert read == sorted([ann.pk, bob.pk])
    api.patch(f"/activities/{pk}", {"contact_ids": [*read, cat.pk]})
    # bob was linked as an attendee, not chosen: dropping the attendee unlinks him.
    dropped = api.patch(f"/activities/{pk}", {"attendees": []})
    assert dropped.json()["contact_ids"] == sorted([ann.pk, cat.pk])


def test_leaving_out_a_contact_an_attendee_links_is_refused_by_name(api, workspace, ann):
    bob, pk = _meeting_ann_chose_bob_attends(api, workspace, ann)
    response = api.patch(f"/activities/{pk}", {"contact_ids": [ann.pk]})
    assert response.status_code == 422
    assert problem_fields(response) == {
        "contact_ids": f"cannot leave out {bob.pk}: an attendee is their email "
        "(remove the attendee to unlink them)"
    }
    assert api.get(f"/activities/{pk}").json()["contact_ids"] == sorted([ann.pk, bob.pk])


def test_a_meeting_tells_which_contacts_its_attendees_link(api, workspace, ann):
    bob, pk = _meeting_ann_chose_bob_attends(api, workspace, ann)

    read = api.get(f"/activities/{pk}").json()
    listed = api.get("/activities", {"kind": "meeting"}).json()["items"]

    assert (read["contact_ids"], read["attendee_contact_ids"]) == (
        sorted([ann.pk, bob.pk]),
        [bob.pk],
    )
    assert [m["attendee_contact_ids"] for m in listed] == [[bob.pk]]
    gone = api.patch(f"/activities/{pk}", {"attendees": []}).json()
    assert (gone["contact_ids"], gone["attendee_contact_ids"]) == ([ann.pk], [])
