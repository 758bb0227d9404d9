"""Mail in and out through a real SMTP conversation on the loopback interface."""

import smtplib
import socket
from email.message import EmailMessage

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from rapport.contacts.tests.factories import make_contact
from rapport.service.models import Mailbox, Ticket, TicketMessage
from rapport.service.services import ticket_reply
from rapport.service.smtp import mail_server
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db(transaction=True)
SUPPORT = "support@acme.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(workspace):
    with workspace_scope(workspace):
        Mailbox.objects.create(workspace=workspace, address=SUPPORT)
    port = free_port()
    server = mail_server("127.0.0.1", port, max_bytes=50_000)
    server.start()
    yield port
    server.stop()


def send(port: int, msg: EmailMessage, to: str = SUPPORT) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(msg, to_addrs=[to])


def message(
    subject="Printer on fire", body="Please help", sender="Pat Doe <pat@client.example>", **headers
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, SUPPORT, subject
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(body)
    return msg


def tickets():
    with scopes_disabled():
        return list(Ticket.objects.select_related("requester").order_by("id"))


def test_a_new_mail_opens_a_ticket_for_a_new_contact(smtp):
    send(smtp, message(Message_ID="<first@client.example>"))
    [ticket] = tickets()
    assert (ticket.subject, ticket.channel) == ("Printer on fire", "email")
    assert ticket.requester.email == "pat@client.example"
    assert (ticket.requester.first_name, ticket.requester.last_name) == ("Pat", "Doe")
    with scopes_disabled():
        assert ticket.messages.get().body == "Please help"


def test_an_answer_to_the_agents_reply_threads_back_and_reopens(smtp, workspace, owner):
    send(smtp, message(Message_ID="<first@client.example>"))
    [ticket] = tickets()
    with workspace_scope(workspace):
        ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="Unplug it")
        ticket.refresh_from_db()
        from rapport.service.services import ticket_set_status

        ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="pending")
    [out] = mail.outbox
    assert out.to == ["pat@client.example"] and out.subject == f"[#{ticket.number}] Printer on fire"
    assert out.reply_to == [SUPPORT]
    assert out.extra_headers["In-Reply-To"] == "<first@client.example>"
    send(
        smtp,
        message(
            subject="Re: it worked", body="Thanks!", In_Reply_To=out.extra_headers["Message-ID"]
        ),
    )
    [same] = tickets()
    with scopes_disabled():
        assert [m.body for m in same.messages.all()] == ["Please help", "Unplug it", "Thanks!"]
    assert same.status == "open"


def test_the_subject_token_threads_only_for_the_requester(smtp, workspace, owner):
    send(smtp, message())
    [ticket] = tickets()
    send(smtp, message(subject=f"Re: [#{ticket.number}] more", body="Also the scanner"))
    send(smtp, message(subject=f"[#{ticket.number}] let me in", sender="eve@evil.example"))
    found = tickets()
    assert len(found) == 2  # the stranger opened their own ticket
    with scopes_disabled():
        assert ticket.messages.count() == 2
        assert found[1].requester.email == "eve@evil.example"


def test_an_existing_contact_is_matched_by_email(smtp, workspace, owner):
    known = make_contact(workspace, owner, emails=["pat@client.example"])
    send(smtp, message())
    assert tickets()[0].requester == known


def test_oversized_mail_is_refused_and_nothing_is_stored(smtp):
    with pytest.raises(smtplib.SMTPException) as exc:
        send(smtp, message(body="x" * 80_000))
    assert "552" in str(exc.value) or getattr(exc.value, "smtp_code", None) == 552
    assert tickets() == []


def test_an_unknown_recipient_is_refused(smtp):
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(smtp, message(), to="nobody@acme.example")


def test_mail_without_a_text_body_or_sender_is_refused_without_crashing(smtp):
    bare = EmailMessage()
    bare["Subject"] = "no sender"
    bare.set_content("hello")
    with pytest.raises(smtplib.SMTPDataError) as exc:
        send(smtp, bare)
    assert exc.value.smtp_code == 554
    pic = message()
    pic.set_content(b"\x89PNG", maintype="image", subtype="png")
    with pytest.raises(smtplib.SMTPDataError):
        send(smtp, pic)
    send(smtp, message())  # the server is still up
    assert len(tickets()) == 1


def test_a_redelivered_message_is_stored_once(smtp):
    send(smtp, message(Message_ID="<dup@client.example>"))
    send(smtp, message(Message_ID="<dup@client.example>"))
    with scopes_disabled():
        assert TicketMessage.objects.count() == 1


def test_attachments_are_kept_and_refused_ones_noted(smtp):
    msg = message()
    msg.add_attachment(
        b"%PDF-1.7 fake", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    msg.add_attachment(b"MZ\x90\x00", maintype="application", subtype="pdf", filename="evil.pdf")
    send(smtp, msg)
    [ticket] = tickets()
    with scopes_disabled():
        [kept] = ticket.attachments.all()
        notes = [m.body for m in ticket.messages.filter(kind="internal")]
    assert (kept.name, kept.content_type, kept.size) == ("invoice.pdf", "application/pdf", 13)
    assert kept.file.read() == b"%PDF-1.7 fake"
    assert notes == ["Attachments not kept:\nevil.pdf: the content is not a application/pdf file"]
