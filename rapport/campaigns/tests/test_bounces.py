"""Bounces through a real SMTP conversation with the mail-in server: a permanent failure
suppresses the address and shows in the report, a temporary one is only noted, and a bounce
address that names nobody is refused."""

import smtplib

import pytest

from rapport.campaigns.models import Recipient, Suppression, TrackingEvent
from rapport.campaigns.queries import campaign_report
from rapport.campaigns.sending import bounce_address
from rapport.campaigns.tests.factories import make_campaign
from rapport.contacts.tests.factories import make_contact
from rapport.service.smtp import mail_server
from rapport.service.tests.test_mail import free_port
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mail_in():
    port = free_port()
    server = mail_server("127.0.0.1", port)
    server.start()
    yield port
    server.stop()


@pytest.fixture
def recipient(workspace, owner):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@client.example"])
    campaign = make_campaign(workspace, owner)
    with workspace_scope(workspace):
        return Recipient.objects.create(
            workspace=workspace, campaign=campaign, contact=ann, email=ann.email, status="sent"
        )


def dsn(status: str, diagnostic: str) -> bytes:
    """A delivery status notification as MTAs send them (RFC 3464)."""
    return (
        "From: MAILER-DAEMON@mx.client.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.client.example\r\n\r\n"
        "Final-Recipient: rfc822; ann@client.example\r\nAction: failed\r\n"
        f"Status: {status}\r\nDiagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        "--b1--\r\n"
    ).encode()


def send(port: int, raw: bytes, to: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("", [to], raw)


def test_a_hard_bounce_suppresses_the_address_and_counts_in_the_report(
    mail_in, recipient, workspace
):
    send(mail_in, dsn("5.1.1", "550 5.1.1 user unknown"), bounce_address(recipient.token))

    with workspace_scope(workspace):
        assert list(Suppression.objects.values_list("email", "reason")) == [
            ("ann@client.example", "bounce")
        ]
        event = TrackingEvent.objects.get()
        report = campaign_report(workspace=workspace, campaign=recipient.campaign)
    assert event.kind == "bounce" and "5.1.1" in event.detail
    assert (report.bounced, report.delivered) == (1, 0)


def test_a_temporary_failure_is_noted_but_not_suppressed(mail_in, recipient, workspace):
    send(mail_in, dsn("4.2.2", "452 mailbox full"), bounce_address(recipient.token))

    with workspace_scope(workspace):
        assert not Suppression.objects.exists()
        assert list(TrackingEvent.objects.values_list("kind", flat=True)) == ["soft_bounce"]
        assert campaign_report(workspace=workspace, campaign=recipient.campaign).delivered == 1


def test_a_bounce_address_that_names_nobody_is_refused(mail_in, recipient, workspace):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(mail_in, dsn("5.1.1", "user unknown"), bounce_address("not-a-token"))

    assert refused.value.smtp_code == 550
    with workspace_scope(workspace):
        assert not TrackingEvent.objects.exists()
