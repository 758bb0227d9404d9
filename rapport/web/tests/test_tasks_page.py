"""The tasks page: open tasks in due groups, mine or everyone's, paged, with readable dates."""

import datetime as dt

import pytest

from rapport.activities.queries import open_task_counts, open_tasks
from rapport.activities.templatetags.task_ui import due_label
from rapport.contacts.tests.factories import make_activity, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.sales.services import deal_create
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def _task(workspace, actor, subject, due, **extra):
    contact = make_contact(workspace)
    return make_activity(
        workspace,
        actor,
        kind="task",
        subject=subject,
        due_at=due,
        contact_ids=[contact.pk],
        **extra,
    )


@pytest.fixture
def backlog(workspace, owner, member, other_workspace, outsider):
    _task(workspace, owner, "Late", NOW - dt.timedelta(days=1))
    _task(workspace, owner, "Due now", NOW)
    _task(workspace, owner, "Tonight", dt.datetime(2026, 3, 10, 23, 59, tzinfo=dt.UTC))
    _task(workspace, owner, "Tomorrow", dt.datetime(2026, 3, 11, tzinfo=dt.UTC))
    _task(workspace, owner, "Someday", None)
    _task(workspace, owner, "Finished", NOW - dt.timedelta(days=3), done=True)
    _task(workspace, member, "Colleague late", NOW - dt.timedelta(days=2))
    _task(other_workspace, outsider, "Outsider late", NOW - dt.timedelta(days=2))


def _subjects(workspace, **kwargs):
    with workspace_scope(workspace):
        return [t.subject for t in open_tasks(now=NOW, **kwargs).items]


def test_each_open_task_falls_in_exactly_one_group(workspace, owner, backlog):
    mine = {"assignee_id": owner.pk}
    assert _subjects(workspace, group="overdue", **mine) == ["Late"]
    assert _subjects(workspace, group="today", **mine) == ["Due now", "Tonight"]
    assert _subjects(workspace, group="upcoming", **mine) == ["Tomorrow"]
    assert _subjects(workspace, group="undated", **mine) == ["Someday"]
    assert _subjects(workspace, group="", **mine) == [
        "Late",
        "Due now",
        "Tonight",
        "Tomorrow",
        "Someday",
    ]
    with workspace_scope(workspace):
        counts = open_task_counts(now=NOW, **mine)
    assert counts == {"": 5, "overdue": 1, "today": 2, "upcoming": 1, "undated": 1}


def test_everyones_tasks_stay_inside_the_workspace(workspace, backlog):
    assert _subjects(workspace, group="overdue", assignee_id=None) == ["Colleague late", "Late"]
    with workspace_scope(workspace):
        assert open_task_counts(now=NOW, assignee_id=None)["overdue"] == 2


def test_pages_walk_every_task_once_with_undated_last(workspace, owner, backlog):
    seen, cursor = [], None
    while True:
        with workspace_scope(workspace):
            page = open_tasks(assignee_id=owner.pk, group="", now=NOW, cursor=cursor, limit=2)
        seen += [t.subject for t in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == ["Late", "Due now", "Tonight", "Tomorrow", "Someday"]


def test_an_unknown_group_is_refused_by_name(workspace, owner):
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as error:
        open_tasks(assignee_id=owner.pk, group="soon", now=NOW)
    assert "due" in error.value.as_dict()


def test_the_page_shows_the_group_its_counts_and_whose_tasks(
    owner_client, workspace, owner, member, backlog
):
    content = owner_client.get("/tasks/").content.decode()
    assert "Colleague late" not in content and "Outsider" not in content
    assert 'aria-current="page">All open <span class="chip-count">' in content

    team = owner_client.get("/tasks/", {"who": "all", "due": "overdue"}).content.decode()
    # NOW is in the past of the real clock: every dated task is overdue there, undated ones not.
    assert "Colleague late" in team and "Tomorrow" in team and "Someday" not in team
    assert 'class="task-assignee"' in team
    assert "Outsider" not in team


def test_a_task_on_a_deal_names_and_links_the_deal_also_after_done(owner_client, workspace, owner):
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace, owner)
        deal = deal_create(
            workspace=workspace,
            actor=owner,
            data={"name": "Initech <renewal>", "pipeline_id": pipeline.pk},
        )
    task = _task(workspace, owner, "Send the quote", NOW, deal_ids=[deal.pk])
    link = f'<a href="/deals/{deal.pk}/">Initech &lt;renewal&gt;</a>'

    page = owner_client.get("/tasks/").content.decode()
    row = owner_client.post(
        f"/activities/{task.pk}/done/", {"done": "true", "view": "tasks"}
    ).content.decode()

    assert link in page.split(f'id="task-{task.pk}"')[1].split("</li>")[0]
    assert link in row and "is-done" in row


def test_a_bad_group_in_the_address_is_a_clear_400(owner_client):
    response = owner_client.get("/tasks/", {"due": "soon"})
    assert response.status_code == 400 and b"due: must be empty or one of" in response.content


@pytest.mark.parametrize(
    ("due", "label"),
    [
        (dt.datetime(2026, 3, 10, 8, 5, tzinfo=dt.UTC), "Today, 08:05"),
        (dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC), "Tomorrow, 09:00"),
        (dt.datetime(2026, 3, 9, 17, 30, tzinfo=dt.UTC), "Yesterday, 17:30"),
        (dt.datetime(2026, 7, 4, 14, 0, tzinfo=dt.UTC), "Jul 4, 14:00"),
        (dt.datetime(2025, 12, 6, 19, 9, tzinfo=dt.UTC), "Dec 6, 2025"),
    ],
)
def test_due_dates_read_by_day_name_and_show_the_year_when_it_differs(due, label):
    assert due_label(due, NOW) == label
    assert due_label(None, NOW) == ""
