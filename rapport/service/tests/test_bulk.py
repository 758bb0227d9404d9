"""Bulk actions on the ticket list: each ticket changed through the one-ticket services
(audited, SLA clocks moved), refusals named by ticket, other workspaces untouched, viewers
refused; and the list page's form."""

import pytest
from django.contrib.messages import get_messages

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import PermissionDenied, ServiceValidationError
from rapport.service.bulk import BULK_LIMIT, tickets_bulk_change
from rapport.service.models import SlaEvent, Ticket
from rapport.service.services import team_create
from rapport.service.tests.factories import make_calendar, make_policy, make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(workspace, owner):
    make_policy(workspace, owner, make_calendar(workspace, owner))
    return make_contact(workspace, first_name="Ann", emails=["ann@acme.io"])


@pytest.fixture
def tickets(workspace, owner, ann):
    return [
        make_ticket(workspace, owner, ann, subject="Login broken"),
        make_ticket(workspace, owner, ann, subject="Parcel late", ticket_type="complaint"),
        make_ticket(workspace, owner, ann, subject="Invoice copy"),
    ]


@pytest.fixture
def theirs(other_workspace, outsider):
    contact = make_contact(other_workspace, first_name="Secret", emails=["s@globex.io"])
    return make_ticket(other_workspace, outsider, contact, subject="Globex secret")


def bulk(workspace, actor, tickets, action, value):
    with workspace_scope(workspace):
        return tickets_bulk_change(
            workspace=workspace,
            actor=actor,
            ticket_ids=[t.pk for t in tickets],
            action=action,
            value=value,
        )


def updates(ticket):
    return list(
        AuditEntry.unscoped.filter(
            entity="service.ticket", object_id=ticket.pk, action="update"
        ).order_by("id")
    )


def test_every_ticket_is_assigned_and_audited(workspace, owner, member, tickets):
    outcome = bulk(workspace, owner, tickets, "assignee", str(member.pk))
    assert outcome.changed == [t.number for t in tickets] and not outcome.refused
    with workspace_scope(workspace):
        assert {t.assignee_id for t in Ticket.objects.all()} == {member.pk}
    for t in tickets:
        [entry] = updates(t)
        assert entry.actor_id == owner.pk and "assignee" in entry.changes
    again = bulk(workspace, owner, tickets, "assignee", member.pk)
    assert again.unchanged == [t.number for t in tickets] and not again.changed
    assert all(len(updates(t)) == 1 for t in tickets)  # nothing written the second time


def test_a_refused_ticket_is_named_with_its_reason_and_the_others_change(workspace, owner, tickets):
    outcome = bulk(workspace, owner, tickets, "status", "solved")
    login, complaint, invoice = tickets
    assert outcome.changed == [login.number, invoice.number]
    [(number, reason)] = outcome.refused
    assert number == complaint.number and "a complaint needs a root cause" in reason
    with workspace_scope(workspace):
        assert Ticket.objects.get(pk=complaint.pk).status == "new"
        assert Ticket.objects.get(pk=login.pk).solved_at is not None
        # The resolution clock's outcome is recorded as when one ticket is solved.
        stopped = SlaEvent.objects.filter(kind="met", clock="resolution")
        assert stopped.filter(ticket_id=login.pk).exists()
        assert not stopped.filter(ticket_id=complaint.pk).exists()
    assert not updates(complaint)


def test_team_and_priority(workspace, owner, tickets):
    with workspace_scope(workspace):
        team = team_create(
            workspace=workspace, actor=owner, name="Billing", assignment="manual", member_ids=[]
        )
    assert len(bulk(workspace, owner, tickets, "team", str(team.pk)).changed) == 3
    assert len(bulk(workspace, owner, tickets[:2], "priority", "urgent").changed) == 2
    with workspace_scope(workspace):
        rows = {t.pk: t for t in Ticket.objects.all()}
    assert {t.team_id for t in rows.values()} == {team.pk}
    assert [rows[t.pk].priority for t in tickets] == ["urgent", "urgent", "normal"]
    assert "priority" in updates(tickets[0])[-1].changes


def test_another_workspaces_ticket_refuses_the_step_and_is_untouched(
    workspace, owner, member, tickets, theirs
):
    with pytest.raises(ServiceValidationError) as exc:
        bulk(workspace, owner, [*tickets, theirs], "priority", "low")
    assert f"no such ticket: {theirs.pk}" in exc.value.errors[0].message
    assert {t.priority for t in Ticket.unscoped.all()} == {"normal"}  # nothing changed
    assert not AuditEntry.unscoped.filter(action="update").exists()


def test_a_viewer_changes_nothing(workspace, viewer, tickets):
    with pytest.raises(PermissionDenied):
        bulk(workspace, viewer, tickets, "priority", "low")
    assert not AuditEntry.unscoped.filter(action="update").exists()


def test_bad_requests_name_the_field(workspace, owner, tickets):
    for ids, action, field in (
        ([], "priority", "ticket_ids"),
        (list(range(1, BULK_LIMIT + 2)), "priority", "ticket_ids"),
        ([tickets[0].pk], "delete", "action"),
    ):
        with pytest.raises(ServiceValidationError) as exc, workspace_scope(workspace):
            tickets_bulk_change(
                workspace=workspace, actor=owner, ticket_ids=ids, action=action, value="low"
            )
        assert exc.value.errors[0].field == field


# --- the list page ------------------------------------------------------------------------


def test_the_list_offers_row_boxes_and_the_bar_to_writers_only(
    member_client, viewer_client, tickets
):
    page = member_client.get("/tickets/all/").content.decode()
    assert 'id="bulk-form"' in page and f'name="ticket_ids" value="{tickets[0].pk}"' in page
    assert 'id="select-all-tickets"' in page
    page = viewer_client.get("/tickets/all/").content.decode()
    assert "bulk-form" not in page and "ticket_ids" not in page


def test_the_bulk_post_changes_the_ticked_and_says_so(member_client, member, tickets):
    login, complaint, invoice = tickets
    response = member_client.post(
        "/tickets/bulk/",
        {
            "ticket_ids": [login.pk, complaint.pk],
            "action": "status",
            "to_status": "solved",
            "view": "all",
            "priority": "normal",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/tickets/all/?priority=normal"
    [note] = [str(m) for m in get_messages(response.wsgi_request)]
    assert note.startswith("1 ticket set to solved; ")
    assert f"#{complaint.number} not set to solved: a complaint needs a root cause" in note
    assert Ticket.unscoped.get(pk=login.pk).status == "solved"
    assert Ticket.unscoped.get(pk=invoice.pk).status == "new"  # not ticked


def test_a_viewer_cannot_post(viewer_client, tickets):
    response = viewer_client.post(
        "/tickets/bulk/",
        {"ticket_ids": [tickets[0].pk], "action": "priority", "to_priority": "low"},
    )
    assert response.status_code == 403
    assert Ticket.unscoped.get(pk=tickets[0].pk).priority == "normal"
