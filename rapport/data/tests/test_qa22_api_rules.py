"""Imports and exports refuse clearly: an action the record's state refuses is a 409 saying
which state it is in and which it needs; an unknown form field or query parameter is named;
the import list filters by status and entity; an upload above `RAPPORT_IMPORT_MAX_BYTES` or
without a data row is refused, nothing stored, through the API, the wizard and the CLI."""

import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.data.models import DataExport, ExportFormat, ExportStatus, ImportBatch
from rapport.data.tests.test_file_formats import xlsx
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

pytestmark = pytest.mark.django_db

API = "/api/v1"
PEOPLE = "First Name,Email\nAnn,ann@acme.io\n"
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


@pytest.fixture
def api(owner, workspace) -> ApiClient:
    return ApiClient.with_token(owner, workspace)


def _upload(api: ApiClient, content: bytes, name: str = "people.csv", **form: Any) -> Any:
    data = {"file": SimpleUploadedFile(name, content), "entity": "contacts", **form}
    return api.client.post(f"{API}/data/imports", data, headers=api.headers)


def _status(batch: ImportBatch, status: str) -> None:
    ImportBatch.unscoped.filter(pk=batch.pk).update(status=status)


def _stored_files(root) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


# --- 1. state conflicts --------------------------------------------------------------------

CONFLICTS = [
    ("undo", "running", "only a finished or cancelled import can be undone; this one is running"),
    ("undo", "undone", "only a finished or cancelled import can be undone; this one is undone"),
    ("cancel", "done", "only a queued or running import can be cancelled; this one is done"),
    ("start", "queued", "only an import not started can be started; this one is queued"),
]


@pytest.mark.parametrize(("action", "status", "said"), CONFLICTS)
def test_an_action_the_import_state_refuses_is_a_409_saying_the_state(
    api, workspace, upload, action, status, said
):
    batch = upload(workspace, PEOPLE)
    _status(batch, status)

    response = api.post(f"/data/imports/{batch.pk}/{action}", {} if action == "start" else None)

    assert response.status_code == 409, response.content
    assert problem_fields(response) == {"status": said}
    body = response.json()
    assert (body["type"], body["detail"]) == ("urn:rapport:problem:state-conflict", said)
    assert ImportBatch.unscoped.get(pk=batch.pk).status == status


def test_a_background_export_without_its_file_yet_is_a_409(api, workspace, owner):
    with workspace_scope(workspace):
        export = DataExport.objects.create(
            workspace=workspace,
            entity="contacts",
            file_format=ExportFormat.XLSX,
            rows=3,
            background=True,
            status=ExportStatus.RUNNING,
        )

    response = api.get(f"/exports/jobs/{export.pk}/file")

    assert response.status_code == 409, response.content
    assert problem_fields(response) == {
        "status": "only a finished background export has a file; this one is running"
    }


def test_the_schema_declares_the_409_of_each_action_a_state_refuses(api):
    paths = api.get("/openapi.json").json()["paths"]

    declared = {
        (method, path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "409" in operation["responses"]
    }
    imports = "/api/v1/data/imports/{batch_id}"
    assert {
        ("post", f"{imports}/start"),
        ("post", f"{imports}/cancel"),
        ("post", f"{imports}/undo"),
        ("delete", imports),
        ("get", "/api/v1/exports/jobs/{export_id}/file"),
    } <= declared
    assert ("get", imports) not in declared
    problem = paths[f"{imports}/undo"]["post"]["responses"]["409"]["content"]
    assert problem == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }


def test_the_web_says_why_an_import_running_cannot_be_undone(owner_client, workspace, upload):
    batch = upload(workspace, PEOPLE)
    _status(batch, "running")

    response = owner_client.post(f"/imports/{batch.pk}/undo/", follow=True)

    assert response.status_code == 200
    assert (
        "The import was not undone: status: only a finished or cancelled import can be undone;"
        " this one is running"
    ) in response.content.decode()


