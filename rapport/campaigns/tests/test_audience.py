"""Who a campaign reaches and when: its segment or list, now or at its time, resumed by the
dispatcher after a dead worker; unsubscribing joins the consent history; engagement is a
segment condition."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from rapport.campaigns.models import Campaign, CampaignStatus, EventKind, Recipient, RecipientStatus
from rapport.campaigns.services import (
    campaign_start,
    campaign_update,
    recipient_clicked,
    recipient_unsubscribed,
)
from rapport.campaigns.tasks import campaigns_dispatch
from rapport.campaigns.tests.factories import make_campaign, opt_in
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.marketing.definition import definition_clean
from rapport.marketing.models import ConsentEvent, Segment
from rapport.marketing.queries import consent_allows, definition_members
from rapport.marketing.services import segment_create, static_list_add, static_list_create
from rapport.tenancy.access import workspace_scope

LEADS = {"op": "and", "rules": [{"type": "lifecycle_stage", "op": "is", "stage": "lead"}]}


@pytest.fixture
def people(scoped, workspace):
    lead = make_contact(
        workspace, first_name="Lea", emails=["lea@x.example"], lifecycle_stage="lead"
    )
    customer = make_contact(
        workspace, first_name="Cus", emails=["cus@x.example"], lifecycle_stage="customer"
    )
    opt_in(workspace, lead, customer)
    return lead, customer


def test_a_campaign_goes_to_its_segments_members(
    workspace, owner, people, django_capture_on_commit_callbacks
):
    segment = segment_create(
        workspace=workspace, actor=owner, data={"name": "Leads", "definition": LEADS}
    )
    campaign = make_campaign(workspace, owner, segment_id=segment.pk)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(workspace=workspace, actor=owner, campaign=campaign)

    assert [m.to for m in mail.outbox] == [["lea@x.example"]]


def test_a_campaign_goes_to_its_static_list(
    workspace, owner, people, django_capture_on_commit_callbacks
):
    _, customer = people
    members = static_list_create(workspace=workspace, actor=owner, data={"name": "VIP"})
    static_list_add(
        workspace=workspace, actor=owner, static_list=members, contact_ids=[customer.pk]
    )
    campaign = make_campaign(workspace, owner, static_list_id=members.pk)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(workspace=workspace, actor=owner, campaign=campaign)

    assert [m.to for m in mail.outbox] == [["cus@x.example"]]


def test_a_campaign_without_an_audience_is_refused(workspace, owner, people):
    campaign = make_campaign(workspace, owner)

    with pytest.raises(ServiceValidationError) as caught:
        campaign_start(workspace=workspace, actor=owner, campaign=campaign)

    assert "segment_id" in caught.value.as_dict()
    assert Campaign.objects.get().status == CampaignStatus.DRAFT


def test_a_scheduled_campaign_waits_for_its_time(workspace, owner, people):
    segment = segment_create(
        workspace=workspace, actor=owner, data={"name": "Leads", "definition": LEADS}
    )
    later = timezone.now() + dt.timedelta(hours=3)
    campaign = make_campaign(workspace, owner, segment_id=segment.pk, scheduled_at=later)

    campaign_start(workspace=workspace, actor=owner, campaign=campaign)
    early = campaigns_dispatch.call()
    with time_machine.travel(later + dt.timedelta(minutes=1)):
        due = campaigns_dispatch.call()

    assert early == 0 and due == 1
    assert [m.to for m in mail.outbox] == [["lea@x.example"]]


def test_the_dispatcher_resumes_a_send_whose_worker_died(workspace, owner, people):
    lead, customer = people
    campaign = make_campaign(workspace, owner)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.SENDING, started_at=long_ago, updated_at=long_ago
    )
    Recipient.objects.create(
        workspace=workspace,
        campaign=campaign,
        contact=lead,
        email=lead.email,
        status=RecipientStatus.SENT,
        claimed_at=long_ago,
        sent_at=long_ago,
    )
    Recipient.objects.create(
        workspace=workspace, campaign=campaign, contact=customer, email=customer.email
    )

    assert campaigns_dispatch.call() == 1
    assert [m.to for m in mail.outbox] == [["cus@x.example"]]
    assert campaigns_dispatch.call() == 0  # done: nothing pending


def test_unsubscribing_records_an_opt_out_in_the_consent_history(workspace, owner, people):
    lead, _ = people
    campaign = make_campaign(workspace, owner, name="Spring")
    recipient = Recipient.objects.create(
        workspace=workspace, campaign=campaign, contact=lead, email=lead.email
    )

    recipient_unsubscribed(recipient=recipient)

    latest = ConsentEvent.objects.filter(contact=lead).order_by("-at", "-id")[0]
    assert (latest.status, latest.source) == ("opted_out", "unsubscribe link")
    assert "Spring" in latest.note
    assert not consent_allows(contact=lead, purpose="email_marketing")


def test_engagement_is_a_segment_condition(workspace, owner, people):
    lead, customer = people
    campaign = make_campaign(workspace, owner)
    for contact in (lead, customer):
        Recipient.objects.create(
            workspace=workspace, campaign=campaign, contact=contact, email=contact.email
        )
    recipient_clicked(recipient=Recipient.objects.get(contact=lead), url="https://x.example/")
    clicked = {
        "op": "and",
        "rules": [{"type": "email_engagement", "action": "click", "campaign": str(campaign.pk)}],
    }
    never = {
        "op": "and",
        "rules": [
            {"type": "email_engagement", "op": "has_not", "action": EventKind.CLICK, "days": 30}
        ],
    }

    def members(tree):
        clean = definition_clean(tree, workspace=workspace)
        return set(
            definition_members(workspace=workspace, definition=clean).values_list(
                "first_name", flat=True
            )
        )

    assert members(clicked) == {"Lea"}
    assert members(never) == {"Cus"}
    with pytest.raises(ServiceValidationError):
        definition_clean(
            {"op": "and", "rules": [{"type": "email_engagement", "campaign": "999999"}]},
            workspace=workspace,
        )


def test_the_audience_cannot_change_once_sending(workspace, owner, people):
    segment = segment_create(
        workspace=workspace, actor=owner, data={"name": "Leads", "definition": LEADS}
    )
    campaign = make_campaign(workspace, owner, segment_id=segment.pk)
    campaign_start(workspace=workspace, actor=owner, campaign=campaign)
    campaign.refresh_from_db()

    with pytest.raises(ServiceValidationError):
        campaign_update(
            workspace=workspace, actor=owner, campaign=campaign, data={"segment_id": None}
        )


def test_true_is_not_read_as_the_segment_with_id_1(workspace, owner):
    with workspace_scope(workspace):
        Segment.objects.create(pk=1, workspace=workspace, name="First", definition={})

        with pytest.raises(ServiceValidationError) as exc:
            make_campaign(workspace, owner, segment_id=True)

    assert "segment_id" in exc.value.as_dict()
