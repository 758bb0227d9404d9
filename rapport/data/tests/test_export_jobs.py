"""Large workbooks as background jobs: past the threshold (or when asked) an export is a
queued `DataExport` whose job writes the file to storage; the file is served only to members
of its workspace with the export scope; failures are kept with their error; old files go."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.api.testing import ApiClient
from rapport.contacts.tests.factories import make_contact
from rapport.data import export_services
from rapport.data.export_services import exports_clean
from rapport.data.models import DataExport, ExportStatus
from rapport.data.tests.workbooks import sheet_rows
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
viewer_client = fixtures.viewer_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.RAPPORT_EXPORT_INLINE_XLSX_ROWS = 3


@pytest.fixture
def people(workspace, other_workspace):
    for n in range(4):
        make_contact(workspace, first_name=f"Cust{n}", lifecycle_stage="customer")
    make_contact(workspace, first_name="=HYPERLINK(1)", lifecycle_stage="customer")
    make_contact(workspace, first_name="Lena", lifecycle_stage="lead")
    make_contact(other_workspace, first_name="Secret", lifecycle_stage="customer")


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def _run(client, url, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    return response


def test_a_big_workbook_goes_to_the_job_and_holds_the_filtered_rows(
    owner_client, people, django_capture_on_commit_callbacks
):
    response = _run(
        owner_client,
        "/exports/contacts.xlsx?lifecycle_stage=customer",
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302 and response["Location"] == "/exports/"
    export = DataExport.unscoped.get()
    assert export.background and export.status == ExportStatus.DONE
    assert export.rows == 5 and export.rows_written == 5
    assert export.filters == {"lifecycle_stage": "customer"}
    page = owner_client.get("/exports/")
    assert b"being prepared" in page.content
    assert f"/exports/{export.pk}/file/".encode() in page.content
    download = owner_client.get(f"/exports/{export.pk}/file/")
    assert download.status_code == 200
    rows = sheet_rows(_content(download))
    first = rows[0].index("first_name")
    names = sorted(r[first] for r in rows[1:])
    # The list's filter applies, another workspace's rows never come, formulas are defused.
    assert names == ["'=HYPERLINK(1)", "Cust0", "Cust1", "Cust2", "Cust3"]


def test_a_small_workbook_still_comes_in_the_response(owner_client, people):
    response = owner_client.get("/exports/contacts.xlsx?lifecycle_stage=lead")
    assert response.status_code == 200
    rows = sheet_rows(_content(response))
    assert [r[rows[0].index("first_name")] for r in rows[1:]] == ["Lena"]
    export = DataExport.unscoped.get()
    assert not export.background and not export.file


def test_a_small_workbook_asked_in_the_background_goes_to_the_job(
    owner_client, people, django_capture_on_commit_callbacks
):
    response = _run(
        owner_client,
        "/exports/contacts.xlsx?lifecycle_stage=lead&background=1",
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    export = DataExport.unscoped.get()
    assert export.background and export.rows == 1 and export.status == ExportStatus.DONE
    assert "background" not in export.filters


def test_csv_is_never_a_job(owner_client, people):
    response = owner_client.get("/exports/contacts.csv")
    assert response.status_code == 200
    assert not DataExport.unscoped.get().background


def test_a_failure_is_kept_with_its_error(
    owner_client, people, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(columns, rows):
        raise OSError("disk full")

    monkeypatch.setattr("rapport.data.export_formats.xlsx_file", broken)
    _run(owner_client, "/exports/contacts.xlsx", django_capture_on_commit_callbacks)
    export = DataExport.unscoped.get()
    assert export.status == ExportStatus.FAILED and export.error == "disk full"
    assert not export.file and export.finished_at is not None
    page = owner_client.get("/exports/")
    assert b"disk full" in page.content
    refused = owner_client.get(f"/exports/{export.pk}/file/")
    assert (refused.status_code, refused.content.decode()) == (
        409,
        f"export {export.pk}: only a finished background export has a file; this one is failed",
    )


def test_another_workspace_and_a_viewer_cannot_download(
    owner_client, viewer_client, outsider_client, people, django_capture_on_commit_callbacks
):
    _run(owner_client, "/exports/contacts.xlsx", django_capture_on_commit_callbacks)
    export = DataExport.unscoped.get()
    assert owner_client.get(f"/exports/{export.pk}/file/").status_code == 200
    assert outsider_client.get(f"/exports/{export.pk}/file/").status_code == 404
    assert outsider_client.get(f"/exports/{export.pk}/row/").status_code == 404
    assert f"export-{export.pk}" not in outsider_client.get("/exports/").content.decode()
    assert viewer_client.get(f"/exports/{export.pk}/file/").status_code == 403
    assert viewer_client.get("/exports/").status_code == 403


def test_a_running_row_polls_and_a_done_one_stops(owner_client, workspace, owner, people):
    export = export_services.export_record(
        workspace=workspace,
        actor=owner,
        entity="contacts",
        file_format="xlsx",
        filters={},
        rows=6,
        query="",
    )
    DataExport.unscoped.filter(pk=export.pk).update(status=ExportStatus.RUNNING, rows_written=3)
    row = owner_client.get(f"/exports/{export.pk}/row/").content.decode()
    assert 'hx-trigger="every 2s"' in row and "50%" in row and "Download" not in row
    DataExport.unscoped.filter(pk=export.pk).update(status=ExportStatus.FAILED)
    row = owner_client.get(f"/exports/{export.pk}/row/").content.decode()
    assert "hx-trigger" not in row


def test_the_api_queues_reports_and_serves_the_job(
    owner, workspace, outsider, other_workspace, viewer, people, django_capture_on_commit_callbacks
):
    api = ApiClient.with_token(owner, workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.get("/exports/contacts/xlsx", {"lifecycle_stage": "customer"})
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued" and job["rows"] == 5
    status = api.get(f"/exports/jobs/{job['id']}").json()
    assert status["status"] == "done" and status["download_url"]
    assert status["download_url"] == f"/api/v1/exports/jobs/{job['id']}/file"
    rows = sheet_rows(_content(api.get(f"/exports/jobs/{job['id']}/file")))
    assert len(rows) == 6
    theirs = ApiClient.with_token(outsider, other_workspace)
    assert theirs.get(f"/exports/jobs/{job['id']}").status_code == 404
    assert theirs.get(f"/exports/jobs/{job['id']}/file").status_code == 404
    viewers = ApiClient.with_token(viewer, workspace)
    assert viewers.get(f"/exports/jobs/{job['id']}/file").status_code == 403


def test_old_files_are_removed_and_the_rows_stay(
    owner_client, people, django_capture_on_commit_callbacks
):
    _run(owner_client, "/exports/contacts.xlsx", django_capture_on_commit_callbacks)
    export = DataExport.unscoped.get()
    path = export.file.path
    assert exports_clean(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert exports_clean(now=timezone.now() + dt.timedelta(days=8)) == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and not export.file
    import os

    assert not os.path.exists(path)
    assert owner_client.get(f"/exports/{export.pk}/file/").status_code == 409


def test_a_job_that_lost_its_worker_is_marked_failed(owner_client, people):
    owner_client.get("/exports/contacts.xlsx?background=1")  # queued; the task never runs
    export = DataExport.unscoped.get()
    DataExport.unscoped.filter(pk=export.pk).update(status=ExportStatus.RUNNING)

    exports_clean(now=timezone.now() + dt.timedelta(minutes=30))
    export.refresh_from_db()
    assert export.status == ExportStatus.RUNNING
    exports_clean(now=timezone.now() + dt.timedelta(hours=3))
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and "export again" in export.error


def test_the_cleaning_is_scheduled(db):
    from rapport.core.schedules import schedules

    assert "exports_clean_files" in {s.name for s in schedules()}
