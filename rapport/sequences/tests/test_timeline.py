"""A contact's timeline shows when it entered a sequence and when and why it left."""

import datetime as dt
import re

import pytest
import time_machine

from rapport.campaigns.tests.factories import make_template
from rapport.contacts.models import Contact
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_contact
from rapport.core.timeline import timeline_for
from rapport.sequences.engine import sequences_advance
from rapport.sequences.models import Enrollment
from rapport.sequences.services import (
    enrollment_remove,
    sequence_create,
    sequence_enroll,
    sequence_set_status,
)
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def _sequence(workspace, owner, name, **data):
    template = make_template(workspace, owner, name=f"{name} mail")
    steps = [{"type": "wait", "days": 3}, {"type": "email", "template_id": template.pk}]
    with workspace_scope(workspace):
        sequence = sequence_create(
            workspace=workspace, actor=owner, data={"name": name, "steps": steps, **data}
        )
        return sequence_set_status(
            workspace=workspace, actor=owner, sequence=sequence, status="active"
        )


def _enroll(workspace, owner, sequence, contact):
    with workspace_scope(workspace):
        sequence_enroll(
            workspace=workspace,
            actor=owner,
            sequence=sequence,
            contacts=Contact.objects.filter(pk=contact.pk),
        )


@pytest.fixture
def ann(workspace, owner):
    """Ann entered "Trial <b>" at START, reached its goal on day 2; entered "Webinar" on day 1
    and was taken out by hand on day 3; is in "Newsletter" since day 4."""
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    trial = _sequence(workspace, owner, "Trial <b>", exit_on_stage="customer")
    webinar = _sequence(workspace, owner, "Webinar")
    newsletter = _sequence(workspace, owner, "Newsletter")
    for day, sequence in [(0, trial), (1, webinar), (4, newsletter)]:
        with time_machine.travel(START + dt.timedelta(days=day), tick=False):
            _enroll(workspace, owner, sequence, ann)
    with time_machine.travel(START + dt.timedelta(days=2), tick=False), workspace_scope(workspace):
        contact_update(
            workspace=workspace, actor=owner, contact=ann, data={"lifecycle_stage": "customer"}
        )
        sequences_advance(workspace=workspace)
    with time_machine.travel(START + dt.timedelta(days=3), tick=False), workspace_scope(workspace):
        enrollment = Enrollment.objects.get(sequence=webinar)
        enrollment_remove(workspace=workspace, actor=owner, enrollment=enrollment)
    return ann


def test_entries_and_exits_are_on_the_contact_page_newest_first(owner_client, ann):
    page = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    moments = re.findall(
        r'<li class="tl-item tl-sequence" id="tl-(sq(?:in|out)\d+)">.*?<p class="tl-meta">'
        r"(.*?)</p>",
        page,
        re.S,
    )
    said = [" ".join(re.sub(r"<[^>]+>", " ", meta).split()) for _, meta in moments]
    assert [s.split(" ·")[0] for s in said] == [
        "Entered sequence Newsletter",
        "Removed from sequence Webinar",
        "Reached the goal of sequence Trial &lt;b&gt;",
        "Entered sequence Webinar",
        "Entered sequence Trial &lt;b&gt;",
    ]
    assert "became Customer" in page and "In it now · next step 1" in page


def test_the_timeline_pages_through_sequence_moments_once_each(ann, workspace):
    seen, before = [], None
    with workspace_scope(workspace):
        while True:
            page = timeline_for(ann, before=before, limit=2)
            seen.extend(page.items)
            if page.next_before is None:
                break
            before = page.next_before
    moments = [(i.tag[2:], i.at) for i in seen if i.kind == "sequence"]
    day = [(START + dt.timedelta(days=d)) for d in range(5)]
    assert moments == [
        ("in", day[4]),
        ("out", day[3]),
        ("out", day[2]),
        ("in", day[1]),
        ("in", day[0]),
    ]


def test_more_sequences_than_a_page_holds_page_through_every_moment(workspace, owner):
    """Entries are read after the cursor, not among the newest few: the oldest are reached."""
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        bob = make_contact(workspace, first_name="Bob", emails=["bob@x.example"])
    sequences = [_sequence(workspace, owner, f"Drip {n}") for n in range(7)]
    for day, sequence in enumerate(sequences):
        with time_machine.travel(START + dt.timedelta(days=day), tick=False):
            _enroll(workspace, owner, sequence, bob)
    for day, sequence in [(7, sequences[0]), (8, sequences[1])]:
        moment = time_machine.travel(START + dt.timedelta(days=day), tick=False)
        with moment, workspace_scope(workspace):
            enrollment = Enrollment.objects.get(sequence=sequence)
            enrollment_remove(workspace=workspace, actor=owner, enrollment=enrollment)
    seen, before = [], None
    with workspace_scope(workspace):
        while True:
            page = timeline_for(bob, before=before, limit=2)
            seen.extend(page.items)
            if page.next_before is None:
                break
            before = page.next_before
    moments = [(i.tag[2:], (i.at - START).days) for i in seen if i.kind == "sequence"]
    assert moments == [("out", 8), ("out", 7)] + [("in", day) for day in range(6, -1, -1)]
