"""Two workers sending the same campaign at once, on PostgreSQL: each claims groups with
SELECT ... FOR UPDATE SKIP LOCKED and holds its in-flight group locked, so neither mails an
address the other has, and the second's start takes nothing the first is sending."""

import asyncio
import threading

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction

from rapport.campaigns.models import Campaign, CampaignStatus, Recipient, RecipientStatus
from rapport.campaigns.sending import SendResult, campaign_queue, campaign_send
from rapport.campaigns.tests.factories import make_campaign, opt_in
from rapport.campaigns.tests.test_sending import Sink
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.service.tests.test_mail import free_port
from rapport.tenancy.access import workspace_scope

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs row locks and concurrent writers"
    ),
]

PEOPLE = 40


class SlowSink(Sink):
    """Takes a little time per message, and says when the first one has arrived, so the
    second worker starts while the first has a group claimed and in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.first = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.01)
        self.first.set()
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_sink(settings):
    handler = SlowSink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.RAPPORT_CAMPAIGN_BATCH_SIZE = 10
    settings.RAPPORT_CAMPAIGN_CLAIM_GROUP = 5
    settings.RAPPORT_CAMPAIGN_BATCH_PAUSE = 0.0
    yield handler
    controller.stop()


def _queued(workspace, owner, people: int) -> Campaign:
    """A campaign with `people` opted-in recipients written, none sent yet."""
    for n in range(people):
        make_contact(workspace, first_name=f"P{n}", emails=[f"p{n}@client.example"])
    campaign = make_campaign(workspace, owner)
    with workspace_scope(workspace):
        opt_in(workspace, *Contact.objects.all())
        campaign_queue(workspace=workspace, campaign=campaign, contacts=Contact.objects.all())
    return campaign


def _worker(workspace, campaign_id: int, results: list[SendResult], errors: list) -> None:
    try:
        with workspace_scope(workspace):
            results.append(campaign_send(workspace=workspace, campaign_id=campaign_id))
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        connection.close()


def test_two_workers_on_one_campaign_mail_every_recipient_exactly_once(slow_sink, workspace, owner):
    campaign = _queued(workspace, owner, PEOPLE)
    results: list[SendResult] = []
    errors: list = []

    first = threading.Thread(target=_worker, args=(workspace, campaign.pk, results, errors))
    first.start()
    assert slow_sink.first.wait(timeout=30)
    second = threading.Thread(target=_worker, args=(workspace, campaign.pk, results, errors))
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)

    assert errors == []
    received = slow_sink.recipients()
    assert sorted(received) == sorted(f"p{n}@client.example" for n in range(PEOPLE))
    assert len(received) == len(set(received)) == PEOPLE
    # Both did part of the work, and the second's start marked none of the first's
    # in-flight rows uncertain.
    assert sorted(r.sent for r in results) != [0, PEOPLE]
    assert sum(r.sent for r in results) == PEOPLE
    assert [r.uncertain for r in results] == [0, 0]
    assert [r.finished for r in results].count(True) == 1
    with workspace_scope(workspace):
        statuses = set(Recipient.objects.values_list("status", flat=True))
        assert statuses == {RecipientStatus.SENT}
        assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT


def test_a_resume_still_marks_a_dead_workers_claimed_rows_uncertain(slow_sink, workspace, owner):
    campaign = _queued(workspace, owner, 3)
    with workspace_scope(workspace):
        # A worker claimed one row and died: its claim is committed, its lock gone.
        dead = Recipient.objects.order_by("id")[0]
        Recipient.objects.filter(pk=dead.pk).update(status=RecipientStatus.CLAIMED)
        result = campaign_send(workspace=workspace, campaign_id=campaign.pk)
        dead.refresh_from_db()

    assert (result.sent, result.uncertain) == (2, 1)
    assert dead.status == RecipientStatus.UNCERTAIN
    assert dead.email not in slow_sink.recipients()


def test_a_worker_done_while_another_holds_a_group_leaves_the_finish_to_it(
    slow_sink, workspace, owner
):
    campaign = _queued(workspace, owner, 3)
    with workspace_scope(workspace):
        held = Recipient.objects.order_by("id")[0]
        Recipient.objects.filter(pk=held.pk).update(status=RecipientStatus.CLAIMED)
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        """Holds its claimed row locked, as `_held` does while sending, then notes it sent."""
        try:
            with workspace_scope(workspace), transaction.atomic():
                list(Recipient.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(timeout=30)
                Recipient.objects.filter(pk=held.pk).update(status=RecipientStatus.SENT)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(timeout=30)
    with workspace_scope(workspace):
        first = campaign_send(workspace=workspace, campaign_id=campaign.pk)
        status_while_held = Campaign.objects.get(pk=campaign.pk).status
    release.set()
    thread.join(timeout=30)
    with workspace_scope(workspace):
        last = campaign_send(workspace=workspace, campaign_id=campaign.pk)
        campaign.refresh_from_db()

    assert (first.sent, first.uncertain, first.finished) == (2, 0, False)
    assert status_while_held == CampaignStatus.SENDING
    assert (last.sent, last.uncertain, last.finished) == (0, 0, True)
    assert campaign.status == CampaignStatus.SENT
    assert held.email not in slow_sink.recipients()
