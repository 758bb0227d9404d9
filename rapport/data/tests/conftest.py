import pytest
from django.core.files.base import ContentFile

from rapport.data.services import import_create, import_process, import_start
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def upload(owner):
    """Upload `content` (text is UTF-8 encoded) as a batch of `workspace`."""

    def run(workspace, content, *, entity="contacts", actor=owner, name="people.csv"):
        raw = content.encode() if isinstance(content, str) else content
        with workspace_scope(workspace):
            return import_create(
                workspace=workspace, actor=actor, entity=entity, file=ContentFile(raw, name=name)
            )

    return run


@pytest.fixture
def import_bulk():
    """Whether `run_import` takes the bulk path where an importer has one (a test module
    parametrises this to run its tests down both paths)."""
    return True


@pytest.fixture
def run_import(owner, import_bulk):
    """Start a batch and process it here, in chunks of `chunk_rows`."""

    def run(batch, *, mode=None, mapping=None, actor=owner, chunk_rows=500, bulk=None):
        workspace = batch.workspace
        with workspace_scope(workspace):
            import_start(
                workspace=workspace,
                actor=actor,
                batch=batch,
                mapping=mapping,
                mode=mode,
                enqueue=False,
            )
            return import_process(
                workspace=workspace,
                batch_id=batch.pk,
                chunk_rows=chunk_rows,
                bulk=import_bulk if bulk is None else bulk,
            )

    return run
