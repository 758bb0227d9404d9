from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rapport.contacts.models import Contact
from rapport.data.models import ImportBatch
from rapport.tenancy.access import workspace_scope


def test_it_imports_a_file_as_an_undoable_batch(workspace, owner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Full,Email Address\nAnn Lee,ann@x.io\nBob,nope\n", encoding="utf-8")
    out, err = StringIO(), StringIO()

    call_command(
        "import_file",
        str(path),
        "--workspace",
        workspace.slug,
        "--entity",
        "contacts",
        "--map",
        "Full=first_name",
        "--user",
        owner.username,
        stdout=out,
        stderr=err,
    )

    assert "2 rows, 1 created, 0 updated, 0 skipped, 1 failed" in out.getvalue()
    assert "row 3, Email Address: 'nope' is not a valid email" in err.getvalue()
    with workspace_scope(workspace):
        assert Contact.objects.get().first_name == "Ann Lee"
        batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_by) == ("done", owner)


def test_it_refuses_an_unknown_workspace(db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Email\na@x.io\n")

    # import_csv, the command's first name, still answers
    with pytest.raises(CommandError, match="no workspace with slug 'nope'"):
        call_command("import_csv", str(path), "--workspace", "nope", "--entity", "contacts")


@pytest.mark.parametrize("command", ["import_file", "import_undo"])
def test_both_commands_refuse_an_unknown_user_by_name(workspace, tmp_path, command):
    path = tmp_path / "people.csv"
    path.write_text("Email\na@x.io\n")
    first = [str(path), "--entity", "contacts"] if command == "import_file" else ["1"]

    with pytest.raises(CommandError, match="no user 'ghost'"):
        call_command(command, *first, "--workspace", workspace.slug, "--user", "ghost")
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()


def test_it_refuses_an_empty_file(workspace, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(CommandError, match=r"file: 'empty\.csv': the file is empty"):
        call_command(
            "import_file", str(path), "--workspace", workspace.slug, "--entity", "contacts"
        )
