"""The ticket's search document (`search_words`, migration 0008) follows every write of a
subject or a message, whoever writes it: each test takes one write path and then compares
every ticket's stored words with the words of its subject and conversation as they are."""

import importlib
import re
import threading
from email.message import EmailMessage

import pytest
from django.db import connection, connections, transaction
from django_scopes import scopes_disabled

from rapport.api.testing import ApiClient
from rapport.contacts.tests.factories import make_contact
from rapport.merge.services import merge_contacts
from rapport.portal.services import portal_reply, portal_ticket_open
from rapport.service.desk_services import ticket_answer, ticket_open, ticket_properties_set
from rapport.service.mail import mail_deliver
from rapport.service.models import Mailbox, Ticket, TicketMessage
from rapport.service.queries import TicketFilter, ticket_list
from rapport.service.search import WORD, tickets_matching
from rapport.service.services import ticket_create, ticket_delete, ticket_reply, ticket_update
from rapport.tenancy.access import workspace_scope


def stored_words(ticket_id: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_words FROM service_ticket WHERE id = %s", [ticket_id])
        (value,) = cursor.fetchone()
    if connection.vendor == "postgresql":
        return set(re.findall(r"'([^']*)'", value))  # a tsvector without positions: 'a' 'b'
    return {word.lower() for word in WORD.findall(value)}


def written_words(ticket: Ticket) -> set[str]:
    bodies = TicketMessage.unscoped.filter(ticket=ticket).values_list("body", flat=True)
    return {word.lower() for text in [ticket.subject, *bodies] for word in WORD.findall(text)}


def assert_every_document_fresh() -> None:
    with scopes_disabled():
        tickets = list(Ticket.unscoped.all())
    assert tickets
    for ticket in tickets:
        assert stored_words(ticket.pk) == written_words(ticket), ticket.subject


def found(text: str) -> set[str]:
    return {t.subject for t in ticket_list(f=TicketFilter(q=text)).items}


@pytest.fixture
def ann(scoped, owner):
    return make_contact(scoped, owner, emails=["ann@client.example"])


def open_ticket(workspace, actor, requester, subject: str, body: str) -> Ticket:
    data = {"subject": subject, "body": body, "requester_id": requester.pk}
    return ticket_create(workspace=workspace, actor=actor, data=data)


def test_a_new_ticket_holds_its_subject_and_request(scoped, owner, ann):
    open_ticket(scoped, owner, ann, "Refund please", "The invoice was wrong")
    ticket_open(
        workspace=scoped,
        actor=owner,
        requester_email="new@client.example",
        data={"subject": "Phoned in", "body": "Courier lost parcel"},
    )
    assert_every_document_fresh()
    assert found("refund invoice") == {"Refund please"}
    assert found("phoned courier") == {"Phoned in"}


def test_a_new_subject_replaces_the_old_words(scoped, owner, ann):
    ticket = open_ticket(scoped, owner, ann, "Printer jams", "Tray 2")
    ticket_update(workspace=scoped, actor=owner, ticket=ticket, data={"subject": "Scanner"})
    ticket_properties_set(
        workspace=scoped, actor=owner, ticket=ticket, data={"subject": "Copier"}, status="open"
    )
    assert_every_document_fresh()
    assert found("printer") == found("scanner") == set()
    assert found("copier tray") == {"Copier"}


def test_replies_and_notes_join_it_and_later_saves_of_the_ticket_keep_them(scoped, owner, ann):
    """Ticket saves after a reply (first response, status) write the whole row: the words a
    message brought must survive them."""
    ticket = open_ticket(scoped, owner, ann, "Refund please", "Order 1042")
    ticket_reply(workspace=scoped, actor=owner, ticket=ticket, body="Invoice attached")
    ticket_answer(
        workspace=scoped, actor=owner, ticket=ticket, body="Courier note", kind="internal"
    )
    ticket_answer(workspace=scoped, actor=owner, ticket=ticket, body="Done", status="solved")
    ticket_reply(workspace=scoped, actor=None, ticket=ticket, body="Thanks anyway", contact=ann)
    assert_every_document_fresh()
    assert found("refund invoice courier thanks") == {"Refund please"}


def test_mail_in_opens_and_answers_with_their_words(scoped, owner):
    Mailbox.objects.create(workspace=scoped, address="help@acme.test")

    def deliver(subject: str, body: str, **headers: str) -> TicketMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = (
            "Pat <pat@client.example>",
            "help@acme.test",
            subject,
        )
        for name, value in headers.items():
            msg[name] = value
        msg.set_content(body)
        [stored] = mail_deliver(raw=msg.as_bytes(), recipients=["help@acme.test"])
        return stored

    first = deliver("Printer on fire", "Smoke everywhere", **{"Message-ID": "<a@client.example>"})
    deliver("Re: Printer on fire", "Extinguisher found", **{"In-Reply-To": first.message_id})
    assert_every_document_fresh()
    assert found("fire extinguisher") == {"Printer on fire"}


def test_the_portals_ticket_and_reply_join_it(scoped, ann):
    ticket = portal_ticket_open(workspace=scoped, contact=ann, subject="Login", body="Locked out")
    portal_reply(workspace=scoped, contact=ann, ticket=ticket, body="Still locked")
    assert_every_document_fresh()
    assert found("login still") == {"Login"}


def test_the_apis_writes_keep_it(scoped, owner, ann):
    api = ApiClient.with_token(owner, scoped)
    created = api.post(
        "/service/tickets",
        {"subject": "Cannot log in", "body": "Since today", "requester_id": ann.pk},
    )
    assert created.status_code == 201, created.content
    url = f"/service/tickets/{created.json()['id']}"
    assert api.patch(url, {"subject": "Password reset"}).status_code == 200
    assert api.post(f"{url}/messages", {"body": "Reset link sent"}).status_code == 201
    assert api.post(f"{url}/messages", {"body": "VIP", "kind": "internal"}).status_code == 201
    assert_every_document_fresh()
    assert found("password today link vip") == {"Password reset"}
    assert found("cannot") == set()


def test_messages_edited_moved_or_deleted_leave_no_stale_words(scoped, owner, ann):
    """No service edits or deletes a message yet; the triggers cover any that will."""
    one = open_ticket(scoped, owner, ann, "One", "Apple")
    two = open_ticket(scoped, owner, ann, "Two", "Banana")
    note = ticket_reply(workspace=scoped, actor=owner, ticket=one, body="Cherry")
    note.body = "Damson"
    note.save()
    assert found("cherry") == set()
    TicketMessage.objects.filter(pk=note.pk).update(body="Elder")
    TicketMessage.objects.filter(pk=note.pk).update(ticket=two)
    assert found("elder") == {"Two"}
    TicketMessage.objects.filter(body="Apple").delete()
    note.delete()
    assert_every_document_fresh()
    assert found("apple") == found("elder") == set()
    assert found("banana") == {"Two"}


def test_bulk_creates_and_deletes_keep_it(scoped, owner, ann):
    """As the demo data and an import write: tickets then their messages in bulk."""
    tickets = Ticket.objects.bulk_create(
        Ticket(workspace=scoped, number=100 + n, subject=f"Bulk {n}", requester=ann)
        for n in range(3)
    )
    TicketMessage.objects.bulk_create(
        TicketMessage(workspace=scoped, ticket=t, body=f"{word} message")
        for t in tickets
        for word in ("first", "second")
    )
    ticket_delete(workspace=scoped, actor=owner, ticket=tickets[0])
    assert_every_document_fresh()
    assert found("bulk first second") == {"Bulk 1", "Bulk 2"}


def test_a_contact_merge_keeps_the_conversations_words(scoped, owner, ann):
    twin = make_contact(scoped, owner, emails=["ann.twin@client.example"])
    open_ticket(scoped, owner, ann, "Ann asks", "About invoices")
    ticket = open_ticket(scoped, owner, twin, "Twin asks", "About refunds")
    ticket_reply(workspace=scoped, actor=None, ticket=ticket, body="Still waiting", contact=twin)
    merge_contacts(workspace=scoped, actor=owner, survivor=ann, other=twin)
    assert_every_document_fresh()
    assert found("twin refunds waiting") == {"Twin asks"}


def test_the_migrations_backfill_fills_tickets_written_before_it(scoped, owner, ann):
    migration = importlib.import_module("rapport.service.migrations.0008_ticket_search_words")
    [backfill] = [
        sql
        for sql in migration.STATEMENTS[connection.vendor]
        if sql.startswith(f"UPDATE service_ticket SET {migration.COLUMN}")
    ]
    ticket = open_ticket(scoped, owner, ann, "Old ticket", "Written long ago")
    ticket_reply(
        workspace=scoped, actor=owner, ticket=ticket, body="Before the column", kind="internal"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE service_ticket SET {migration.COLUMN} = ''")
        assert found("old") == set()
        cursor.execute(backfill)
    assert_every_document_fresh()
    assert found("old written column") == {"Old ticket"}


def _note(workspace, owner, ticket_id: int, body: str) -> None:
    ticket = Ticket.objects.get(pk=ticket_id)  # each thread its own copy
    ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body=body, kind="internal")


def _rename(workspace, owner, ticket_id: int, subject: str) -> None:
    ticket = Ticket.objects.get(pk=ticket_id)
    ticket_update(workspace=workspace, actor=owner, ticket=ticket, data={"subject": subject})


WRITES = {"a note": (_note, "Alpha"), "a new subject": (_rename, "Renamed")}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writing transactions: there is no race to lose there",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "first_write, second_write",
    [("a note", "a note"), ("a note", "a new subject"), ("a new subject", "a note")],
)
def test_two_writes_to_one_ticket_at_once_both_reach_its_document(
    workspace, owner, first_write, second_write
):
    """The second writer waits for the first's lock on the ticket, then must read what the
    first committed: the subject off the row it then locks, the conversation with a new
    snapshot (two notes: a STABLE function, reading with the statement's first snapshot,
    drops the first note; checked)."""
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner)
        ticket = open_ticket(workspace, owner, ann, "Race", "Start")
    first_written, errors = threading.Event(), []
    (write_1, text_1), (write_2, text_2) = WRITES[first_write], WRITES[second_write]
    text_2 = "Bravo" if text_2 == text_1 else text_2

    def run(write) -> None:
        try:
            with workspace_scope(workspace):
                write()
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    def first() -> None:
        with transaction.atomic():
            write_1(workspace, owner, ticket.pk, text_1)
            first_written.set()
            threading.Event().wait(0.5)  # the second is now waiting for the ticket's lock

    def second() -> None:
        assert first_written.wait(timeout=10)
        write_2(workspace, owner, ticket.pk, text_2)

    threads = [threading.Thread(target=run, args=(f,)) for f in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert {text_1.lower(), text_2.lower()} <= stored_words(ticket.pk)
    assert_every_document_fresh()


def test_the_search_reads_the_column_inside_a_subquery_too(scoped, owner, ann):
    """`SearchWords` takes the alias of the query it is in (U0 in a subquery), as a field."""
    open_ticket(scoped, owner, ann, "Refund please", "Invoice attached")
    open_ticket(scoped, owner, ann, "Other", "Nothing")
    inner = Ticket.objects.filter(tickets_matching("refund invoice")).values("pk")
    assert [t.subject for t in Ticket.objects.filter(pk__in=inner)] == ["Refund please"]
    assert [t.subject for t in Ticket.objects.exclude(pk__in=inner)] == ["Other"]
