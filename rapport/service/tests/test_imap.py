"""The IMAP poller against a real IMAP conversation on loopback: unread mail becomes tickets
and replies through mail-in's path, and is marked seen only once stored."""

import importlib
from email.message import EmailMessage

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from rapport.core import schedules as core_schedules
from rapport.core.schedules import Schedule
from rapport.service import mail
from rapport.service import schedules as service_schedules
from rapport.service.imap import REJECTED, ImapAccount, ImapFailed, mail_poll, mail_poll_task
from rapport.service.models import Mailbox as DeskMailbox
from rapport.service.models import Ticket, TicketMessage
from rapport.service.services import ticket_reply
from rapport.service.tests.imap_server import Mailbox, imap_server
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db
SUPPORT = "support@acme.example"


def message(subject="Printer on fire", to=SUPPORT, body="Please help", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Pat Doe <pat@client.example>", to, subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


@pytest.fixture
def box(workspace):
    with workspace_scope(workspace):
        DeskMailbox.objects.create(workspace=workspace, address=SUPPORT)
    box = Mailbox()
    server, port = imap_server(box)
    box.port = port  # type: ignore[attr-defined]
    yield box
    server.shutdown()
    server.server_close()


def account(box: Mailbox, **changes) -> ImapAccount:
    fields = dict(
        host="127.0.0.1",
        port=box.port,  # type: ignore[attr-defined]
        user=box.user,
        password=box.password,
        folder=box.folder,
        tls="off",
    )
    return ImapAccount(**{**fields, **changes})


def tickets() -> list[Ticket]:
    with scopes_disabled():
        return list(Ticket.objects.select_related("requester").order_by("id"))


def test_unread_mail_becomes_a_ticket_and_is_marked_seen_after(box):
    new = box.add(message(Message_ID="<first@client.example>"))
    old = box.add(message(subject="Read already"), "\\Seen")

    result = mail_poll(account(box))

    assert (result.stored, result.rejected, result.failed) == (1, 0, 0)
    [ticket] = tickets()
    assert ticket.subject == "Printer on fire" and ticket.channel == "email"
    assert ticket.requester.first_name == "Pat"
    assert "\\Seen" in new.flags and old.flags == {"\\Seen"}
    # Fetched without setting \Seen (PEEK); \Seen stored only after the ticket was saved.
    fetch = box.commands.index(f"UID FETCH {new.uid} (BODY.PEEK[])")
    assert box.commands.index(f"UID STORE {new.uid} +FLAGS (\\Seen)") > fetch
    assert box.commands[-1] == "LOGOUT"


def test_a_reply_threads_onto_its_ticket_like_mail_in(box, workspace, owner):
    box.add(message(Message_ID="<first@client.example>"))
    mail_poll(account(box))
    [ticket] = tickets()
    with workspace_scope(workspace):
        answer = ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="On it")
    box.add(message(subject="Re: Printer on fire", In_Reply_To=answer.message_id, body="Thanks"))

    assert mail_poll(account(box)).stored == 1

    assert len(tickets()) == 1
    with scopes_disabled():
        bodies = list(TicketMessage.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert bodies == ["Please help", "On it", "Thanks"]


def test_a_failure_while_storing_leaves_the_message_unread_for_the_next_poll(box, monkeypatch):
    mail_ = box.add(message())

    def database_down(**kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as m:
        m.setattr(mail, "ticket_create", database_down)
        result = mail_poll(account(box))
    assert (result.stored, result.failed) == (0, 1)
    assert mail_.flags == set() and tickets() == []

    assert mail_poll(account(box)).stored == 1
    assert "\\Seen" in mail_.flags and len(tickets()) == 1


def test_a_message_stored_but_not_marked_is_not_stored_twice(box):
    mail_ = box.add(message(Message_ID="<once@client.example>"))
    mail_poll(account(box))
    mail_.flags.clear()  # as if the connection dropped between saving and STORE

    assert mail_poll(account(box)).stored == 1
    assert len(tickets()) == 1 and "\\Seen" in mail_.flags


def test_mail_that_can_never_be_a_ticket_is_set_aside_not_retried(box):
    stranger = box.add(message(to="sales@elsewhere.example"))
    picture = EmailMessage()
    picture["From"], picture["To"] = "pat@client.example", SUPPORT
    picture.set_content(b"\x89PNG", maintype="image", subtype="png")
    bodiless = box.add(picture.as_bytes())
    huge = box.add(message(body="x" * 60_000))

    result = mail_poll(account(box, max_bytes=50_000))

    assert (result.stored, result.rejected) == (0, 3)
    for mail_ in (stranger, bodiless, huge):
        assert mail_.flags == {REJECTED}  # left unread for a person, skipped from now on
    assert f"UID FETCH {huge.uid} (BODY.PEEK[])" not in box.commands  # never downloaded
    fetched = sum(c.startswith("UID FETCH") for c in box.commands)
    assert mail_poll(account(box)).rejected == 0
    assert sum(c.startswith("UID FETCH") for c in box.commands) == fetched
    assert tickets() == []


def test_the_fixed_address_wins_over_the_headers(box):
    box.add(message(to="undisclosed-recipients:;"))
    assert mail_poll(account(box, address=SUPPORT)).stored == 1


def test_wrong_credentials_or_folder_are_named(box):
    with pytest.raises(ImapFailed, match="LOGIN"):
        mail_poll(account(box, password="guess"))
    with pytest.raises(ImapFailed, match="SELECT Archive"):
        mail_poll(account(box, folder="Archive"))


def scheduled_with(monkeypatch) -> dict[str, Schedule]:
    """The service's schedules as its module declares them under the current settings."""
    core_schedules.schedules()  # every app's module imported once, into the real registry
    monkeypatch.setattr(core_schedules, "_schedules", dict(core_schedules._schedules))
    importlib.reload(service_schedules)
    return {s.name: s for s in core_schedules.schedules()}


def test_the_command_and_the_schedule_read_the_imap_settings(box, settings, monkeypatch):
    box.add(message())
    settings.IMAP_HOST = ""
    with pytest.raises(CommandError, match="IMAP_HOST"):
        call_command("mail-poll")
    assert mail_poll_task.call() == 0
    assert "mail_poll" not in scheduled_with(monkeypatch)

    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_TLS = "127.0.0.1", box.port, "off"
    settings.IMAP_USER, settings.IMAP_PASSWORD = box.user, box.password
    settings.IMAP_FOLDER = box.folder
    assert scheduled_with(monkeypatch)["mail_poll"].cron == "* * * * *"
    assert mail_poll_task.call() == 1
    box.add(message(subject="Second"))
    out = call_command("mail-poll")
    assert len(tickets()) == 2
    settings.IMAP_PASSWORD = "guess"
    with pytest.raises(CommandError, match="LOGIN"):
        call_command("mail-poll")
    assert out is None
