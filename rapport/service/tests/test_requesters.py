"""A ticket's requester found by email or made from it, once, whichever way the ticket comes
in (the desk's new ticket page, mail in) and however many come in at the same moment."""

import threading
from email.message import EmailMessage
from unittest import mock

import pytest
from django.db import connection, connections

from rapport.contacts import services as contact_services
from rapport.contacts.models import Contact, ContactEmail
from rapport.contacts.tests.factories import make_contact
from rapport.service import requesters
from rapport.service.desk_services import ticket_open
from rapport.service.mail import mail_ingest
from rapport.service.models import Mailbox, Ticket
from rapport.service.requesters import requester_for_email
from rapport.tenancy.access import workspace_scope

REQUEST = {"subject": "Phoned about invoice", "body": "Invoice 42 is wrong"}


def _mail(sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "help@acme.test", "Printer on fire"
    msg.set_content("It smokes.")
    return msg


@pytest.mark.django_db
def test_an_address_makes_a_contact_once_then_finds_it(scoped, owner):
    first = requester_for_email(
        workspace=scoped, actor=owner, email=" Zoe@Example.COM ", data={"source": "email"}
    )
    again = requester_for_email(workspace=scoped, actor=owner, email="zoe@example.com", data={})
    assert first.created and not again.created
    assert again.contact == first.contact and first.contact.source == "email"
    assert list(ContactEmail.objects.values_list("email", flat=True)) == ["zoe@example.com"]


@pytest.mark.django_db
def test_the_desk_and_mail_in_share_the_contact_of_an_address(scoped, owner):
    mailbox = Mailbox.objects.create(workspace=scoped, address="help@acme.test")
    mailed = mail_ingest(mailbox=mailbox, message=_mail("Zoe Field <ZOE@example.com>"))
    opened = ticket_open(
        workspace=scoped, actor=owner, requester_email="zoe@EXAMPLE.com", data=REQUEST
    )
    assert not opened.new_contact and opened.ticket.requester == mailed.ticket.requester
    assert (mailed.ticket.requester.first_name, Contact.objects.count()) == ("Zoe", 1)


@pytest.mark.django_db
def test_an_existing_contact_is_found_by_any_of_its_addresses(scoped, owner):
    ann = make_contact(scoped, owner, emails=["ann@acme.io", "ann.b@example.org"])
    found = requester_for_email(workspace=scoped, actor=owner, email="ANN.B@example.org", data={})
    assert found == (ann, False)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writing transactions: there is no race to lose there",
)
@pytest.mark.django_db(transaction=True)
def test_two_requests_from_one_new_address_at_once_make_one_contact(workspace, owner):
    """Each thread has its own connection and transaction; the contact is created slowly, so
    without the lock both would look, find nothing and create one each."""
    mailbox = Mailbox.objects.create(workspace=workspace, address="help@acme.test")
    start, errors = threading.Barrier(2), []
    create = contact_services.contact_create

    def slow_create(**kwargs):
        threading.Event().wait(0.5)
        return create(**kwargs)

    def run(open_ticket) -> None:
        try:
            with workspace_scope(workspace):
                start.wait(timeout=10)
                open_ticket()
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    def by_desk() -> None:
        ticket_open(
            workspace=workspace, actor=owner, requester_email="new@example.net", data=REQUEST
        )

    def by_mail() -> None:
        mail_ingest(mailbox=mailbox, message=_mail("New Person <NEW@example.net>"))

    with mock.patch.object(requesters, "contact_create", slow_create):
        threads = [threading.Thread(target=run, args=(f,)) for f in (by_desk, by_mail)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not errors
    with workspace_scope(workspace):
        assert Contact.objects.count() == 1
        assert set(Ticket.objects.values_list("requester_id", flat=True)) == {
            Contact.objects.get().pk
        }
        assert Ticket.objects.count() == 2
