"""Discarding an import never started: only such a batch, audited, its file removed after the
commit, never another workspace's; and over the API, a started one is a 409."""

import pytest

from rapport.api.testing import ApiClient, problem_fields
from rapport.audit.models import AuditEntry
from rapport.core.errors import ServiceValidationError, StateConflict
from rapport.data.models import ImportBatch, ImportStatus
from rapport.data.services import import_discard, import_start
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db

PEOPLE = "First Name,Email\nAnn,ann@acme.io\n"


def test_an_uploaded_batch_is_deleted_audited_and_its_file_removed(
    workspace, owner, upload, django_capture_on_commit_callbacks
):
    batch = upload(workspace, PEOPLE)
    stored, storage = batch.file.name, batch.file.storage

    with workspace_scope(workspace), django_capture_on_commit_callbacks() as callbacks:
        import_discard(workspace=workspace, actor=owner, batch=batch)
        assert storage.exists(stored)  # not before the commit: a rollback keeps the batch
    for callback in callbacks:
        callback()

    assert not storage.exists(stored)
    with workspace_scope(workspace):
        assert not ImportBatch.objects.filter(pk=batch.pk).exists()
        entry = AuditEntry.objects.get(entity="data.importbatch", action="delete")
    assert (entry.object_id, entry.actor_id) == (batch.pk, owner.pk)
    assert entry.changes == {
        "entity": ["contacts", None],
        "filename": ["people.csv", None],
        "status": ["uploaded", None],
    }


@pytest.mark.parametrize("status", [s for s in ImportStatus.values if s != ImportStatus.UPLOADED])
def test_a_started_batch_is_refused_and_kept(workspace, owner, upload, status):
    batch = upload(workspace, PEOPLE)
    ImportBatch.unscoped.filter(pk=batch.pk).update(status=status)

    with workspace_scope(workspace), pytest.raises(StateConflict) as refused:
        import_discard(workspace=workspace, actor=owner, batch=batch)

    assert refused.value.as_dict() == {
        "status": [f"only an import not started can be discarded; this one is {status}"]
    }
    assert batch.file.storage.exists(batch.file.name)
    with workspace_scope(workspace):
        assert ImportBatch.objects.filter(pk=batch.pk).exists()
        assert not AuditEntry.objects.filter(action="delete").exists()


def test_another_workspaces_batch_is_not_found(workspace, owner, other_workspace, outsider, upload):
    theirs = upload(other_workspace, PEOPLE, actor=outsider)

    with workspace_scope(workspace), pytest.raises(ImportBatch.DoesNotExist):
        import_discard(workspace=workspace, actor=owner, batch=theirs)

    assert ImportBatch.unscoped.filter(pk=theirs.pk).exists()
    assert theirs.file.storage.exists(theirs.file.name)


def test_the_api_discards_an_uploaded_import_and_refuses_a_started_one(
    workspace, member, upload, run_import
):
    api = ApiClient.with_token(member, workspace)
    uploaded, finished = upload(workspace, PEOPLE), run_import(upload(workspace, PEOPLE))

    gone = api.delete(f"/data/imports/{uploaded.pk}")
    refused = api.delete(f"/data/imports/{finished.pk}")

    assert gone.status_code == 204, gone.content
    assert api.get(f"/data/imports/{uploaded.pk}").status_code == 404
    assert refused.status_code == 409, refused.content
    assert refused.json()["type"] == "urn:rapport:problem:state-conflict"
    assert problem_fields(refused) == {
        "status": "only an import not started can be discarded; this one is done"
    }
    assert api.get(f"/data/imports/{finished.pk}").json()["status"] == "done"


def test_a_start_from_a_page_loaded_before_a_discard_or_a_start_is_refused_by_name(
    workspace, owner, upload
):
    # The batch as two pages read it; one discards it (or starts it), then the other starts.
    discarded, started = upload(workspace, PEOPLE), upload(workspace, PEOPLE)
    with workspace_scope(workspace):
        import_discard(
            workspace=workspace, actor=owner, batch=ImportBatch.objects.get(pk=discarded.pk)
        )
        import_start(workspace=workspace, actor=owner, batch=ImportBatch.objects.get(pk=started.pk))
        for stale, said in ((discarded, "discarded"), (started, "queued")):
            with pytest.raises(ServiceValidationError) as refused:
                import_start(workspace=workspace, actor=owner, batch=stale)
            assert refused.value.as_dict() == {
                "status": [f"only an import not started can be started; this one is {said}"]
            }
        assert not ImportBatch.objects.filter(pk=discarded.pk).exists()
        starts = AuditEntry.objects.filter(object_id=started.pk, action="update")
        assert starts.count() == 1
