"""A complaint is solved only with its root cause and resolution named: through the services,
the ticket page (side panel, reply-and-solve) and the API; a refusal changes nothing."""

import pytest
from django.core import mail

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.service.desk_services import ticket_answer, ticket_properties_set
from rapport.service.models import SlaEvent, Ticket, TicketMessage
from rapport.service.services import ticket_set_status, ticket_update
from rapport.service.tests.factories import make_calendar, make_policy, make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db

NO_CAUSE = "a complaint needs a root cause before it is solved"
NO_RESOLUTION = "a complaint needs a resolution before it is solved"


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])


@pytest.fixture
def complaint(workspace, owner, ann):
    make_policy(workspace, owner, make_calendar(workspace, owner))
    return make_ticket(
        workspace, owner, ann, subject="Rude courier", body="He threw it", ticket_type="complaint"
    )


def state(workspace, ticket) -> tuple:
    """Everything a refused solve must leave as it was."""
    with workspace_scope(workspace):
        t = Ticket.objects.get(pk=ticket.pk)
        return (
            t.status,
            t.solved_at,
            t.first_responded_at,
            t.first_response_due_at,
            t.resolution_due_at,
            t.root_cause,
            t.resolution,
            TicketMessage.objects.filter(ticket=t).count(),
            SlaEvent.objects.filter(ticket=t).count(),
            AuditEntry.objects.count(),
        )


def fields_of(exc: pytest.ExceptionInfo[ServiceValidationError]) -> dict[str, list[str]]:
    return exc.value.as_dict()


# --- services ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["solved", "closed"])
def test_a_complaint_is_not_solved_without_cause_and_resolution(
    workspace, owner, complaint, status
):
    before = state(workspace, complaint)
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as exc:
        ticket_set_status(workspace=workspace, actor=owner, ticket=complaint, status=status)
    assert fields_of(exc) == {"root_cause": [NO_CAUSE], "resolution": [NO_RESOLUTION]}
    assert state(workspace, complaint) == before


def test_only_the_missing_part_is_named_and_with_both_it_is_solved(workspace, owner, complaint):
    with workspace_scope(workspace):
        ticket_update(
            workspace=workspace, actor=owner, ticket=complaint, data={"root_cause": "Courier"}
        )
        with pytest.raises(ServiceValidationError) as exc:
            ticket_set_status(workspace=workspace, actor=owner, ticket=complaint, status="solved")
        assert fields_of(exc) == {"resolution": [NO_RESOLUTION]}
        ticket_update(workspace=workspace, actor=owner, ticket=complaint, data={"resolution": "  "})
        with pytest.raises(ServiceValidationError):  # blank is not a resolution
            ticket_set_status(workspace=workspace, actor=owner, ticket=complaint, status="solved")
        ticket_update(
            workspace=workspace, actor=owner, ticket=complaint, data={"resolution": "Refunded"}
        )
        ticket_set_status(workspace=workspace, actor=owner, ticket=complaint, status="solved")
        assert Ticket.objects.get(pk=complaint.pk).status == "solved"


def test_other_types_are_solved_without_them(workspace, owner, ann):
    question = make_ticket(workspace, owner, ann, ticket_type="question")
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=question, status="closed")
        assert Ticket.objects.get(pk=question.pk).status == "closed"


def test_a_solved_ticket_cannot_become_a_complaint_or_lose_its_outcome(
    workspace, owner, ann, complaint
):
    question = make_ticket(workspace, owner, ann, ticket_type="question")
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=question, status="solved")
        with pytest.raises(ServiceValidationError) as exc:
            ticket_update(
                workspace=workspace,
                actor=owner,
                ticket=question,
                data={"ticket_type": "complaint", "root_cause": "Courier"},
            )
        assert fields_of(exc) == {"resolution": [NO_RESOLUTION]}
        assert Ticket.objects.get(pk=question.pk).ticket_type == "question"
        outcome = {"root_cause": "Courier", "resolution": "Apologised"}
        ticket_update(workspace=workspace, actor=owner, ticket=complaint, data=outcome)
        ticket_set_status(workspace=workspace, actor=owner, ticket=complaint, status="solved")
        with pytest.raises(ServiceValidationError) as exc:
            ticket_update(
                workspace=workspace, actor=owner, ticket=complaint, data={"root_cause": ""}
            )
        assert fields_of(exc) == {"root_cause": [NO_CAUSE]}
        # Fields that are not the outcome still change on an old complaint.
        ticket_update(workspace=workspace, actor=owner, ticket=complaint, data={"priority": "high"})
        assert Ticket.objects.get(pk=complaint.pk).root_cause == "Courier"


def test_a_refused_reply_and_solve_keeps_nothing_and_mails_nothing(
    workspace, owner, complaint, django_capture_on_commit_callbacks
):
    before = state(workspace, complaint)
    with (
        django_capture_on_commit_callbacks(execute=True),
        workspace_scope(workspace),
        pytest.raises(ServiceValidationError) as exc,
    ):
        ticket_answer(
            workspace=workspace,
            actor=owner,
            ticket=complaint,
            body="Sorry, refunded.",
            status="solved",
            fields={"root_cause": "Courier"},
        )
    assert fields_of(exc) == {"resolution": [NO_RESOLUTION]}
    assert state(workspace, complaint) == before
    assert mail.outbox == []


