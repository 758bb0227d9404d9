"""An import in update mode writes each matched row through the services: what it does not
change it leaves alone, and the chunk's changes are announced once, not once a row."""

import pytest

from rapport.contacts.models import ContactEmail, ContactPhone
from rapport.contacts.tests.factories import make_contact
from rapport.core import hooks
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """The contact ids each call of the contacts' listeners (lead scoring, sequences) gets."""
    calls: list[list[int]] = []
    listeners = [lambda ws, ids: calls.append(ids)]
    monkeypatch.setitem(hooks._listeners, "contacts.contact", listeners)
    return calls


def test_an_update_keeps_the_rows_of_emails_and_phones_it_already_holds(
    workspace, upload, run_import
):
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.io"], phones=["+14155552671"])
    with workspace_scope(workspace):
        kept = set(ContactEmail.objects.values_list("pk", flat=True)) | set(
            ContactPhone.objects.values_list("pk", flat=True)
        )
    content = "Email,Phone,Job Title\nann@x.io,+1 415 555 2671,Buyer\n"

    batch = run_import(upload(workspace, content), mode="update")

    assert batch.updated == 1
    with workspace_scope(workspace):
        ann.refresh_from_db()
        assert ann.job_title == "Buyer"
        emails = list(ContactEmail.objects.values_list("pk", "email", "is_primary"))
        phones = list(ContactPhone.objects.values_list("pk", "number", "is_primary"))
    assert {pk for pk, *_ in emails + phones} == kept
    assert [(e, p) for _, e, p in emails] == [("ann@x.io", True)]
    assert [(n, p) for _, n, p in phones] == [("+14155552671", True)]


def test_a_chunk_of_updates_is_announced_to_listeners_once_and_raises_the_version_once(
    workspace, upload, run_import, heard, django_capture_on_commit_callbacks
):
    people = [make_contact(workspace, first_name=n, emails=[f"{n}@x.io"]) for n in "abc"]
    version = Workspace.objects.get(pk=workspace.pk).data_version
    content = "Email,Job Title\na@x.io,Buyer\nb@x.io,Buyer\nnot-an-email,Buyer\nc@x.io,Buyer\n"
    batch = upload(workspace, content)

    with django_capture_on_commit_callbacks(execute=True):
        batch = run_import(batch, mode="update")

    assert (batch.updated, batch.failed) == (3, 1)
    assert heard == [[p.pk for p in people]]
    # the run's own status changes raise it too, but not once a row
    assert Workspace.objects.get(pk=workspace.pk).data_version - version < 3
