"""The demo's nurture sequence: a welcome series switched on six weeks ago, which everyone who
signed up on the website since has walked, so its page shows contacts at each step, its emails'
opens and clicks, and the owners' follow-up tasks.

Like the campaigns (see `marketing_data`), the sign-ups, the enrollments and the sequence's
sends happened in the past: they go through the services (consent, list, enrollment, the step
campaigns' audience rules) and are then dated back, and what the engine would have done at each
step is written as the engine writes it. Nothing is mailed.
"""

import datetime as dt
import random

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from rapport.activities.services import activity_bulk_create
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    EmailTemplate,
    EventKind,
    Recipient,
    RecipientStatus,
    TrackingEvent,
)
from rapport.campaigns.sending import campaign_queue
from rapport.contacts.models import Contact
from rapport.demo.marketing_data import LINKS, tracking_event
from rapport.demo.timestamps import working_time
from rapport.marketing.models import (
    ConsentPurpose,
    ConsentStatus,
    StaticList,
    StaticListMember,
)
from rapport.marketing.services import consent_record, static_list_add
from rapport.marketing.services import static_list_create as list_create
from rapport.sequences.models import Enrollment, EnrollmentStatus, Sequence
from rapport.sequences.services import sequence_create, sequence_enroll, sequence_set_status
from rapport.tenancy.models import Membership, Workspace

ACTIVE_DAYS = 45  # the sequence was switched on this long ago
SIGNUPS = 48
# Whole weeks, so what follows a sign-up on a working day falls on one too.
FIRST_WAIT = dt.timedelta(days=7)
SECOND_WAIT = dt.timedelta(days=7)
FOLLOW_UP = "Call the new sign-up: they clicked through"
# (open, click) rates of the welcome and of the nudge sent to those who did not click
WELCOME_RATES = (0.62, 0.24)
NUDGE_RATES = (0.38, 0.12)


def _steps(welcome: EmailTemplate, nudge: EmailTemplate) -> list[dict[str, object]]:
    return [
        {"type": "email", "template_id": welcome.pk},
        {"type": "wait", "days": FIRST_WAIT.days},
        {"type": "branch", "on": "clicked", "then_step": 6, "else_step": 4},
        {"type": "email", "template_id": nudge.pk},
        {"type": "wait", "days": SECOND_WAIT.days},
        {"type": "branch", "on": "clicked", "then_step": 7, "else_step": 8},
        {"type": "task", "subject": FOLLOW_UP, "due_in_days": 2},
    ]


def sequence_demo_fill(
    *,
    workspace: Workspace,
    actor: AbstractUser,
    rng: random.Random,
) -> Sequence:
    now = timezone.now()
    welcome = EmailTemplate.objects.get(name="Welcome")
    nudge = EmailTemplate.objects.get(name="Getting started")
    switched_on = working_time(now - dt.timedelta(days=ACTIVE_DAYS), rng, days_back=1)
    signups = list_create(
        workspace=workspace,
        actor=actor,
        data={"name": "Website sign-ups", "description": "Asked for product news on the website"},
    )
    sequence = sequence_create(
        workspace=workspace,
        actor=actor,
        data={
            "name": "Welcome series",
            "from_email": "hello@demo.rapport.example",
            "enter_list_id": signups.pk,
            "exit_on_reply": True,
            "steps": _steps(welcome, nudge),
        },
    )
    sequence = sequence_set_status(
        workspace=workspace, actor=actor, sequence=sequence, status="active"
    )
    campaigns = _step_campaigns_dated(sequence, switched_on)
    joined = _signed_up(workspace, actor, signups, now, rng)
    sequence_enroll(
        workspace=workspace,
        actor=actor,
        sequence=sequence,
        contacts=Contact.objects.filter(pk__in=joined),
    )
    _walked(workspace, actor, sequence, campaigns, joined, now, rng)
    return sequence


def _step_campaigns_dated(sequence: Sequence, switched_on: dt.datetime) -> dict[int, Campaign]:
    """The campaigns the activation gave each email step, as made on the day it was."""
    campaigns = {}
    for index, pk in sequence.step_campaigns.items():
        Campaign.objects.filter(pk=pk).update(created_at=switched_on, started_at=switched_on)
        campaigns[int(index)] = Campaign.objects.get(pk=pk)
    return campaigns