# --- 2. unknown fields and parameters ------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({"mapping": '{"Email": "email"}'}, "mapping"),
        ({"attachment": SimpleUploadedFile("x.csv", b"a\n1\n")}, "attachment"),
    ],
)
def test_an_upload_with_an_unknown_form_field_is_refused_by_name(api, workspace, extra, name):
    response = _upload(api, PEOPLE.encode(), **extra)

    assert response.status_code == 422, response.content
    assert problem_fields(response) == {name: "is not a field of an upload"}
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()


def test_unknown_query_parameters_are_refused_by_name(api, workspace, upload, owner):
    batch = upload(workspace, PEOPLE)
    with workspace_scope(workspace):
        export = DataExport.objects.create(
            workspace=workspace, entity="contacts", file_format="xlsx", rows=0, background=True
        )
    this_request = {"nope": "is not a parameter of this request"}

    for path, said in [
        ("/data/imports", {"nope": "is not a parameter of this list"}),
        ("/data/importers", this_request),
        (f"/data/imports/{batch.pk}", this_request),
        (f"/data/imports/{batch.pk}/errors", {"nope": "is not a parameter of this list"}),
        (f"/data/imports/{batch.pk}/errors.csv", this_request),
        (f"/exports/jobs/{export.pk}", this_request),
        (f"/exports/jobs/{export.pk}/file", this_request),
        ("/exports/contacts/csv", {"nope": "is not a parameter of this export"}),
    ]:
        response = api.get(path, {"nope": "1"})
        assert response.status_code == 400, (path, response.content)
        assert problem_fields(response) == said, path


def test_an_export_takes_its_lists_own_parameters_and_refuses_a_misspelt_one(api, workspace):
    for path, params in [
        ("/exports/contacts/csv", {"lifecycle_stage": "lead", "sort": "name"}),
        ("/exports/tickets/csv", {"view": "all", "status": "open"}),
        ("/exports/contacts/csv", {"background": "1"}),
    ]:
        assert api.get(path, params).status_code == 200, path

    misspelt = api.get("/exports/contacts/csv", {"lifecycle": "lead"})

    assert misspelt.status_code == 400
    assert problem_fields(misspelt) == {"lifecycle": "is not a parameter of this export"}
    with workspace_scope(workspace):
        assert DataExport.objects.count() == 3  # the three taken, not the misspelt one


# --- 3. the import list's filters ----------------------------------------------------------


