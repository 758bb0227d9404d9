"""A public reply is mailed after it commits; a mail server that refuses delays it (the ticket
says so) and the sweep tries again until it goes, once, or gives up."""

import datetime as dt
import socket

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from rapport.api.testing import ApiClient
from rapport.contacts.tests.factories import make_contact
from rapport.service.models import ReplyDelivery, TicketMessage
from rapport.service.reply_delivery import MAX_ATTEMPTS, replies_retry
from rapport.service.services import ticket_reply
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(workspace, owner):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@acme.io"])
    return make_ticket(workspace, owner, ann, subject="Printer on fire")


@pytest.fixture
def server_down(settings):
    """Mail goes over SMTP to a loopback port nobody listens on: the connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    return settings


def _delivery(workspace):
    with workspace_scope(workspace):
        return ReplyDelivery.objects.select_related("message").get()


def test_a_reply_is_mailed_once_committed_and_noted_emailed(
    workspace, owner, ticket, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Unplug it")

    delivery = _delivery(workspace)
    assert [m.to for m in mail.outbox] == [["ann@acme.io"]]
    assert (delivery.state, delivery.attempts, delivery.error) == ("sent", 1, "")
    assert delivery.sent_at is not None


def test_a_refused_reply_keeps_the_request_whole_and_goes_when_the_server_is_back(
    member_client, workspace, ticket, server_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            f"/tickets/{ticket.pk}/reply/", {"body": "We are on it", "kind": "public"}
        )
    page = member_client.get(f"/tickets/{ticket.pk}/").content.decode()
    refused = _delivery(workspace)

    server_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # back up
    with workspace_scope(workspace):
        tried = replies_retry(workspace=workspace)
        again = replies_retry(workspace=workspace)

    assert response.status_code == 302  # the agent's reply is saved, not a server error
    with workspace_scope(workspace):
        assert TicketMessage.objects.filter(body="We are on it").count() == 1
    assert (refused.state, refused.attempts) == ("failed", 1)
    assert "refused" in refused.error.lower()
    assert 'data-delivery="failed"' in page and "Not sent yet" in page
    assert (tried, again) == (1, 0)
    assert [m.to for m in mail.outbox] == [["ann@acme.io"]]  # once, by the retry
    assert _delivery(workspace).state == "sent"


def test_the_sweep_gives_up_after_its_tries(
    workspace, owner, ticket, server_down, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace):
        with django_capture_on_commit_callbacks(execute=True):  # the first try, refused
            ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Unplug it")
        tries = [replies_retry(workspace=workspace) for _ in range(MAX_ATTEMPTS + 1)]

    assert tries == [1] * (MAX_ATTEMPTS - 1) + [0, 0]
    assert _delivery(workspace).attempts == MAX_ATTEMPTS


def test_a_reply_whose_first_try_never_ran_is_taken_over_by_the_sweep(workspace, owner, ticket):
    with workspace_scope(workspace):  # committed callbacks not run: its task was lost
        ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Unplug it")
        soon = replies_retry(workspace=workspace)
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
            later = replies_retry(workspace=workspace)

    assert (soon, later) == (0, 1)  # not while its own task may still be on its way
    assert [m.to for m in mail.outbox] == [["ann@acme.io"]]
    assert _delivery(workspace).state == "sent"


def test_a_requester_without_an_address_is_noted_not_retried(
    workspace, owner, django_capture_on_commit_callbacks
):
    nobody = make_contact(workspace, first_name="Bo")
    ticket = make_ticket(workspace, owner, nobody, subject="Call me")
    with workspace_scope(workspace):
        with django_capture_on_commit_callbacks(execute=True):
            ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Will do")
        tried = replies_retry(workspace=workspace)

    assert (_delivery(workspace).state, tried, mail.outbox) == ("no_address", 0, [])


def test_an_internal_note_has_no_delivery(
    workspace, owner, ticket, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Psst", kind="internal")
        assert not ReplyDelivery.objects.exists()


def test_the_api_says_whether_each_reply_was_emailed(
    workspace, owner, ticket, server_down, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace):
        with django_capture_on_commit_callbacks(execute=True):
            ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Unplug it")
        ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Psst", kind="internal")
    api = ApiClient.with_token(owner, workspace)

    messages = api.get(f"/service/tickets/{ticket.pk}/messages").json()

    assert [(m["kind"], m["delivery"]) for m in messages] == [
        ("public", None),  # the customer's own message
        ("public", "failed"),
        ("internal", None),
    ]
