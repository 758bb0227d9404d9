import datetime as dt

import pytest
import time_machine

from rapport.audit.models import AuditEntry
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.core.timeline import TimelineCursor, timeline_for

T0 = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def test_a_contact_timeline_merges_activities_and_changes_newest_first(scoped, owner):
    with time_machine.travel(T0, tick=False):
        ann = make_contact(scoped, owner)
    make_activity(
        scoped,
        owner,
        contact_ids=[ann.pk],
        body="old call notes",
        occurred_at=T0 + dt.timedelta(hours=1),
    )
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        contact_update(workspace=scoped, actor=owner, contact=ann, data={"job_title": "CFO"})
    make_activity(
        scoped, owner, contact_ids=[ann.pk], body="latest", occurred_at=T0 + dt.timedelta(hours=3)
    )
    items = timeline_for(ann).items
    assert [(i.kind, getattr(i.obj, "body", None) or i.obj.action) for i in items] == [
        ("activity", "latest"),
        ("change", "update"),
        ("activity", "old call notes"),
        ("change", "create"),
    ]


def test_the_timeline_pages_back_without_gaps_or_repeats(scoped, owner):
    ann = make_contact(scoped, owner)
    for i in range(12):
        make_activity(
            scoped,
            owner,
            contact_ids=[ann.pk],
            body=f"n{i}",
            occurred_at=T0 - dt.timedelta(hours=i),
        )
    seen: list[str] = []
    before = None
    while True:
        page = timeline_for(ann, before=before, limit=5)
        seen.extend(i.key for i in page.items)
        before = page.next_before
        if before is None:
            break
    assert len(seen) == 13 == len(set(seen))


def test_a_company_timeline_shows_its_own_activities_not_its_contacts(scoped, owner):
    acme = make_company(scoped, owner, name="Acme")
    ann = make_contact(scoped, owner, company_ids=[acme.pk])
    make_activity(scoped, owner, contact_ids=[ann.pk], body="contact only")
    make_activity(scoped, owner, company_ids=[acme.pk], body="company note")
    bodies = [i.obj.body for i in timeline_for(acme).items if i.kind == "activity"]
    assert bodies == ["company note"]


def test_changes_name_the_people_and_companies_they_point_at(scoped, owner, member):
    from rapport.contacts.services import company_delete

    acme = make_company(scoped, owner, name="Acme")
    gone = make_company(scoped, owner, name="Gone Ltd")
    ann = make_contact(scoped, owner, company_ids=[gone.pk])
    contact_update(
        workspace=scoped,
        actor=owner,
        contact=ann,
        data={"owner_id": member.pk, "company_ids": [acme.pk]},
    )
    gone_id = gone.pk
    company_delete(workspace=scoped, actor=owner, company=gone)
    [update] = [
        i.obj for i in timeline_for(ann).items if i.kind == "change" and i.obj.action == "update"
    ]
    assert update.changes_display["owner"] == [None, "mia"]
    assert update.changes_display["primary_company"] == [f"#{gone_id} (deleted)", "Acme"]
    assert update.changes_display["companies"] == [[f"#{gone_id} (deleted)"], ["Acme"]]
    assert update.changes["owner"] == [None, member.pk]  # the stored trail keeps the ids


def test_the_sources_checks_are_asked_in_one_statement(workspace, other_workspace, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.core.timeline import active_sources
    from rapport.service.services import ticket_create
    from rapport.service.timeline import contact_tickets
    from rapport.tenancy.access import workspace_scope

    with workspace_scope(other_workspace):
        stranger = make_contact(other_workspace, first_name="Sam")
        ticket_create(
            workspace=other_workspace,
            actor=other_workspace.memberships.get().user,
            data={"subject": "theirs", "body": "b", "requester_id": stranger.pk},
        )
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner)
        with CaptureQueriesContext(connection) as queries:
            sources = active_sources(ann, workspace)
        assert len(queries.captured_queries) == 1
        assert queries.captured_queries[0]["sql"].count("EXISTS") == 4  # tickets, merges, ...
        names = {s.__name__ for s in sources}
        assert names == {"contact_activities", "record_changes"}  # another's ticket: none
        ticket_create(
            workspace=workspace,
            actor=owner,
            data={"subject": "s", "body": "b", "requester_id": ann.pk},
        )
        assert contact_tickets in active_sources(ann, workspace)


def _paged(record, limit):
    """Every item of the record's timeline, page by page as "Load more" asks for them."""
    seen, before = [], None
    while True:
        page = timeline_for(record, before=before, limit=limit)
        seen.extend(page.items)
        if page.next_before is None:
            return seen
        before = page.next_before


@pytest.mark.parametrize("which", ["contact", "company"])
def test_activities_at_one_instant_page_through_once_each(scoped, owner, which):
    """30 activities at the same instant, more than a page: the cursor's tiebreak (tag, id)
    neither skips those past the page's end nor shows any twice."""
    record = make_contact(scoped, owner) if which == "contact" else make_company(scoped, owner)
    link = "contact_ids" if which == "contact" else "company_ids"
    made = [
        make_activity(scoped, owner, body=f"n{i}", occurred_at=T0, **{link: [record.pk]}).pk
        for i in range(30)
    ]
    for limit in (7, 25):
        activities = [i.obj.pk for i in _paged(record, limit) if i.kind == "activity"]
        assert activities == sorted(made, reverse=True)  # each once, newest id first


def test_changes_and_activities_at_one_instant_page_through_once_each(scoped, owner):
    """The record's audit entries merged in, all at the activities' instant: each item once."""
    ann = make_contact(scoped, owner)
    for i in range(12):
        contact_update(workspace=scoped, actor=owner, contact=ann, data={"job_title": f"T{i}"})
        make_activity(scoped, owner, body=f"n{i}", occurred_at=T0, contact_ids=[ann.pk])
    AuditEntry.objects.filter(entity="contacts.contact", object_id=ann.pk).update(at=T0)
    for limit in (5, 25):
        keys = [i.key for i in _paged(ann, limit)]
        assert len(keys) == 25 == len(set(keys))  # 12 activities, the create and 12 updates
        assert keys[:12] == [k for k in keys if k.startswith("b")]  # one order: tag, then id


def test_a_cursor_reads_back_from_its_text_and_refuses_another():
    cursor = TimelineCursor(T0, "b", 42)
    assert TimelineCursor.parse(cursor.text) == cursor
    assert TimelineCursor.parse(T0.isoformat()) == TimelineCursor(T0, "", 0)  # an older link
    for bad in ("yesterday", f"{T0.isoformat()}~b", f"{T0.isoformat()}~b~x", f"{T0}~<b>~1"):
        with pytest.raises(ValueError):
            TimelineCursor.parse(bad)
