"""The workspace data version: raised once per committed change, never by a rollback."""

import pytest
from django.db import transaction

from rapport.contacts.tests.factories import make_contact
from rapport.core.hooks import records_gathered
from rapport.tenancy.data_version import data_changed, kept
from rapport.tenancy.models import Workspace

pytestmark = pytest.mark.django_db


def version(workspace: Workspace) -> int:
    return Workspace.objects.get(pk=workspace.pk).data_version


def test_a_committed_write_raises_the_version_once(workspace, django_capture_on_commit_callbacks):
    before = version(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        # one transaction: the contact, its email and phone, a new tag, their audit entries
        make_contact(workspace, first_name="Ann", emails=["ann@acme.io"], tags=["vip", "new"])
    assert version(workspace) == before + 1
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace, first_name="Bob")
    assert version(workspace) == before + 2


def test_it_raises_only_the_changed_workspace(
    workspace, other_workspace, django_capture_on_commit_callbacks
):
    others = version(other_workspace)
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(workspace)
    assert version(other_workspace) == others


def test_a_rolled_back_write_raises_nothing(workspace, django_capture_on_commit_callbacks):
    before = version(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_contact(workspace)
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
        data_changed(workspace_id=workspace.pk)  # a later write still raises it
    assert version(workspace) == before + 1


def test_gathered_writes_each_in_its_savepoint_raise_the_version_once(
    workspace, django_capture_on_commit_callbacks
):
    # As an import writes a chunk's rows: each in a savepoint, released, or rolled back when
    # bad.
    before = version(workspace)
    with (
        django_capture_on_commit_callbacks(execute=True) as hooks,
        transaction.atomic(),
        records_gathered(),
    ):
        for bad in (False, False, True, False):
            try:
                with transaction.atomic():
                    make_contact(workspace)
                    if bad:
                        raise RuntimeError("a bad row")
            except RuntimeError:
                pass
    assert version(workspace) == before + 1
    assert sum(1 for hook in hooks if hook.__class__.__name__ == "_PendingRaise") == 1


def test_kept_builds_once_per_version_and_workspace(settings, workspace, other_workspace):
    settings.RAPPORT_KEEP_PAGES = True
    builds: list[str] = []

    def build(label: str):
        def run() -> str:
            builds.append(label)
            return label

        return run

    assert kept(workspace=workspace, name="t", inputs=("q",), build=build("a")) == "a"
    assert kept(workspace=workspace, name="t", inputs=("q",), build=build("b")) == "a"
    assert kept(workspace=other_workspace, name="t", inputs=("q",), build=build("c")) == "c"
    assert kept(workspace=workspace, name="t", inputs=("r",), build=build("d")) == "d"
    workspace.data_version += 1
    assert kept(workspace=workspace, name="t", inputs=("q",), build=build("e")) == "e"
    assert builds == ["a", "c", "d", "e"]


def test_keeping_off_always_builds(settings, workspace):
    settings.RAPPORT_KEEP_PAGES = False
    assert kept(workspace=workspace, name="t", inputs=(), build=lambda: 1) == 1
    assert kept(workspace=workspace, name="t", inputs=(), build=lambda: 2) == 2
