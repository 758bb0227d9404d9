"""The sequence pages: the builder reads its rows back into steps, errors name the step, an
active sequence's steps are locked, and roles and workspaces are respected."""

from typing import Any

import pytest

from rapport.campaigns.models import Campaign, Recipient
from rapport.campaigns.services import recipient_opened
from rapport.campaigns.tests.factories import make_template, opt_in
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.sequences.engine import sequences_advance
from rapport.sequences.models import Enrollment, Sequence
from rapport.sequences.services import sequence_create, sequence_enroll, sequence_set_status
from rapport.sequences.tests.factories import enrolled
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db


def _rows(*steps):
    data: dict[str, Any] = {"row": []}
    for n, step in enumerate(steps):
        rid = f"r{n}"
        data["row"].append(rid)
        data.update({f"{rid}-{k}": v for k, v in step.items()})
    return data


def test_the_builder_saves_its_rows_as_steps_in_page_order(owner_client, workspace, owner):
    template = make_template(workspace, owner)
    data = {
        "name": "Trial",
        "exit_on_stage": "customer",
        "exit_on_reply": "on",
        **_rows(
            {"type": "email", "template_id": template.pk},
            {"type": "wait", "days": "3", "hours": "0"},
            {"type": "branch", "on": "clicked", "then_step": "4", "else_step": "5"},
            {"type": "task", "subject": "Call", "due_in_days": "2"},
        ),
    }

    response = owner_client.post("/sequences/new/", data)

    with workspace_scope(workspace):
        sequence = Sequence.objects.get()
    assert response.status_code == 302
    assert sequence.steps == [
        {"type": "email", "template_id": template.pk},
        {"type": "wait", "days": 3, "hours": 0},
        {"type": "branch", "on": "clicked", "then_step": 4, "else_step": 5},
        {"type": "task", "subject": "Call", "due_in_days": 2},
    ]
    assert (sequence.exit_on_stage, sequence.exit_on_reply) == ("customer", True)


def test_a_bad_step_is_named_and_the_rows_come_back_as_typed(owner_client, workspace):
    response = owner_client.post(
        "/sequences/new/", {"name": "Bad", **_rows({"type": "wait", "days": "soon"})}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "steps.1.days" in page
    assert 'value="soon"' in page
    with workspace_scope(workspace):
        assert not Sequence.objects.exists()


def test_activating_locks_the_steps_and_shows_who_is_in(owner_client, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    sequence = enrolled(workspace, owner, ann)

    owner_client.post(f"/sequences/{sequence.pk}/status/", {"status": "active"})
    page = owner_client.get(f"/sequences/{sequence.pk}/").content.decode()
    owner_client.post(
        f"/sequences/{sequence.pk}/", {"name": "Renamed", **_rows({"type": "wait", "days": "1"})}
    )

    with workspace_scope(workspace):
        sequence.refresh_from_db()
    assert "Pause the sequence to change its steps." in page
    assert "Ann Lee" in page
    assert sequence.name == "Renamed"
    assert [s["type"] for s in sequence.steps] == ["email"]  # unchanged while active


def test_a_contact_is_removed_from_a_sequence(owner_client, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    enrolled(workspace, owner, ann)
    with workspace_scope(workspace):
        enrollment = Enrollment.objects.get()

    owner_client.post(f"/sequences/enrollments/{enrollment.pk}/remove/")

    with workspace_scope(workspace):
        assert Enrollment.objects.get().status == "removed"


def test_the_page_counts_each_steps_sends_opens_and_waiting_contacts(
    owner_client, workspace, owner
):
    welcome = make_template(workspace, owner, name="Welcome")
    people = [make_contact(workspace, first_name=n, emails=[f"{n}@x.example"]) for n in "abc"]
    with workspace_scope(workspace):
        opt_in(workspace, *people)
        sequence = sequence_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": "Onboarding",
                "steps": [
                    {"type": "email", "template_id": welcome.pk},
                    {"type": "wait", "days": 3},
                    {"type": "task", "subject": "Call", "due_in_days": 1},
                ],
            },
        )
        sequence_set_status(workspace=workspace, actor=owner, sequence=sequence, status="active")
        sequence_enroll(
            workspace=workspace,
            actor=owner,
            sequence=sequence,
            contacts=Contact.objects.filter(pk__in=[p.pk for p in people[:2]]),
        )
        sequences_advance(workspace=workspace)
        recipient_opened(recipient=Recipient.objects.get(email="a@x.example"))
        sequence_enroll(
            workspace=workspace,
            actor=owner,
            sequence=sequence,
            contacts=Contact.objects.filter(pk=people[2].pk),
        )
        Enrollment.objects.filter(contact=people[1]).update(status="completed")

    page = owner_client.get(f"/sequences/{sequence.pk}/").content.decode()

    email_row, wait_row, task_row = page.split('class="step-row')[1:]
    assert "2 sent" in email_row and "1 opened <small>50%</small>" in email_row
    assert "0 clicked" in email_row
    assert "1 waiting" in wait_row  # a: the other finished, c has not started
    assert "data-figure" not in task_row
    assert 'data-count="active">2<' in page and 'data-count="completed">1<' in page


def test_a_new_row_comes_from_the_server(owner_client, workspace, owner):
    make_template(workspace, owner, name="Welcome")

    row = owner_client.get("/sequences/step-row/?type=email").content.decode()

    assert 'value="email"' in row and "Welcome" in row


def test_an_outsider_finds_nothing_and_a_viewer_changes_nothing(
    outsider_client, viewer_client, workspace, owner
):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    sequence = enrolled(workspace, owner, ann)
    with workspace_scope(workspace):
        enrollment = Enrollment.objects.get()

    assert outsider_client.get(f"/sequences/{sequence.pk}/").status_code == 404
    assert (
        outsider_client.post(f"/sequences/enrollments/{enrollment.pk}/remove/").status_code == 404
    )
    assert "Drip for" not in outsider_client.get("/sequences/").content.decode()
    assert viewer_client.get(f"/sequences/{sequence.pk}/").status_code == 200
    for path, data in [
        ("/sequences/new/", {"name": "V"}),
        (f"/sequences/{sequence.pk}/", {"name": "V"}),
        (f"/sequences/{sequence.pk}/status/", {"status": "active"}),
        (f"/sequences/enrollments/{enrollment.pk}/remove/", {}),
    ]:
        assert viewer_client.post(path, data).status_code == 403, path
    assert viewer_client.get("/sequences/step-row/?type=wait").status_code == 403
    with workspace_scope(workspace):
        assert Sequence.objects.get().status == "draft"


def test_a_step_email_is_reported_and_stopped_with_its_sequence(owner_client, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    sequence = enrolled(workspace, owner, ann)
    owner_client.post(f"/sequences/{sequence.pk}/status/", {"status": "active"})
    with workspace_scope(workspace):
        sequence.refresh_from_db()
        step = Campaign.objects.get(pk=sequence.step_campaigns["0"])

    listed = owner_client.get("/campaigns/").content.decode()
    report = owner_client.get(f"/campaigns/{step.pk}/").content.decode()
    owner_client.post(f"/campaigns/{step.pk}/cancel/")

    assert step.sequence_id == sequence.pk
    assert step.name == f"Drip for {ann.pk} · step 1: Drip for {ann.pk}"  # sequence, template
    assert step.name not in listed
    assert f'href="/sequences/{sequence.pk}/">{sequence.name}</a>' in report
    assert "Stop sending" not in report
    with workspace_scope(workspace):
        assert Campaign.objects.get(pk=step.pk).status == "sending"  # pausing the sequence stops it
