import datetime as dt

import time_machine

from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.core.timeline import timeline_for

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