def test_the_import_list_filters_by_status_and_entity(api, workspace, upload):
    people = upload(workspace, PEOPLE)
    done = upload(workspace, PEOPLE)
    firms = upload(workspace, "Name\nAcme\n", entity="companies")
    _status(done, "done")

    def ids(**params: str) -> list[int]:
        response = api.get("/data/imports", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [firms.pk, done.pk, people.pk]
    assert ids(status="uploaded") == [firms.pk, people.pk]
    assert ids(entity="contacts") == [done.pk, people.pk]
    assert ids(entity="companies", status="uploaded") == [firms.pk]
    assert ids(status="undone") == []


def test_a_bad_filter_value_is_refused_by_name(api):
    status = api.get("/data/imports", {"status": "finished"})
    entity = api.get("/data/imports", {"entity": "people"})

    assert status.status_code == entity.status_code == 400
    assert problem_fields(status) == {
        "status": "'finished' is not one of: uploaded, queued, running, done, cancelled, "
        "undoing, undone, failed"
    }
    assert problem_fields(entity)["entity"].startswith("'people' cannot be imported; one of: ")


# --- 4. the upload size limit --------------------------------------------------------------

SIZE = len(PEOPLE.encode())
TOO_LARGE = (
    f"'people.csv' is {SIZE} bytes, above the import limit of {SIZE - 1} bytes "
    "(RAPPORT_IMPORT_MAX_BYTES)"
)


@pytest.fixture
def limited(settings, tmp_path):
    """A limit one byte below `PEOPLE`, and an empty media directory to see nothing stored."""
    settings.RAPPORT_IMPORT_MAX_BYTES = SIZE - 1
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_api_refuses_a_file_above_the_limit_storing_nothing(api, workspace, limited):
    response = _upload(api, PEOPLE.encode())

    assert response.status_code == 422, response.content
    assert problem_fields(response) == {"file": TOO_LARGE}
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()
    assert _stored_files(limited) == []


def test_a_file_at_the_limit_is_taken(api, settings, limited):
    settings.RAPPORT_IMPORT_MAX_BYTES = SIZE

    assert _upload(api, PEOPLE.encode()).status_code == 201


def test_the_wizard_refuses_a_file_above_the_limit_next_to_the_field(
    owner_client: Client, workspace, limited
):
    response = owner_client.post(
        "/imports/new/",
        {"entity": "contacts", "file": SimpleUploadedFile("people.csv", PEOPLE.encode())},
    )

    assert response.status_code == 200
    assert TOO_LARGE.replace("'", "&#x27;") in response.content.decode()
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()
    assert _stored_files(limited) == []


def test_the_command_refuses_a_file_above_the_limit(workspace, limited, tmp_path_factory):
    path = tmp_path_factory.mktemp("in") / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")

    with pytest.raises(
        CommandError, match=f"is {SIZE} bytes, above the import limit of {SIZE - 1} bytes"
    ):
        call_command(
            "import_file", str(path), "--workspace", workspace.slug, "--entity", "contacts"
        )
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()
    assert _stored_files(limited) == []


# --- 5. a file without a data row ----------------------------------------------------------

NO_ROWS = "the file has column headers but no rows"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"First Name,Email\n", "people.csv"),
        (b"First Name,Email\r\n\r\n\r\n", "people.csv"),  # blank lines are no rows
        (xlsx([["First Name", "Email"]]), "people.xlsx"),
    ],
)
def test_the_api_refuses_a_file_with_a_header_and_no_row(api, workspace, content, name):
    response = _upload(api, content, name=name)

    assert response.status_code == 422, response.content
    assert problem_fields(response) == {"file": f"'{name}': {NO_ROWS}"}
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()


def test_the_wizard_refuses_a_file_with_a_header_and_no_row(owner_client, workspace):
    upload = SimpleUploadedFile("people.csv", b"First Name,Email\r\n")

    response = owner_client.post("/imports/new/", {"entity": "contacts", "file": upload})

    assert response.status_code == 200
    assert NO_ROWS in response.content.decode()
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()


def test_an_empty_file_keeps_its_own_error(api):
    response = _upload(api, b"")

    assert problem_fields(response) == {"file": "'people.csv': the file is empty"}


def test_the_web_list_filters_by_status_and_entity_and_says_a_bad_value(
    owner_client, workspace, upload
):
    people, firms = upload(workspace, PEOPLE), upload(workspace, "Name\nAcme\n", entity="companies")
    _status(people, "done")

    def listed(query: str) -> str:
        response = owner_client.get(f"/imports/{query}")
        assert response.status_code == 200
        return response.content.decode()

    both = listed("")
    assert f"/imports/{people.pk}/" in both and f"/imports/{firms.pk}/" in both
    done = listed("?status=done")
    assert f"/imports/{people.pk}/" in done and f"/imports/{firms.pk}/" not in done
    assert '<option value="done" selected>' in done
    companies = listed("?entity=companies")
    assert f"/imports/{firms.pk}/" in companies and f"/imports/{people.pk}/" not in companies
    assert "No import matches these filters." in listed("?entity=companies&status=done")
    bad = listed("?status=finished")
    assert "status: &#x27;finished&#x27; is not one of: uploaded" in bad
    assert f"/imports/{people.pk}/" in bad and f"/imports/{firms.pk}/" in bad
