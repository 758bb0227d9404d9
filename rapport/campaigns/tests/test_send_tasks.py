"""A campaign's send is shared by RAPPORT_CAMPAIGN_SEND_TASKS tasks in the database queue, run
by the real worker: each address is mailed once, and exactly one task marks the campaign sent.
The dispatcher hands a due campaign over once, however often it runs before a worker starts,
and picks up one started "now" whose tasks were never queued."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.campaigns.models import Campaign, CampaignStatus, Recipient, RecipientStatus
from rapport.campaigns.services import campaign_start
from rapport.campaigns.tasks import campaigns_dispatch
from rapport.campaigns.tests.factories import make_campaign, opt_in
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact

# The worker closes its database connection between tasks, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 7


@pytest.fixture
def queued(settings, scoped, workspace):
    """Tasks go to the database queue and run when the test runs the worker; three per send,
    in batches of two so each task has several to take."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.RAPPORT_CAMPAIGN_SEND_TASKS = 3
    settings.RAPPORT_CAMPAIGN_BATCH_SIZE = 2
    for n in range(PEOPLE):
        make_contact(workspace, first_name=f"P{n}", emails=[f"p{n}@client.example"])
    opt_in(workspace, *Contact.objects.all())


def _send_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith=".campaign_send_task"))


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _assert_sent_once_and_finished_once(campaign: Campaign) -> None:
    received = [to for message in mail.outbox for to in message.to]
    assert sorted(received) == sorted(f"p{n}@client.example" for n in range(PEOPLE))
    results = [t.return_value for t in _send_tasks()]
    assert len(results) == 3
    assert [r["finished"] for r in results].count(True) == 1
    assert sum(r["sent"] for r in results) == PEOPLE
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and campaign.finished_at is not None
    assert set(Recipient.objects.values_list("status", flat=True)) == {RecipientStatus.SENT}


def test_a_started_campaign_queues_its_send_tasks_and_each_address_is_mailed_once(
    queued, workspace, owner, django_capture_on_commit_callbacks
):
    campaign = make_campaign(workspace, owner)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(
            workspace=workspace, actor=owner, campaign=campaign, audience=Contact.objects.all()
        )
    assert len(_send_tasks()) == 3 and mail.outbox == []

    _run_worker()

    _assert_sent_once_and_finished_once(campaign)


def test_the_dispatcher_hands_a_due_campaign_over_once(queued, workspace, owner):
    later = timezone.now() + dt.timedelta(hours=1)
    campaign = make_campaign(workspace, owner, scheduled_at=later)
    campaign_start(
        workspace=workspace, actor=owner, campaign=campaign, audience=Contact.objects.all()
    )

    with time_machine.travel(later + dt.timedelta(minutes=1)):
        # The worker is busy elsewhere: the dispatcher runs again before it starts.
        handed = [campaigns_dispatch.call(), campaigns_dispatch.call()]
    assert handed == [1, 0]
    assert len(_send_tasks()) == 3
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENDING

    _run_worker()

    _assert_sent_once_and_finished_once(campaign)
    assert campaigns_dispatch.call() == 0


def test_a_campaign_started_now_whose_tasks_were_lost_is_handed_over_after_a_while(
    queued, workspace, owner, monkeypatch
):
    campaign = make_campaign(workspace, owner)
    with monkeypatch.context() as died:  # the process ends between the commit and the queueing
        died.setattr("rapport.campaigns.services.campaign_send_enqueue", lambda campaign: None)
        campaign_start(
            workspace=workspace, actor=owner, campaign=campaign, audience=Contact.objects.all()
        )
    assert _send_tasks() == []
    started = timezone.now()

    with time_machine.travel(started + dt.timedelta(minutes=2)):
        assert campaigns_dispatch.call() == 0  # its own tasks may just be slow to start
    with time_machine.travel(started + dt.timedelta(minutes=11)):
        assert campaigns_dispatch.call() == 1
    _run_worker()

    _assert_sent_once_and_finished_once(campaign)


def test_a_send_whose_worker_died_holding_the_last_group_is_resumed_and_finished(
    queued, workspace, owner
):
    """Nothing is pending, one row is claimed: the worker that claimed it may still be sending,
    so the campaign stays "sending" until that claim is stale, then a resumed task marks the
    row uncertain (never mailed again) and finishes the campaign."""
    campaign = make_campaign(workspace, owner)
    campaign_start(
        workspace=workspace, actor=owner, campaign=campaign, audience=Contact.objects.all()
    )
    now = timezone.now()
    Recipient.objects.update(status=RecipientStatus.SENT, claimed_at=now, sent_at=now)
    last = Recipient.objects.order_by("id").reverse()[0]
    Recipient.objects.filter(pk=last.pk).update(status=RecipientStatus.CLAIMED)
    long_ago = now - dt.timedelta(hours=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.SENDING, started_at=long_ago, updated_at=long_ago
    )

    assert campaigns_dispatch.call() == 0  # claimed a moment ago: its worker may be alive
    with time_machine.travel(now + dt.timedelta(minutes=11)):
        assert campaigns_dispatch.call() == 1
    _run_worker()

    results = [t.return_value for t in _send_tasks()]
    assert sum(r["uncertain"] for r in results) == 1
    assert [r["finished"] for r in results].count(True) == 1
    assert mail.outbox == []
    assert Recipient.objects.get(pk=last.pk).status == RecipientStatus.UNCERTAIN
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT
