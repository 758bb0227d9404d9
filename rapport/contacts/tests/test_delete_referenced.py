"""A contact another record needs (a ticket's requester) is refused deletion by name, never a
500: the API answers 409, the page says why, and nothing is deleted or audited."""

import pytest
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


@pytest.fixture
def requester(workspace, owner):
    contact = make_contact(workspace, first_name="Rita", last_name="Quest")
    make_ticket(workspace, owner, contact, subject="Emails are not arriving")
    return contact


def _still_there(workspace, contact) -> bool:
    with workspace_scope(workspace):
        deletes = AuditEntry.objects.filter(object_id=contact.pk, action="delete")
        return Contact.objects.filter(pk=contact.pk).exists() and not deletes.exists()


def test_the_api_refuses_to_delete_a_tickets_requester_with_a_409(workspace, owner, requester):
    api = ApiClient.with_token(owner, workspace)

    response = api.delete(f"/contacts/{requester.pk}")

    assert response.status_code == 409
    message = problem_fields(response)["contact"]
    assert "1 ticket" in message and "Emails are not arriving" in message
    assert _still_there(workspace, requester)
    operation = (
        Client().get("/api/v1/openapi.json").json()["paths"]["/api/v1/contacts/{contact_id}"]
    )
    assert "409" in operation["delete"]["responses"]


def test_the_delete_page_says_why_a_tickets_requester_stays(owner_client, workspace, requester):
    response = owner_client.post(f"/contacts/{requester.pk}/delete/", follow=True)

    assert response.status_code == 200
    assert "Emails are not arriving" in response.content.decode()
    assert _still_there(workspace, requester)
