"""What the wizard and the progress bar rely on: the rows counted at upload are the rows the
run reads, and the mapping chosen before the start is kept (only then)."""

import pytest

from rapport.api.testing import ApiClient
from rapport.audit.models import AuditEntry
from rapport.core.errors import ServiceValidationError
from rapport.data.services import import_configure
from rapport.tenancy.access import workspace_scope


def test_the_rows_counted_at_upload_are_the_rows_the_import_reads(
    workspace, owner, upload, run_import
):
    text = 'First Name,Email\nAnn,ann@x.io\n\n,\nBob\n"Cy\nDee",cy@x.io\nDi,di@x.io,extra\n'

    batch = upload(workspace, text)
    # Blank lines are not rows, a quoted line break is one row, a ragged row is a row.
    assert batch.total_rows == 4

    done = run_import(batch, chunk_rows=1)
    assert (done.rows, done.total_rows) == (4, 4)
    polled = ApiClient.with_token(owner, workspace).get(f"/data/imports/{batch.pk}").json()
    assert (polled["rows"], polled["total_rows"]) == (4, 4)


def test_a_file_unreadable_to_its_end_has_no_known_total(workspace, upload, run_import):
    huge = "x" * (17 * 1024 * 1024)
    batch = upload(workspace, f'First Name,Email\nAnn,ann@x.io\n"{huge},big@x.io\n')

    assert batch.total_rows is None
    assert run_import(batch).rows == 2  # the good row, then the unreadable rest as one error


def test_a_file_with_only_a_header_is_refused(workspace, upload):
    with pytest.raises(ServiceValidationError) as refused:
        upload(workspace, "First Name,Email\n")
    assert refused.value.as_dict() == {
        "file": ["'people.csv': the file has column headers but no rows"]
    }


def test_configure_keeps_the_mapping_and_mode_and_audits_only_a_change(workspace, owner, upload):
    batch = upload(workspace, "Given,Mail\nAnn,ann@x.io\n")
    with workspace_scope(workspace):
        entries = AuditEntry.objects.count()
        import_configure(
            workspace=workspace,
            actor=owner,
            batch=batch,
            mapping={"Given": "first_name", "Mail": "email"},
            mode="update",
        )
        batch.refresh_from_db()
        assert (batch.mapping, batch.mode) == ({"Given": "first_name", "Mail": "email"}, "update")
        assert AuditEntry.objects.count() == entries + 1
        import_configure(
            workspace=workspace, actor=owner, batch=batch, mapping=batch.mapping, mode="update"
        )
        assert AuditEntry.objects.count() == entries + 1


def test_configure_refuses_a_bad_mode_and_a_started_import(workspace, owner, upload, run_import):
    batch = upload(workspace, "Email\nann@x.io\n")
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as bad_mode:
        import_configure(
            workspace=workspace, actor=owner, batch=batch, mapping={"Email": "email"}, mode="merge"
        )
    assert bad_mode.value.as_dict() == {"mode": ["'merge' is not one of: skip, update, create"]}

    done = run_import(batch)
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as started:
        import_configure(
            workspace=workspace, actor=owner, batch=done, mapping={"Email": "email"}, mode="skip"
        )
    assert started.value.as_dict() == {
        "status": ["only an import not started can be mapped; this one is done"]
    }
