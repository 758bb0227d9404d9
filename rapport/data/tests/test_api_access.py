"""Imports over the API, two workspaces and the roles: nobody sees, runs, cancels or undoes
another workspace's import or reads its errors, a viewer changes nothing, and only a role
that may delete records undoes an import.

The tables below name every `/data/` operation; tests check them against the OpenAPI schema,
so a new data endpoint without an isolation case and, for a write, a viewer case fails here.
"""

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.api.testing import PREFIX as API
from rapport.api.testing import (
    ApiClient,
    World,
    assert_isolated,
    call,
    listed_ids,
    problem_fields,
    schema_operations,
)
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.data.models import ImportBatch, ImportRowError
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

PREFIX = "/data/"


def _world(workspace, user, upload, run_import, *, name: str) -> World:
    text = f"First Name,Email\n{name},{name.lower()}@x.example\nBad {name},nope-{name}\n"
    done = run_import(upload(workspace, text, actor=user), actor=user)
    uploaded = upload(workspace, text, actor=user)
    ids = {"batch_id": done.pk, "uploaded_id": uploaded.pk}
    return World(workspace, ApiClient.with_token(user, workspace), ids, name)


@pytest.fixture
def ours(workspace, owner, upload, run_import) -> World:
    return _world(workspace, owner, upload, run_import, name="Zelda")


@pytest.fixture
def theirs(other_workspace, outsider, upload, run_import) -> World:
    return _world(other_workspace, outsider, upload, run_import, name="Yorick")


def _state(workspace: Workspace) -> tuple[Any, ...]:
    with workspace_scope(workspace):
        return (
            list(ImportBatch.objects.values_list("id", "status", "mapping", "mode", "rows")),
            list(ImportRowError.objects.values_list("id")),
            list(Contact.objects.values_list("id", "first_name")),
            AuditEntry.objects.count(),
        )


def _upload(api: ApiClient, content: bytes, **form: str) -> Any:
    data = {"file": SimpleUploadedFile("people.csv", content, "text/csv"), **form}
    return api.client.post(f"{API}/data/imports", data, headers=api.headers)


RECORD_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/data/imports/{batch_id}", None),
    ("post", "/data/imports/{uploaded_id}/dry-run", {}),
    ("post", "/data/imports/{uploaded_id}/start", {}),
    ("post", "/data/imports/{batch_id}/cancel", None),
    ("post", "/data/imports/{batch_id}/undo", None),
    ("get", "/data/imports/{batch_id}/errors", None),
    ("get", "/data/imports/{batch_id}/errors.csv", None),
    ("delete", "/data/imports/{uploaded_id}", None),
]
COLLECTION_CALLS = {
    ("get", "/data/importers"),
    ("get", "/data/imports"),
    ("post", "/data/imports"),
}


def _template(path: str) -> str:
    return path.replace("{uploaded_id}", "{batch_id}")


def test_every_data_operation_has_an_isolation_case(db):
    covered = {(m, _template(p)) for m, p, _ in RECORD_CALLS} | COLLECTION_CALLS

    assert schema_operations(PREFIX) == covered


@pytest.mark.parametrize(("method", "path", "body"), RECORD_CALLS)
def test_another_workspaces_import_is_not_found(sides, method, path, body):
    assert_isolated(sides, method, path, body, state=_state)


def test_the_list_shows_only_the_callers_imports(sides):
    looker, _ = sides

    assert listed_ids(looker.api.get("/data/imports")) == {
        looker.ids["batch_id"],
        looker.ids["uploaded_id"],
    }


def test_an_import_through_the_api_matches_only_the_callers_contacts(
    sides, django_capture_on_commit_callbacks
):
    looker, other = sides
    before = _state(other.workspace)
    email = f"{other.name.lower()}@x.example"

    created = _upload(looker.api, f"First Name,Email\nMine,{email}\n".encode(), entity="contacts")
    batch_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        started = looker.api.post(f"/data/imports/{batch_id}/start", {"mode": "update"})
    done = looker.api.get(f"/data/imports/{batch_id}")

    assert created.status_code == 201, created.content
    assert created.json()["mapping"] == {"First Name": "first_name", "Email": "email"}
    assert started.status_code == 202, started.content
    assert (done.json()["status"], done.json()["created"], done.json()["updated"]) == (
        "done",
        1,
        0,
    )
    assert _state(other.workspace) == before


