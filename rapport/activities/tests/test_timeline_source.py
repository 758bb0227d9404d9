"""A record's activities on its timeline (`activities.timeline`, written without the ORM's
compiler) are the ORM's: `activities_for_contact` / `activities_for_company` with their
author and assignee, newest first, by page; every field equal, in one query, in the record's
workspace only. SQLite and PostgreSQL alike."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from rapport.activities.models import Activity
from rapport.activities.queries import activities_for_company, activities_for_contact
from rapport.activities.timeline import company_activities, contact_activities
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.core.timeline import TimelineCursor
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def records(workspace, other_workspace, owner, member, outsider):
    """A contact and a company sharing a dozen activities of every kind (two at the same
    instant, some without author or assignee, attendees as JSON), one activity of each
    alone, and another workspace's activity on a contact of its own."""
    ann = make_contact(workspace, first_name="Ann")
    bob = make_contact(workspace, first_name="Bob")
    acme = make_company(workspace, name="Acme")
    both = {"contact_ids": [ann.pk], "company_ids": [acme.pk]}
    rows: list[tuple[Any, dict[str, Any]]] = [
        (owner, {"kind": "note", "body": "<b>first</b>\nline & more", "subject": "Hi 'there'"}),
        (member, {"kind": "call", "direction": "inbound", "duration_seconds": 95}),
        (None, {"kind": "email", "subject": "Re: offer", "direction": "outbound"}),
        (
            owner,
            {
                "kind": "meeting",
                "starts_at": T0 + dt.timedelta(days=3),
                "ends_at": T0 + dt.timedelta(days=3, hours=1),
                "attendees": ["Ann", "b@x.io", "Zoë <z>"],
            },
        ),
        (owner, {"kind": "task", "subject": "Send", "due_at": T0, "assignee_id": member.pk}),
        (member, {"kind": "task", "subject": "Undated"}),
    ]
    for i in range(12):
        actor, data = rows[i % len(rows)]
        at = T0 - dt.timedelta(hours=i // 2 * 5)  # pairs at the same instant: ids decide
        make_activity(workspace, actor, occurred_at=at, **data, **both)
    make_activity(workspace, owner, occurred_at=T0, contact_ids=[bob.pk], company_ids=[acme.pk])
    make_activity(workspace, owner, occurred_at=T0, contact_ids=[ann.pk])
    stranger = make_contact(other_workspace, first_name="Ann")
    make_activity(other_workspace, outsider, occurred_at=T0, contact_ids=[stranger.pk])
    return ann, acme


def _reference(qs: QuerySet[Activity], before: TimelineCursor | None, limit: int) -> list[Activity]:
    if before is not None:  # after the cursor of the same tag: older, or as old and a lower id
        qs = qs.filter(Q(occurred_at__lt=before.at) | Q(occurred_at=before.at, id__lt=before.id))
    return list(qs.select_related("author", "assignee").order_by("-occurred_at", "-id")[:limit])


def _same(items: list[Any], reference: list[Activity]) -> None:
    assert [(i.kind, i.key, i.at) for i in items] == [
        ("activity", f"b{a.pk}", a.occurred_at) for a in reference
    ]
    for item, a in zip(items, reference, strict=True):
        for f in Activity._meta.concrete_fields:
            assert getattr(item.obj, f.attname) == getattr(a, f.attname), f.name
        for user in ("author", "assignee"):
            mine, theirs = getattr(item.obj, user), getattr(a, user)
            assert (mine and (mine.pk, mine.get_full_name(), mine.get_username())) == (
                theirs and (theirs.pk, theirs.get_full_name(), theirs.get_username())
            )


@pytest.mark.parametrize("which", ["contact", "company"])
@pytest.mark.parametrize("limit", [3, 50])
def test_a_page_is_the_orms_in_one_query_without_its_compiler(
    records, workspace, which, limit, monkeypatch
):
    ann, acme = records
    with workspace_scope(workspace):
        source, record, reference_qs = (
            (contact_activities, ann, activities_for_contact(contact_id=ann.pk))
            if which == "contact"
            else (company_activities, acme, activities_for_company(company_id=acme.pk))
        )
        pages = []
        before: TimelineCursor | None = None
        while True:  # page by page as the timeline does, through the ties at the same instant
            reference = _reference(reference_qs, before, limit + 1)
            pages.append((before, reference))
            if len(reference) <= limit:
                break
            last = reference[limit - 1]
            before = TimelineCursor(last.occurred_at, "b", last.pk)

        def no_compiler(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("built through the ORM's compiler")

        monkeypatch.setattr(SQLCompiler, "as_sql", no_compiler)
        for before, reference in pages:
            with CaptureQueriesContext(connection) as captured:
                items = source(record, before, limit + 1)
                for item in items:  # the markup reads these: no query for them
                    str(item.obj.author), str(item.obj.assignee)
            assert len(captured.captured_queries) == 1
            _same(items, reference)
        monkeypatch.undo()
        assert len(pages) > 1 or limit == 50
        assert len(_reference(reference_qs, None, 100)) == 13


def test_another_workspaces_activities_never_show(records, workspace, other_workspace):
    ann, _ = records
    with workspace_scope(other_workspace):
        stranger = Activity.objects.get()
    with workspace_scope(workspace):
        items = contact_activities(ann, None, 100)
    assert len(items) == 13
    assert stranger.pk not in {i.obj.pk for i in items}
    assert {i.obj.workspace_id for i in items} == {workspace.pk}