def _signed_up(
    workspace: Workspace,
    actor: AbstractUser,
    signups: StaticList,
    now: dt.datetime,
    rng: random.Random,
) -> dict[int, dt.datetime]:
    """Contacts with no email statement yet who signed up since, opted in as they did."""
    fresh = (
        Contact.objects.filter(do_not_email=False)
        .exclude(email="")
        .exclude(consent_events__purpose=ConsentPurpose.EMAIL_MARKETING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    candidates = list(fresh)
    chosen = rng.sample(candidates, min(SIGNUPS, len(candidates) // 3))
    joined = {
        pk: working_time(now, rng, days_back=ACTIVE_DAYS - 1)
        for pk in sorted(chosen)  # sorted: the same times for the same seed
    }
    contacts = Contact.objects.in_bulk(joined)
    for pk, at in joined.items():
        consent_record(
            workspace=workspace,
            actor=actor,
            contact=contacts[pk],
            purpose=ConsentPurpose.EMAIL_MARKETING,
            status=ConsentStatus.OPTED_IN,
            source="web form",
            at=at,
        )
    static_list_add(workspace=workspace, actor=actor, static_list=signups, contact_ids=joined)
    for pk, at in joined.items():
        StaticListMember.objects.filter(static_list=signups, contact_id=pk).update(created_at=at)
    return joined


def _sent(
    workspace: Workspace,
    campaign: Campaign,
    when: dict[int, dt.datetime],
    rates: tuple[float, float],
    now: dt.datetime,
    rng: random.Random,
) -> dict[int, tuple[Recipient, bool]]:
    """Each contact's message of an email step at its time, with what they did within the
    wait: (their recipient row, whether they clicked). The step campaign's audience rules are
    the campaign's own: it is queued as a draft for a moment, as `campaign_queue` asks."""
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.DRAFT)
    campaign.status = CampaignStatus.DRAFT
    campaign_queue(
        workspace=workspace, campaign=campaign, contacts=Contact.objects.filter(pk__in=when)
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    recipients = list(campaign.recipients.filter(contact_id__in=when))
    pending = [r for r in recipients if r.status == RecipientStatus.PENDING]
    for r in pending:
        r.status, r.message_id = RecipientStatus.SENT, f"<{r.token}@demo.rapport.example>"
        r.sent_at = when[r.contact_id] + dt.timedelta(minutes=1)
    Recipient.objects.bulk_update(pending, ["status", "sent_at", "message_id"])
    opened, clicked = rates
    events, did = [], {}
    for r in recipients:
        did[r.contact_id] = (r, False)
        if r.sent_at is None or rng.random() >= opened:
            continue
        at = r.sent_at + dt.timedelta(hours=min(rng.expovariate(1 / 6), 40))
        if at > now:
            continue
        events.append(tracking_event(r, EventKind.OPEN, at))
        if rng.random() < clicked / opened and at + dt.timedelta(minutes=2) <= now:
            events.append(tracking_event(r, EventKind.CLICK, at + dt.timedelta(minutes=2), LINKS))
            did[r.contact_id] = (r, True)
    TrackingEvent.objects.bulk_create(events)
    return did


def _walked(
    workspace: Workspace,
    actor: AbstractUser,
    sequence: Sequence,
    campaigns: dict[int, Campaign],
    joined: dict[int, dt.datetime],
    now: dt.datetime,
    rng: random.Random,
) -> None:
    """Each enrollment where the engine would have left it by now: waiting after the welcome
    or after the nudge, or done, with a follow-up task for whoever clicked."""
    enrollments = {e.contact_id: e for e in Enrollment.objects.filter(sequence=sequence)}
    welcome = _sent(workspace, campaigns[0], joined, WELCOME_RATES, now, rng)
    to_nudge, follow_ups = {}, {}
    for pk, entered in joined.items():
        e, (recipient, clicked) = enrollments[pk], welcome[pk]
        e.created_at, e.last_recipient = entered, recipient
        if entered + FIRST_WAIT > now:
            e.step, e.next_run_at = 2, entered + FIRST_WAIT
        elif clicked:
            follow_ups[pk] = entered + FIRST_WAIT
        else:
            to_nudge[pk] = entered + FIRST_WAIT
    nudge = _sent(workspace, campaigns[3], to_nudge, NUDGE_RATES, now, rng)
    for pk, sent in to_nudge.items():
        e, (recipient, clicked) = enrollments[pk], nudge[pk]
        e.last_recipient = recipient
        if sent + SECOND_WAIT > now:
            e.step, e.next_run_at = 5, sent + SECOND_WAIT
        elif clicked:
            follow_ups[pk] = sent + SECOND_WAIT
        else:
            _done(e, sent + SECOND_WAIT)
    for pk, at in follow_ups.items():
        _done(enrollments[pk], at)
    Enrollment.objects.bulk_update(
        enrollments.values(),
        ["created_at", "step", "next_run_at", "last_recipient", "status", "finished_at"],
    )
    _follow_up_tasks(workspace, actor, sequence, follow_ups, now, rng)


def _done(enrollment: Enrollment, at: dt.datetime) -> None:
    enrollment.step, enrollment.next_run_at = 7, at
    enrollment.status, enrollment.finished_at = EnrollmentStatus.COMPLETED, at


def _follow_up_tasks(
    workspace: Workspace,
    actor: AbstractUser,
    sequence: Sequence,
    follow_ups: dict[int, dt.datetime],
    now: dt.datetime,
    rng: random.Random,
) -> None:
    """The last step's task for each clicker's owner (unassigned if the contact has none),
    as the engine words it; done like the team's other tasks."""
    members = set(Membership.objects.values_list("user_id", flat=True))
    owners = dict(Contact.objects.filter(pk__in=follow_ups).values_list("pk", "owner_id"))
    items = []
    for pk, at in follow_ups.items():
        due = at + dt.timedelta(days=2)
        items.append(
            {
                "kind": "task",
                "subject": FOLLOW_UP,
                "body": f"From the sequence “{sequence.name}”.",
                "occurred_at": at,
                "due_at": due,
                "assignee_id": owners[pk] if owners[pk] in members else None,
                "contact_ids": [pk],
                "done": due < now and (rng.random() < 0.85 or due < now - dt.timedelta(days=21)),
            }
        )
    activity_bulk_create(workspace=workspace, actor=actor, items=items)
