"""Sending through a real SMTP conversation on loopback (aiosmtpd), crash and resume included."""

import email
from email import policy
from urllib.parse import parse_qs, urlparse

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMultiAlternatives

from rapport.campaigns.models import Campaign, CampaignStatus, Recipient, RecipientStatus
from rapport.campaigns.sending import campaign_send
from rapport.campaigns.services import campaign_start, recipient_unsubscribed
from rapport.campaigns.tests.factories import make_campaign, opt_in
from rapport.campaigns.tracking import click_verified
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.service.tests.test_mail import free_port
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db(transaction=True)


class Sink:
    """An SMTP server that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.sessions: list = []  # the SMTP session (connection) of each envelope

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.sessions.append(session)
        return "250 OK"

    def per_connection(self) -> list[int]:
        """How many messages each connection carried, in order."""
        counts: dict[int, int] = {}
        for session in self.sessions:  # all kept alive, so no id is reused
            counts[id(session)] = counts.get(id(session), 0) + 1
        return list(counts.values())

    def messages(self):
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def recipients(self) -> list[str]:
        return [to for e in self.envelopes for to in e.rcpt_tos]


@pytest.fixture
def sink(settings):
    handler = Sink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.RAPPORT_CAMPAIGN_BATCH_SIZE = 2
    yield handler
    controller.stop()


def _start(workspace, owner, campaign, *, without_consent=()):
    """Send to every contact, all opted in to email marketing but `without_consent`."""
    asked = {c.pk for c in without_consent}
    with workspace_scope(workspace):
        opt_in(
            workspace, *Contact.objects.exclude(pk__in=asked).exclude(consent_events__isnull=False)
        )
        return campaign_start(
            workspace=workspace, actor=owner, campaign=campaign, audience=Contact.objects.all()
        )


def test_a_campaign_reaches_each_address_once_with_unsubscribe_headers(sink, workspace, owner):
    acme = make_company(workspace, name="Acme")
    make_contact(workspace, first_name="Ann", emails=["ann@client.example"], company_ids=[acme.pk])
    make_contact(workspace, first_name="Ben", emails=["ben@client.example"])
    make_contact(workspace, first_name="Ann again", emails=["ANN@client.example"])  # same address
    campaign = make_campaign(workspace, owner)

    _start(workspace, owner, campaign)  # the immediate task backend sends at commit

    assert sorted(sink.recipients()) == ["ann@client.example", "ben@client.example"]
    ann = next(m for m in sink.messages() if m["To"] == "ann@client.example")
    with workspace_scope(workspace):
        row = Recipient.objects.get(email="ann@client.example")
        campaign.refresh_from_db()
    assert ann["Subject"] == "Spring news for Acme"
    assert ann["From"] == "news@acme.example"
    assert ann["List-Unsubscribe"] == f"<http://127.0.0.1:8000/t/u/{row.token}/>"
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ann["Message-ID"] == row.message_id
    envelope = next(e for e in sink.envelopes if e.rcpt_tos == ["ann@client.example"])
    assert envelope.mail_from == f"bounce+{row.token}@rapport.localhost"
    html = ann.get_body(("html",)).get_content()
    assert "Hello Ann," in html
    assert f"/t/o/{row.token}.gif" in html
    assert "https://shop.example/spring" not in html.replace("u=https", "")  # every link tracked
    assert campaign.status == CampaignStatus.SENT


def test_each_batch_goes_over_one_smtp_connection_then_pauses(
    sink, workspace, owner, monkeypatch, settings
):
    settings.RAPPORT_CAMPAIGN_BATCH_PAUSE = 0.25
    pauses: list[float] = []
    monkeypatch.setattr("rapport.campaigns.sending.time.sleep", pauses.append)
    for n in range(5):
        make_contact(workspace, first_name=f"P{n}", emails=[f"p{n}@client.example"])
    campaign = make_campaign(workspace, owner)

    _start(workspace, owner, campaign)

    # Batches of two (the fixture's size): 2 + 2 + 1 messages, one connection each, and the
    # throttle's pause after each.
    assert sink.per_connection() == [2, 2, 1]
    assert pauses == [0.25] * 3


def test_the_tracked_link_carries_a_valid_signature_for_the_original_url(sink, workspace, owner):
    make_contact(workspace, emails=["ann@client.example"])
    _start(workspace, owner, make_campaign(workspace, owner))

    text = sink.messages()[0].get_body(("plain",)).get_content()
    link = next(w for w in text.split() if "/t/c/" in w)
    parsed = urlparse(link)
    query = parse_qs(parsed.query)
    token = parsed.path.split("/")[3]

    assert query["u"] == ["https://shop.example/spring"]
    assert click_verified(token, query["u"][0], query["s"][0])


def test_opted_out_bounced_invalid_unconsented_and_addressless_contacts_are_skipped(
    sink, workspace, owner
):
    make_contact(workspace, first_name="Ok", emails=["ok@client.example"])
    make_contact(workspace, first_name="Nope", emails=["nope@client.example"], do_not_email=True)
    gone = make_contact(workspace, first_name="Gone", emails=["gone@client.example"])
    make_contact(workspace, first_name="Nomail")
    unasked = make_contact(workspace, first_name="Unasked", emails=["unasked@client.example"])
    earlier = make_campaign(workspace, owner, name="Earlier")
    _start(workspace, owner, earlier, without_consent=[unasked])
    with workspace_scope(workspace):
        recipient_unsubscribed(recipient=Recipient.objects.get(contact=gone))
    sink.envelopes.clear()

    later = make_campaign(workspace, owner, name="Later", template_id=earlier.template_id)
    _start(workspace, owner, later, without_consent=[unasked])

    assert sink.recipients() == ["ok@client.example"]
    with workspace_scope(workspace):
        skipped = dict(
            Recipient.objects.filter(
                campaign__name="Later", status=RecipientStatus.SKIPPED
            ).values_list("contact__first_name", "skip_reason")
        )
    assert skipped == {
        "Nope": "do not email",
        "Gone": "unsubscribed or bounced before",
        "Nomail": "no email address",
        "Unasked": "no consent to email marketing",
    }


def test_a_send_resumed_after_a_crash_mails_nobody_twice(
    sink, workspace, owner, monkeypatch, settings
):
    settings.RAPPORT_CAMPAIGN_SEND_TASKS = 1  # one worker, which dies; the resume is below
    for n in range(5):
        make_contact(workspace, first_name=f"P{n}", emails=[f"p{n}@client.example"])
    campaign = make_campaign(workspace, owner)
    real_send = EmailMultiAlternatives.send
    calls = {"n": 0}

    def crash_after_the_third_is_accepted(self, *args, **kwargs):
        calls["n"] += 1
        sent = real_send(self, *args, **kwargs)
        if calls["n"] == 3:
            raise SystemExit("worker killed")  # after the server took it, before it was noted
        return sent

    monkeypatch.setattr(EmailMultiAlternatives, "send", crash_after_the_third_is_accepted)
    _start(workspace, owner, campaign)  # the task dies with the worker (logged as failed)
    assert len(sink.recipients()) == 3
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)

    with workspace_scope(workspace):
        result = campaign_send(workspace=workspace, campaign_id=campaign.pk)
        statuses = sorted(Recipient.objects.values_list("status", flat=True))

    # p2 was taken by the server but not noted, p3 claimed with it: both are uncertain and
    # never mailed again; p4, still pending, goes out. Nobody gets it twice.
    received = sink.recipients()
    assert sorted(received) == [f"p{n}@client.example" for n in (0, 1, 2, 4)]
    assert len(received) == len(set(received))
    assert (result.sent, result.uncertain) == (1, 2)
    assert statuses == ["sent"] * 3 + ["uncertain"] * 2
    with workspace_scope(workspace):
        assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT


def test_a_cancelled_campaign_stops_between_batches(sink, workspace, owner, monkeypatch):
    for n in range(5):
        make_contact(workspace, first_name=f"P{n}", emails=[f"p{n}@client.example"])
    campaign = make_campaign(workspace, owner)
    monkeypatch.setattr(
        "rapport.campaigns.sending.time.sleep",
        lambda _: Campaign.unscoped.filter(pk=campaign.pk).update(status=CampaignStatus.CANCELLED),
    )

    _start(workspace, owner, campaign)

    assert len(sink.recipients()) == 2  # the first batch of two, then the stop
    with workspace_scope(workspace):
        assert Recipient.objects.filter(status=RecipientStatus.PENDING).count() == 3
