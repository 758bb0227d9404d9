"""The "static list" segment condition: exactly the list's members (or everyone else), in
one query with other conditions, and only a list of the segment's own workspace."""

import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.marketing.definition import definition_clean
from rapport.marketing.queries import definition_members
from rapport.marketing.services import static_list_add, static_list_create
from rapport.marketing.tests.factories import group, make_segment
from rapport.sequences.engine import segment_entries
from rapport.sequences.models import Enrollment
from rapport.sequences.services import sequence_create, sequence_set_status
from rapport.tenancy.access import workspace_scope


def _list(workspace, name, *contacts):
    with workspace_scope(workspace):
        made = static_list_create(workspace=workspace, actor=None, data={"name": name})
        static_list_add(
            workspace=workspace, actor=None, static_list=made, contact_ids=[c.pk for c in contacts]
        )
    return made


@pytest.fixture
def people(workspace):
    return {
        name: make_contact(workspace, first_name=name, lifecycle_stage=stage)
        for name, stage in (("Ann", "lead"), ("Bob", "customer"), ("Cy", "lead"))
    }


def members(workspace, *rules, op="and"):
    with workspace_scope(workspace):
        tree = definition_clean(group(*rules, op=op), workspace=workspace)
        found = definition_members(workspace=workspace, definition=tree)
        return set(found.values_list("first_name", flat=True))


def test_on_and_not_on_a_list_alone_and_with_other_conditions(workspace, people):
    fair = _list(workspace, "Fair", people["Ann"], people["Bob"])
    on = {"type": "static_list", "op": "on", "list_id": fair.pk}
    lead = {"type": "lifecycle_stage", "op": "is", "stage": "lead"}

    assert members(workspace, on) == {"Ann", "Bob"}
    assert members(workspace, {**on, "op": "not_on"}) == {"Cy"}
    assert members(workspace, on, lead) == {"Ann"}
    assert members(workspace, on, lead, op="or") == {"Ann", "Bob", "Cy"}


def test_another_workspaces_list_is_refused_naming_the_field(workspace, other_workspace, people):
    stranger = make_contact(other_workspace, first_name="Ann")
    theirs = _list(other_workspace, "Theirs", stranger)
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as refused:
        definition_clean(
            group({"type": "static_list", "op": "on", "list_id": theirs.pk}), workspace=workspace
        )
    assert refused.value.as_dict() == {
        "definition.rules.0.list_id": ["is not a static list of this workspace"]
    }


def test_a_sequence_entered_by_a_list_segment_takes_the_lists_members(workspace, owner, people):
    fair = _list(workspace, "Fair", people["Cy"])
    segment = make_segment(
        workspace,
        name="Fair sign-ups",
        definition=group({"type": "static_list", "op": "on", "list_id": fair.pk}),
    )
    with workspace_scope(workspace):
        sequence = sequence_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": "Welcome",
                "steps": [{"type": "wait", "days": 1}],
                "enter_segment_id": segment.pk,
            },
        )
        sequence_set_status(workspace=workspace, actor=owner, sequence=sequence, status="active")
        assert segment_entries(workspace=workspace) == 1
        static_list_add(
            workspace=workspace, actor=None, static_list=fair, contact_ids=[people["Ann"].pk]
        )
        assert segment_entries(workspace=workspace) == 1  # Ann joined the list: she enters
        entered = Enrollment.objects.filter(sequence=sequence)
        assert set(entered.values_list("contact__first_name", flat=True)) == {"Cy", "Ann"}
