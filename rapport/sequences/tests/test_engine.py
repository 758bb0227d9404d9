"""Sequences: steps run in order, waits wait, branches follow what the contact did, goals and
replies take contacts out, and a stage reached enters them."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from rapport.activities.models import Activity
from rapport.campaigns.models import EventKind, Recipient
from rapport.campaigns.services import recipient_clicked, recipient_opened
from rapport.campaigns.tests.factories import make_template, opt_in
from rapport.contacts.models import Contact
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_activity, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.marketing.services import segment_create
from rapport.sequences.engine import segment_entries, sequences_advance
from rapport.sequences.models import Enrollment
from rapport.sequences.services import sequence_create, sequence_enroll, sequence_set_status
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Membership

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def templates(scoped, workspace, owner):
    return (
        make_template(workspace, owner, name="Welcome", subject="Welcome {{ contact.first_name }}"),
        make_template(workspace, owner, name="Nudge", subject="Still there?"),
    )


def _sequence(workspace, owner, steps, **data):
    sequence = sequence_create(
        workspace=workspace, actor=owner, data={"name": "Onboarding", "steps": steps, **data}
    )
    return sequence_set_status(workspace=workspace, actor=owner, sequence=sequence, status="active")


def _enroll(workspace, owner, sequence, *contacts):
    opt_in(workspace, *contacts)  # email steps reach only those who agreed
    ids = [c.pk for c in contacts]
    sequence_enroll(
        workspace=workspace,
        actor=owner,
        sequence=sequence,
        contacts=Contact.objects.filter(pk__in=ids),
    )


def _state(contact):
    e = Enrollment.objects.get(contact=contact)
    return e.status, e.step, e.exit_reason


def _sweep(workspace, at):
    with time_machine.travel(at, tick=False):
        return sequences_advance(workspace=workspace)


def test_an_open_sends_the_contact_down_the_then_branch(workspace, owner, templates):
    welcome, nudge = templates
    owner_of_leads = make_contact(
        workspace, first_name="Hot", emails=["hot@x.example"], owner_id=owner.pk
    )
    cold = make_contact(workspace, first_name="Cold", emails=["cold@x.example"])
    with time_machine.travel(START, tick=False):
        sequence = _sequence(
            workspace,
            owner,
            [
                {"type": "email", "template_id": welcome.pk},
                {"type": "wait", "days": 2},
                {"type": "branch", "on": "opened", "then_step": 6, "else_step": 4},
                {"type": "email", "template_id": nudge.pk},
                {"type": "wait", "days": 7},
                {"type": "task", "subject": "Call them", "due_in_days": 1},
            ],
        )
        _enroll(workspace, owner, sequence, owner_of_leads, cold)

    _sweep(workspace, START)
    assert sorted(m.to[0] for m in mail.outbox) == ["cold@x.example", "hot@x.example"]
    recipient_opened(recipient=Recipient.objects.get(email="hot@x.example"))
    assert _sweep(workspace, START + dt.timedelta(days=1)) == 0  # still waiting
    _sweep(workspace, START + dt.timedelta(days=2, minutes=1))

    assert [m.subject for m in mail.outbox if m.to == ["cold@x.example"]] == [
        "Welcome Cold",
        "Still there?",
    ]
    assert [m.subject for m in mail.outbox if m.to == ["hot@x.example"]] == ["Welcome Hot"]
    task = Activity.objects.get(kind="task")
    assert (task.subject, task.assignee_id) == ("Call them", owner.pk)
    assert list(task.contact_links.values_list("contact_id", flat=True)) == [owner_of_leads.pk]
    assert _state(owner_of_leads) == ("completed", 6, "")
    assert _state(cold) == ("active", 5, "")  # the nudge went; now a week's wait


def test_reaching_the_goal_stage_takes_the_contact_out(workspace, owner, templates):
    welcome, _ = templates
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    with time_machine.travel(START, tick=False):
        sequence = _sequence(
            workspace,
            owner,
            [
                {"type": "email", "template_id": welcome.pk},
                {"type": "wait", "days": 3},
                {"type": "email", "template_id": welcome.pk},
            ],
            exit_on_stage="customer",
        )
        _enroll(workspace, owner, sequence, ann)
    _sweep(workspace, START)
    contact_update(
        workspace=workspace, actor=owner, contact=ann, data={"lifecycle_stage": "customer"}
    )

    _sweep(workspace, START + dt.timedelta(days=4))

    assert len(mail.outbox) == 1
    assert _state(ann) == ("exited", 2, "became Customer")


def test_a_reply_takes_the_contact_out(workspace, owner, templates):
    welcome, _ = templates
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    with time_machine.travel(START, tick=False):
        sequence = _sequence(
            workspace,
            owner,
            [{"type": "wait", "days": 1}, {"type": "email", "template_id": welcome.pk}],
        )
        _enroll(workspace, owner, sequence, ann)
    _sweep(workspace, START)
    with time_machine.travel(START + dt.timedelta(hours=5), tick=False):
        make_activity(
            workspace,
            owner,
            kind="email",
            direction="inbound",
            subject="Re: hi",
            contact_ids=[ann.pk],
        )

    _sweep(workspace, START + dt.timedelta(days=2))

    assert mail.outbox == []
    assert _state(ann) == ("exited", 1, "replied")


def test_reaching_the_entry_stage_enrolls_a_contact_once(
    workspace, owner, templates, django_capture_on_commit_callbacks
):
    welcome, _ = templates
    sequence = _sequence(
        workspace,
        owner,
        [{"type": "email", "template_id": welcome.pk}],
        enter_on_stage="marketing_qualified",
    )
    ann = make_contact(
        workspace, first_name="Ann", emails=["ann@x.example"], lifecycle_stage="lead"
    )

    for stage in ("marketing_qualified", "sales_qualified", "marketing_qualified"):
        with django_capture_on_commit_callbacks(execute=True):
            contact_update(
                workspace=workspace, actor=owner, contact=ann, data={"lifecycle_stage": stage}
            )

    assert list(Enrollment.objects.values_list("sequence_id", "contact_id")) == [
        (sequence.pk, ann.pk)
    ]


def test_an_opted_out_contact_is_skipped_but_walks_on(workspace, owner, templates):
    welcome, _ = templates
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"], do_not_email=True)
    with time_machine.travel(START, tick=False):
        sequence = _sequence(
            workspace,
            owner,
            [
                {"type": "email", "template_id": welcome.pk},
                {"type": "branch", "on": "opened", "then_step": 3, "else_step": 3},
            ],
        )
        _enroll(workspace, owner, sequence, ann)

    _sweep(workspace, START)

    assert mail.outbox == []
    assert Recipient.objects.get().skip_reason == "do not email"
    assert _state(ann) == ("completed", 2, "")


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([{"type": "teleport"}], "steps.1.type"),
        ([{"type": "wait", "days": -1}], "steps.1.days"),
        ([{"type": "email", "template_id": 999_999}], "steps.1.template_id"),
        ([{"type": "branch", "on": "opened", "then_step": 1, "else_step": 9}], "steps.1.else_step"),
        ([{"type": "task"}], "steps.1.subject"),
    ],
)
def test_bad_steps_are_refused_by_their_place(workspace, owner, scoped, steps, field):
    with pytest.raises(ServiceValidationError) as caught:
        sequence_create(workspace=workspace, actor=owner, data={"name": "S", "steps": steps})

    assert field in caught.value.as_dict()


def test_a_tracked_open_counts_for_the_branch_only_for_its_own_recipient(
    workspace, owner, templates
):
    welcome, _ = templates
    a = make_contact(workspace, first_name="A", emails=["a@x.example"])
    b = make_contact(workspace, first_name="B", emails=["b@x.example"])
    with time_machine.travel(START, tick=False):
        sequence = _sequence(
            workspace,
            owner,
            [
                {"type": "email", "template_id": welcome.pk},
                {"type": "wait", "days": 1},
                {"type": "branch", "on": "clicked", "then_step": 4, "else_step": 5},
                {"type": "task", "subject": "Clicked"},
            ],
        )
        _enroll(workspace, owner, sequence, a, b)
    _sweep(workspace, START)

    recipient_clicked(recipient=Recipient.objects.get(contact=a), url="https://x.example/")
    _sweep(workspace, START + dt.timedelta(days=1, minutes=1))

    assert list(
        Activity.objects.filter(kind="task").values_list("contact_links__contact_id", flat=True)
    ) == [a.pk]
    assert EventKind.CLICK in Recipient.objects.get(contact=a).events.values_list("kind", flat=True)


def test_a_segments_members_enter_and_later_joiners_follow(workspace, owner, templates):
    welcome, _ = templates
    lea = make_contact(
        workspace, first_name="Lea", emails=["lea@x.example"], lifecycle_stage="lead"
    )
    make_contact(workspace, first_name="Cus", emails=["cus@x.example"], lifecycle_stage="customer")
    leads = segment_create(
        workspace=workspace,
        actor=owner,
        data={
            "name": "Leads",
            "definition": {"op": "and", "rules": [{"type": "lifecycle_stage", "stage": "lead"}]},
        },
    )
    sequence = _sequence(
        workspace, owner, [{"type": "email", "template_id": welcome.pk}], enter_segment_id=leads.pk
    )

    assert segment_entries(workspace=workspace) == 1
    later = make_contact(
        workspace, first_name="Neo", emails=["neo@x.example"], lifecycle_stage="lead"
    )
    assert segment_entries(workspace=workspace) == 1  # Neo only: Lea is in already

    entered = set(Enrollment.objects.filter(sequence=sequence).values_list("contact_id", flat=True))
    assert entered == {lea.pk, later.pk}


def test_another_workspaces_segment_cannot_be_the_entry(workspace, owner, other_workspace, scoped):
    with workspace_scope(other_workspace):
        theirs = segment_create(workspace=other_workspace, actor=None, data={"name": "Theirs"})

    with pytest.raises(ServiceValidationError) as caught:
        sequence_create(
            workspace=workspace, actor=owner, data={"name": "S", "enter_segment_id": theirs.pk}
        )

    assert "enter_segment_id" in caught.value.as_dict()


def test_a_task_for_an_owner_who_left_is_made_unassigned(workspace, owner, member, templates):
    contact = make_contact(workspace, emails=["lee@x.example"], owner_id=member.pk)
    with time_machine.travel(START, tick=False):
        sequence = _sequence(workspace, owner, [{"type": "task", "subject": "Follow up"}])
        _enroll(workspace, owner, sequence, contact)
    Membership.objects.filter(workspace=workspace, user=member).delete()

    assert _sweep(workspace, START) == 1
    task = Activity.objects.get(kind="task")
    assert (task.subject, task.assignee_id) == ("Follow up", None)
    assert _state(contact) == ("completed", 1, "")


def test_a_reply_after_the_email_sends_the_contact_down_the_then_branch(
    workspace, owner, templates
):
    """With exit on reply off, a reply is a branch condition: only one logged after the
    branch's email counts (an older conversation does not)."""
    welcome, _ = templates
    answered = make_contact(workspace, first_name="Ans", emails=["ans@x.example"])
    earlier = make_contact(workspace, first_name="Old", emails=["old@x.example"])
    with time_machine.travel(START - dt.timedelta(days=3), tick=False):
        make_activity(workspace, owner, kind="email", direction="inbound", contact_ids=[earlier.pk])
    with time_machine.travel(START, tick=False):
        sequence = _sequence(
            workspace,
            owner,
            [
                {"type": "email", "template_id": welcome.pk},
                {"type": "wait", "days": 2},
                {"type": "branch", "on": "replied", "then_step": 4, "else_step": 5},
                {"type": "task", "subject": "They answered"},
            ],
            exit_on_reply=False,
        )
        _enroll(workspace, owner, sequence, answered, earlier)
    _sweep(workspace, START)
    with time_machine.travel(START + dt.timedelta(hours=5), tick=False):
        make_activity(
            workspace, owner, kind="email", direction="inbound", contact_ids=[answered.pk]
        )

    _sweep(workspace, START + dt.timedelta(days=2, minutes=1))

    task = Activity.objects.get(kind="task")
    assert task.subject == "They answered"
    assert list(task.contact_links.values_list("contact_id", flat=True)) == [answered.pk]
    assert _state(answered) == ("completed", 4, "")
    assert _state(earlier) == ("completed", 4, "")
