"""After an import is undone, the page, the API and the CLI say what the undo took back
("Undone: 2 records removed"), no longer that the other rows were imported."""

import io

import pytest
from django.core.management import CommandError, call_command

from rapport.api.testing import ApiClient
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.data.services import import_undo
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

PEOPLE = "First Name,Email\nAnn,ann@x.io\nBo,bo@x.io\nCy,not-an-email\n"


def _undone(batch, owner):
    with workspace_scope(batch.workspace):
        return import_undo(workspace=batch.workspace, actor=owner, batch=batch)


def test_the_page_says_what_the_undo_removed_not_that_rows_were_imported(
    owner_client, owner, workspace, upload, run_import
):
    batch = run_import(upload(workspace, PEOPLE))
    before = owner_client.get(f"/imports/{batch.pk}/").content.decode()
    _undone(batch, owner)

    page = owner_client.get(f"/imports/{batch.pk}/").content.decode()

    assert "The other rows were imported." in before
    assert "The other rows were imported." not in page
    assert "The other rows were imported, then undone: none of their records remain." in page
    assert "Undone: 2 records removed: the records it created are deleted" in page


def test_the_undo_question_leaves_out_updates_an_import_made_none_of(
    owner_client, workspace, upload, run_import
):
    batch = run_import(upload(workspace, PEOPLE))

    page = owner_client.get(f"/imports/{batch.pk}/undo/").content.decode()

    assert "This deletes the 2 records the import created" in page
    assert "it updated" not in page


def test_a_page_without_row_errors_says_its_rows_were_undone(
    owner_client, owner, workspace, upload, run_import
):
    batch = run_import(upload(workspace, "First Name\nAnn\n"))
    _undone(batch, owner)

    page = owner_client.get(f"/imports/{batch.pk}/").content.decode()

    assert "every row was imported" not in page
    assert "No row error. Every row was imported, then undone" in page
    assert "Undone: 1 record removed:" in page


def test_the_api_status_says_what_is_true_before_and_after_the_undo(
    owner, workspace, upload, run_import
):
    api = ApiClient.with_token(owner, workspace)
    with workspace_scope(workspace):
        make_contact(workspace, owner, first_name="Ann", emails=["ann@x.io"])
    batch = run_import(upload(workspace, PEOPLE), mode="update")

    before = api.get(f"/data/imports/{batch.pk}").json()
    _undone(batch, owner)
    after = api.get(f"/data/imports/{batch.pk}").json()
    listed = api.get("/data/imports").json()["items"]

    assert before["summary"] == "1 created, 1 updated, 0 skipped, 1 failed"
    assert after["status"] == "undone"
    assert after["summary"] == "Undone: 1 record removed, 1 restored"
    assert [item["summary"] for item in listed] == [after["summary"]]
    with workspace_scope(workspace):
        assert list(Contact.objects.values_list("first_name", flat=True)) == ["Ann"]


def test_the_cli_undoes_an_import_and_says_what_it_took_back(owner, workspace, upload, run_import):
    batch = run_import(upload(workspace, PEOPLE))
    out = io.StringIO()

    call_command("import_undo", str(batch.pk), "--workspace", workspace.slug, stdout=out)

    assert out.getvalue() == f"import {batch.pk}: Undone: 2 records removed\n"
    with workspace_scope(workspace):
        assert not Contact.objects.exists()
    with pytest.raises(CommandError, match="only a finished or cancelled import"):
        call_command("import_undo", str(batch.pk), "--workspace", workspace.slug)
    with pytest.raises(CommandError, match=f"no import {batch.pk + 1} in workspace"):
        call_command("import_undo", str(batch.pk + 1), "--workspace", workspace.slug)