def test_the_error_report_downloads_as_csv(ours):
    response = ours.api.get(f"/data/imports/{ours.ids['batch_id']}/errors.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0] == ["row", "column", "error", "First Name", "Email"]
    assert [(r[0], r[1], r[3], r[4]) for r in rows[1:]] == [
        ("3", "Email", "Bad Zelda", "nope-Zelda")
    ]


def test_an_empty_upload_is_a_problem_naming_the_file(ours):
    response = _upload(ours.api, b"", entity="contacts")

    assert response.status_code == 422
    assert problem_fields(response) == {"file": "'people.csv': the file is empty"}


# --- roles -----------------------------------------------------------------------------------

WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("post", "/data/imports/{uploaded_id}/dry-run", {}),
    ("post", "/data/imports/{uploaded_id}/start", {}),
    ("post", "/data/imports/{batch_id}/cancel", None),
    ("post", "/data/imports/{batch_id}/undo", None),
    ("delete", "/data/imports/{uploaded_id}", None),
]


def test_every_data_write_has_a_viewer_case(db):
    writes = {(m, p) for m, p in schema_operations(PREFIX) if m != "get"}

    assert writes == {(m, _template(p)) for m, p, _ in WRITES} | {("post", "/data/imports")}


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_cannot_run_imports(ours, viewer, method, path, body):
    before = _state(ours.workspace)
    api = ApiClient.with_token(viewer, ours.workspace)

    response = call(api, method, path, body, ours.ids)

    assert response.status_code == 403, response.content
    problem_fields(response)
    assert _state(ours.workspace) == before


def test_a_viewer_cannot_upload(ours, viewer):
    before = _state(ours.workspace)

    response = _upload(ApiClient.with_token(viewer, ours.workspace), b"Email\na@x.io\n")

    assert response.status_code == 403
    assert _state(ours.workspace) == before


@pytest.mark.parametrize("path", ["/data/importers", "/data/imports"])
def test_a_viewer_reads(ours, viewer, path):
    assert ApiClient.with_token(viewer, ours.workspace).get(path).status_code == 200


def test_a_member_imports_but_does_not_undo(ours, member):
    api = ApiClient.with_token(member, ours.workspace)

    preview = api.post(f"/data/imports/{ours.ids['uploaded_id']}/dry-run", {"limit": 5})
    before = _state(ours.workspace)
    undo = api.post(f"/data/imports/{ours.ids['batch_id']}/undo")

    assert preview.status_code == 200, preview.content
    # Zelda was imported already: in the default skip mode her row matches and is skipped.
    assert [(r["row"], r["action"]) for r in preview.json()] == [(2, "skipped"), (3, "failed")]
    assert preview.json()[1]["errors"][0]["field"] == "Email"
    assert undo.status_code == 403
    assert _state(ours.workspace) == before


def test_an_admin_undoes_an_import(ours, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = ApiClient.with_token(admin_user, ours.workspace).post(
            f"/data/imports/{ours.ids['batch_id']}/undo"
        )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "undoing"  # queued; the task has run since
    # the one good row created Zelda
    assert (response.json()["undone"], response.json()["undo_total"]) == (0, 1)
    with workspace_scope(ours.workspace):
        assert ImportBatch.objects.get(pk=ours.ids["batch_id"]).status == "undone"
    done = ApiClient.with_token(admin_user, ours.workspace).get(
        f"/data/imports/{ours.ids['batch_id']}"
    )
    assert (done.json()["undone"], done.json()["undo_total"]) == (1, None)
    with workspace_scope(ours.workspace):
        assert not Contact.objects.filter(first_name="Zelda").exists()
