"""An import's phone kinds are in its audit entries, as a UI or API write's are, and its
undo puts them back; on the row path and the bulk path alike."""

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import ContactPhone
from rapport.contacts.tests.factories import make_contact
from rapport.data.contact_importers import ContactImporter
from rapport.data.importers import Importer
from rapport.data.services import import_undo
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.parametrize("import_bulk", [False, True], ids=["rows", "bulk"])


def _phones_entry(workspace, contact_id, action):
    with workspace_scope(workspace):
        entries = AuditEntry.objects.filter(
            entity="contacts.contact", object_id=contact_id, action=action
        ).order_by("id")
        return [e.changes.get("phones") for e in entries]


def _kinds(workspace, contact):
    with workspace_scope(workspace):
        return list(ContactPhone.objects.filter(contact=contact).values_list("number", "kind"))


def test_a_created_contacts_entry_shows_its_phones_kinds(workspace, upload, run_import):
    content = "Email,Phone,Mobile Phone,Home Phone\nann@x.io,4155550100,4155550101,4155550102\n"

    batch = run_import(upload(workspace, content))

    assert batch.created == 1
    with workspace_scope(workspace):
        [entry] = AuditEntry.objects.filter(entity="contacts.contact", action="create")
    assert entry.changes["phones"] == [
        None,
        ["+14155550100", "+14155550101 (mobile)", "+14155550102 (home)"],
    ]


def test_an_updated_contacts_entry_shows_the_kinds_the_row_gives_its_phones(
    workspace, upload, run_import
):
    ann = make_contact(workspace, emails=["ann@x.io"], phones=["+14155550100"])
    content = "Email,Mobile Phone,Home Phone\nann@x.io,4155550100,4155550102\n"

    batch = run_import(upload(workspace, content), mode="update")

    assert batch.updated == 1
    assert _phones_entry(workspace, ann.pk, "update") == [
        [["+14155550100"], ["+14155550100 (mobile)", "+14155550102 (home)"]]
    ]


@pytest.mark.parametrize("one_by_one", [False, True], ids=["undo in bulk", "undo one by one"])
def test_the_undo_puts_the_kinds_back_and_its_entry_shows_them(
    workspace, owner, upload, run_import, monkeypatch, one_by_one
):
    if one_by_one:  # the importer's base method: `restore` for each record
        monkeypatch.setattr(ContactImporter, "restore_many", Importer.restore_many)
    ann = make_contact(
        workspace, emails=["ann@x.io"], phones=["+14155550100"], phone_kinds=["home"]
    )
    content = "Email,Mobile Phone\nann@x.io,4155550100\n"
    batch = run_import(upload(workspace, content), mode="update")
    assert _kinds(workspace, ann) == [("+14155550100", "mobile")]

    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)

    assert _kinds(workspace, ann) == [("+14155550100", "home")]
    assert _phones_entry(workspace, ann.pk, "update") == [
        [["+14155550100 (home)"], ["+14155550100 (mobile)"]],
        [["+14155550100 (mobile)"], ["+14155550100 (home)"]],
    ]