def test_the_side_panel_step_is_refused_whole(workspace, owner, complaint):
    before = state(workspace, complaint)
    with workspace_scope(workspace), pytest.raises(ServiceValidationError):
        ticket_properties_set(
            workspace=workspace,
            actor=owner,
            ticket=complaint,
            data={"priority": "urgent", "root_cause": "Courier"},
            status="closed",
        )
    assert state(workspace, complaint) == before


# --- the ticket page -----------------------------------------------------------------------


def test_the_side_panel_names_each_missing_field_beside_it_and_keeps_the_input(
    member_client, workspace, complaint
):
    before = state(workspace, complaint)
    response = member_client.post(
        f"/tickets/{complaint.pk}/properties/",
        {
            "status": "solved",
            "priority": "urgent",
            "ticket_type": "complaint",
            "tags": "courier, rude",
            "root_cause": "",
            "resolution": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index(NO_CAUSE) > page.index('id="id_root_cause"')
    assert page.index(NO_RESOLUTION) > page.index('id="id_resolution"')
    assert '<option value="urgent" selected>' in page and 'value="courier, rude"' in page
    assert state(workspace, complaint) == before


def test_the_side_panel_solves_a_complaint_once_both_are_given(member_client, workspace, complaint):
    response = member_client.post(
        f"/tickets/{complaint.pk}/properties/",
        {
            "status": "solved",
            "priority": "normal",
            "ticket_type": "complaint",
            "root_cause": "Courier",
            "resolution": "Refunded and apologised",
        },
    )
    assert response.status_code == 302
    with workspace_scope(workspace):
        saved = Ticket.objects.get(pk=complaint.pk)
    assert (saved.status, saved.root_cause) == ("solved", "Courier")


def test_a_reply_that_solves_a_complaint_without_its_cause_sends_nothing(
    member_client, workspace, complaint, django_capture_on_commit_callbacks
):
    before = state(workspace, complaint)
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            f"/tickets/{complaint.pk}/reply/",
            {
                "body": "We are sorry; a refund is on its way.",
                "kind": "public",
                "set_status": "solved",
                "resolution": "Refunded",
            },
        )
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was sent" in page
    assert page.index(NO_CAUSE) > page.index('id="reply_root_cause"')
    assert NO_RESOLUTION not in page
    assert "We are sorry; a refund is on its way." in page
    assert "Refunded</textarea>" in page
    assert '<option value="solved" selected>' in page
    assert state(workspace, complaint) == before
    assert mail.outbox == []


def test_a_reply_solves_a_complaint_with_the_cause_and_resolution_typed_beside_it(
    member_client, workspace, complaint, django_capture_on_commit_callbacks
):
    page = member_client.get(f"/tickets/{complaint.pk}/").content.decode()
    assert 'id="reply-outcome"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            f"/tickets/{complaint.pk}/reply/",
            {
                "body": "We are sorry; a refund is on its way.",
                "kind": "public",
                "set_status": "solved",
                "root_cause": "Courier",
                "resolution": "Refunded",
            },
        )
    assert response.status_code == 302
    with workspace_scope(workspace):
        saved = Ticket.objects.get(pk=complaint.pk)
    assert (saved.status, saved.root_cause, saved.resolution) == ("solved", "Courier", "Refunded")
    assert "We are sorry; a refund is on its way." in [m.body for m in mail.outbox]
    # Solved, the reply box no longer asks for them.
    assert (
        'id="reply-outcome"' not in member_client.get(f"/tickets/{complaint.pk}/").content.decode()
    )


def test_the_reply_box_asks_only_complaints_for_their_outcome(member_client, workspace, owner, ann):
    question = make_ticket(workspace, owner, ann, ticket_type="question")
    assert (
        'id="reply-outcome"' not in member_client.get(f"/tickets/{question.pk}/").content.decode()
    )


# --- the API -------------------------------------------------------------------------------


def test_the_api_names_each_missing_field_and_changes_nothing(workspace, owner, complaint):
    api = ApiClient.with_token(owner, workspace)
    url = f"/service/tickets/{complaint.pk}"
    before = state(workspace, complaint)

    refused = api.post(f"{url}/status", {"status": "closed"})

    assert refused.status_code == 422
    assert problem_fields(refused) == {"root_cause": NO_CAUSE, "resolution": NO_RESOLUTION}
    assert state(workspace, complaint) == before
    assert api.patch(url, {"root_cause": "Courier", "resolution": "Refunded"}).status_code == 200
    solved = api.post(f"{url}/status", {"status": "solved"})
    assert solved.status_code == 200 and solved.json()["status"] == "solved"


def test_the_api_refuses_making_a_solved_ticket_a_complaint_without_its_outcome(
    workspace, owner, ann
):
    api = ApiClient.with_token(owner, workspace)
    question = make_ticket(workspace, owner, ann)
    url = f"/service/tickets/{question.pk}"
    api.post(f"{url}/status", {"status": "solved"})

    refused = api.patch(url, {"ticket_type": "complaint"})

    assert problem_fields(refused) == {"root_cause": NO_CAUSE, "resolution": NO_RESOLUTION}
    assert api.get(url).json()["ticket_type"] == "question"
