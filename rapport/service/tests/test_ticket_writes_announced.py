"""Every ticket write announces itself the same way: the `service.ticket` change hook after
commit (listeners such as the CSAT survey follow tickets through it), the workspace's data
version raised (kept pages go stale), and the list's search and filters answering with the
new values and no longer the old ones. One field update, an assignment and the bulk bar's
actions are each a write path here."""

import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.core import hooks
from rapport.core.errors import ServiceValidationError
from rapport.service.bulk import tickets_bulk_change
from rapport.service.queries import TicketFilter, ticket_list
from rapport.service.services import team_create, ticket_set_status, ticket_update
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """The (workspace id, ticket ids) each `service.ticket` announcement carried."""
    calls: list[tuple[int, list[int]]] = []

    def listener(workspace_id: int, ids: list[int]) -> None:
        calls.append((workspace_id, ids))

    hooks._listeners.setdefault("service.ticket", []).append(listener)
    yield calls
    hooks._listeners["service.ticket"].remove(listener)


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann", emails=["ann@acme.io"])


@pytest.fixture
def printer(workspace, owner, ann):
    return make_ticket(workspace, owner, ann, subject="Printer jammed", tags=["hardware"])


def version(workspace) -> int:
    return Workspace.objects.get(pk=workspace.pk).data_version


def subjects(**filters) -> list[str]:
    return [t.subject for t in ticket_list(f=TicketFilter(**filters)).items]


def test_an_update_is_announced_and_searched_by_its_new_subject(
    workspace, owner, printer, heard, django_capture_on_commit_callbacks
):
    before = version(workspace)
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        ticket_update(
            workspace=workspace, actor=owner, ticket=printer, data={"subject": "Scanner offline"}
        )
    assert heard == [(workspace.pk, [printer.pk])]
    assert version(workspace) > before
    with workspace_scope(workspace):
        assert subjects(q="scanner") == ["Scanner offline"]
        assert subjects(q="printer") == []


def test_an_assignment_and_new_tags_are_announced_and_filtered_by(
    workspace, owner, member, printer, heard, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        ticket_update(
            workspace=workspace,
            actor=owner,
            ticket=printer,
            data={"assignee_id": member.pk, "tags": ["network"]},
        )
    assert heard == [(workspace.pk, [printer.pk])]
    with workspace_scope(workspace):
        assert subjects(assignee_id=member.pk) == ["Printer jammed"]
        assert subjects(tag="network") == ["Printer jammed"]
        assert subjects(tag="hardware") == []


def test_a_refused_update_announces_nothing(
    workspace, owner, printer, heard, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(workspace=workspace, actor=owner, ticket=printer, status="solved")
    heard.clear()
    with (
        workspace_scope(workspace),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ServiceValidationError),
    ):
        # A solved ticket made a complaint without its outcome: refused before any write.
        ticket_update(
            workspace=workspace, actor=owner, ticket=printer, data={"ticket_type": "complaint"}
        )
    assert heard == []


@pytest.mark.parametrize("action", ["assignee", "team", "priority", "status"])
def test_each_bulk_action_announces_every_changed_ticket(
    workspace, owner, member, ann, heard, action, django_capture_on_commit_callbacks
):
    tickets = [make_ticket(workspace, owner, ann, subject=f"Ticket {n}") for n in range(2)]
    with workspace_scope(workspace):
        team = team_create(
            workspace=workspace, actor=owner, name="Desk", assignment="manual", member_ids=[]
        )
    value = {"assignee": member.pk, "team": team.pk, "priority": "urgent", "status": "pending"}
    heard.clear()
    before = version(workspace)
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        outcome = tickets_bulk_change(
            workspace=workspace,
            actor=owner,
            ticket_ids=[t.pk for t in tickets],
            action=action,
            value=value[action],
        )
    assert len(outcome.changed) == 2
    assert sorted(ids[0] for _, ids in heard) == sorted(t.pk for t in tickets)
    assert version(workspace) > before
    filters = {
        "assignee": {"assignee_id": member.pk},
        "team": {"view": "team", "team_id": team.pk},
        "priority": {"priority": "urgent"},
        "status": {"status": "pending"},
    }
    with workspace_scope(workspace):
        assert sorted(subjects(**filters[action])) == ["Ticket 0", "Ticket 1"]
