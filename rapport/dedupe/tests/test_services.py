"""Detection runs on a workspace: pairs stored, decisions remembered, merges close pairs."""

import pytest

from rapport.audit.models import AuditEntry
from rapport.dedupe.models import DuplicatePair, PairStatus
from rapport.dedupe.services import dedupe_run, pair_mark_not_duplicate
from rapport.dedupe.tests.factories import pair_of, plant
from rapport.merge.services import merge_contacts, merge_undo
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


def _open(workspace) -> set[tuple[str, int, int]]:
    with workspace_scope(workspace):
        return set(
            DuplicatePair.objects.filter(status=PairStatus.OPEN).values_list(
                "entity", "a_id", "b_id"
            )
        )


def test_a_run_stores_the_planted_pairs_and_nothing_else(workspace):
    p = plant(workspace)

    def key(entity, x, y):
        return (entity, *sorted((p[x].pk, p[y].pk)))

    assert _open(workspace) == {
        key("contact", "ann", "anne"),
        key("contact", "bob", "rob"),
        key("company", "acme", "acme2"),
    }
    assert "same email" in pair_of(workspace, p["ann"], p["anne"]).reasons


def test_not_a_duplicate_is_remembered_across_runs_and_audited(workspace, owner):
    p = plant(workspace)
    pair = pair_of(workspace, p["ann"], p["anne"])
    with workspace_scope(workspace):
        pair_mark_not_duplicate(workspace=workspace, actor=owner, pair=pair)
        dedupe_run(workspace=workspace, entity="contact")

    assert pair_of(workspace, p["ann"], p["anne"]).status == PairStatus.NOT_DUPLICATE
    with workspace_scope(workspace):
        entry = AuditEntry.objects.get(entity="dedupe.duplicatepair", object_id=pair.pk)
    assert entry.changes == {"status": ["open", "not_duplicate"]}


def test_runs_never_see_another_workspaces_records(workspace, other_workspace):
    plant(workspace)
    plant(other_workspace, tag="x")

    ours = _open(workspace)
    theirs = _open(other_workspace)
    assert len(ours) == len(theirs) == 3

    def records(pairs):
        return {(entity, i) for entity, a, b in pairs for i in (a, b)}

    assert not records(ours) & records(theirs)


def test_a_merge_marks_the_removed_records_pairs_merged_and_undo_reopens_them(
    workspace, owner, django_capture_on_commit_callbacks
):
    p = plant(workspace)
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        record = merge_contacts(
            workspace=workspace, actor=owner, survivor=p["ann"], other=p["anne"]
        )
    assert pair_of(workspace, p["ann"], p["anne"]).status == PairStatus.MERGED
    assert pair_of(workspace, p["bob"], p["rob"]).status == PairStatus.OPEN

    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        merge_undo(workspace=workspace, actor=owner, record=record)
    assert pair_of(workspace, p["ann"], p["anne"]).status == PairStatus.OPEN


def test_an_unknown_entity_is_refused_by_name(workspace):
    from rapport.core.errors import ServiceValidationError

    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as err:
        dedupe_run(workspace=workspace, entity="deal")
    assert "entity" in str(err.value.errors) or "entity" in repr(err.value)


def test_a_rerun_drops_open_pairs_no_longer_found_and_refreshes_the_rest(
    workspace, other_workspace
):
    from rapport.contacts.models import Contact

    p = plant(workspace)
    plant(other_workspace, tag="x")
    theirs = _open(other_workspace)
    kept = pair_of(workspace, p["ann"], p["anne"])
    with workspace_scope(workspace):
        DuplicatePair.objects.filter(pk=kept.pk).update(probability=0.5, reasons=[])
        # Rob stops looking like Bob: their open pair leaves the queue.
        Contact.objects.filter(pk=p["rob"].pk).update(first_name="Zed", last_name="Quark", phone="")
        summary = dedupe_run(workspace=workspace, entity="contact")

    refreshed = pair_of(workspace, p["ann"], p["anne"])
    assert refreshed.pk == kept.pk
    assert refreshed.probability > 0.8 and "same email" in refreshed.reasons
    assert summary.open_pairs == 1
    assert {pair for pair in _open(workspace) if pair[0] == "contact"} == {
        ("contact", kept.a_id, kept.b_id)
    }
    assert _open(other_workspace) == theirs
    assert list(summary.clock.seconds) == [
        "read",
        "blocking",
        "comparison",
        "learning",
        "scoring",
        "write",
    ]
