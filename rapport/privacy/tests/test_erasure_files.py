"""Erasing a person also deletes the uploaded import files and export files that list them,
and blanks the failed import rows that hold them; files and rows about others stay."""

import io

import pytest
import xlsxwriter
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from rapport.contacts.tests.factories import make_contact
from rapport.data.models import DataExport, ImportBatch, ImportedRecord, ImportRowError
from rapport.privacy.erasure import erasure_preview, person_erase
from rapport.privacy.files import file_holds
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


def _workbook(*cells: str) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for i, cell in enumerate(cells):
        sheet.write(i, 0, cell)
    book.close()
    return out.getvalue()


def _batch(workspace, name, content, status="done"):
    batch = ImportBatch.objects.create(
        workspace=workspace, entity="contacts", filename=name, columns=["Email"], status=status
    )
    batch.file.save(name, ContentFile(content), save=True)
    return batch


def _export(workspace, content):
    export = DataExport.objects.create(
        workspace=workspace, entity="contacts", file_format="xlsx", rows=2, background=True
    )
    export.file.save("contacts.xlsx", ContentFile(content), save=True)
    return export


@pytest.fixture
def zoe(workspace):
    return make_contact(
        workspace, first_name="Zoe", emails=["Zoe.Quinn@Example.org"], phones=["+14155550123"]
    )


def test_files_and_failed_rows_holding_the_person_go_and_the_others_stay(
    workspace, owner, zoe, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace):
        listed = _batch(workspace, "people.csv", b"Email\nzoe.quinn@example.org\nal@x.io\n")
        by_phone = _batch(workspace, "calls.csv", b"Phone\n+14155550123\n", status="uploaded")
        others = _batch(workspace, "others.csv", b"Email\nal@x.io\n")
        export = _export(workspace, _workbook("Email", "ZOE.QUINN@example.org"))
        other_export = _export(workspace, _workbook("Email", "al@x.io"))
        failed = ImportRowError.objects.create(
            workspace=workspace,
            batch=others,
            row=3,
            column="Phone",
            message="'12' is not a phone number",
            raw=["zoe.quinn@example.org", "12"],
        )
        kept = ImportRowError.objects.create(
            workspace=workspace, batch=others, row=4, message="bad", raw=["al@x.io"]
        )
        names = [row.file.name for row in (listed, by_phone, export)]
        preview = dict(erasure_preview(zoe))

        with django_capture_on_commit_callbacks(execute=True):
            erasure = person_erase(workspace=workspace, actor=owner, contact=zoe, confirm="Zoe Lee")

    assert preview["import and export files holding them"] == 3
    assert preview["failed import rows holding them"] == 1
    assert (erasure.files, erasure.import_errors) == (3, 1)
    assert not any(default_storage.exists(name) for name in names)
    for row in (listed, by_phone, export):
        row.refresh_from_db()
        assert not row.file
    assert (listed.status, by_phone.status, export.status) == ("done", "failed", "expired")
    for row in (others, other_export):
        row.refresh_from_db()
        assert row.file and default_storage.exists(row.file.name)
    failed.refresh_from_db()
    kept.refresh_from_db()
    assert (failed.raw, failed.message, failed.row) == (["[erased]", "[erased]"], "[erased]", 3)
    assert (kept.raw, kept.message) == (["al@x.io"], "bad")


def test_a_needle_across_two_read_blocks_and_utf16_text_are_found(workspace, monkeypatch):
    monkeypatch.setattr("rapport.privacy.files.BLOCK", 8)
    with workspace_scope(workspace):
        split = _batch(workspace, "a.csv", b"Email\nzoe.quinn@example.org\n")
        wide = _batch(workspace, "b.csv", "Email\nzoe.quinn@example.org\n".encode("utf-16-le"))
        neither = _batch(workspace, "c.csv", b"Email\nzoe.quinn@example.net\n")

    needles = ["zoe.quinn@example.org"]
    assert file_holds(split.file, needles) and file_holds(wide.file, needles)
    assert not file_holds(neither.file, needles)


def test_another_workspaces_files_are_not_touched(
    workspace, owner, other_workspace, zoe, django_capture_on_commit_callbacks
):
    with workspace_scope(other_workspace):
        theirs = _batch(other_workspace, "theirs.csv", b"Email\nzoe.quinn@example.org\n")
    with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
        erasure = person_erase(workspace=workspace, actor=owner, contact=zoe, confirm="Zoe Lee")

    theirs.refresh_from_db()
    assert erasure.files == 0
    assert theirs.file and default_storage.exists(theirs.file.name)


def test_the_values_an_imports_undo_kept_of_the_person_are_blanked(workspace, owner, zoe):
    with workspace_scope(workspace):
        al = make_contact(workspace, first_name="Al", emails=["al@x.io"])
        batch = _batch(workspace, "update.csv", b"Email\n")

        def logged(contact, previous):
            return ImportedRecord.objects.create(
                workspace=workspace,
                batch=batch,
                entity="contacts",
                object_ids=[contact.pk],
                action="updated",
                previous=previous,
            )

        hers = logged(zoe, {"first_name": "Zoey", "emails": ["zoe.quinn@example.org"]})
        his = logged(al, {"first_name": "Alan"})
        created = ImportedRecord.objects.create(
            workspace=workspace,
            batch=batch,
            entity="contacts",
            object_ids=[zoe.pk, al.pk],
            action="created",
        )
        preview = dict(erasure_preview(zoe))
        erasure = person_erase(workspace=workspace, actor=owner, contact=zoe, confirm="Zoe Lee")

    for record in (hers, his, created):
        record.refresh_from_db()
    assert preview["earlier values kept for an import's undo"] == 1
    assert erasure.undo_values == 1
    assert hers.previous == {"first_name": "[erased]", "emails": "[erased]"}
    assert his.previous == {"first_name": "Alan"}
    assert created.object_ids == [zoe.pk, al.pk]
