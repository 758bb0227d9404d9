"""An upload to import over `RAPPORT_IMPORT_MAX_BYTES` is refused while it streams: the
wizard and the API keep at most the limit (`upload_limit.ImportUploadHandler`, not Django's
handlers spooling all of it), say the usual error naming the file, its size and the limit,
and store nothing; a file within the limit imports as before; the wizard still checks CSRF."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from rapport.api.testing import ApiClient, problem_fields
from rapport.data.models import ImportBatch
from rapport.data.upload_limit import ImportUploadHandler, OversizeUpload
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

pytestmark = pytest.mark.django_db

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

LIMIT = 100_000  # between one and two of the parser's 64 KiB chunks
ROW = b"Ann,ann@acme.io\n"
BIG = b"First Name,Email\n" + ROW * (300_000 // len(ROW))
SAID = (
    f"'big.csv' is {len(BIG):,} bytes, above the import limit of {LIMIT:,} bytes "
    "(RAPPORT_IMPORT_MAX_BYTES)"
)


@pytest.fixture
def kept_sizes(monkeypatch):
    """The size on disk of the handler's temporary file after each chunk it was given (none
    once the file is closed, which deletes it)."""
    sizes: list[int] = []
    receive = ImportUploadHandler.receive_data_chunk

    def measured(handler, raw_data, start):
        receive(handler, raw_data, start)
        if not handler.file.closed:
            handler.file.flush()
            sizes.append(os.path.getsize(handler.file.temporary_file_path()))

    monkeypatch.setattr(ImportUploadHandler, "receive_data_chunk", measured)
    return sizes


@pytest.fixture
def limited(settings, tmp_path):
    """A small limit, and empty media and upload directories to see nothing kept."""
    settings.RAPPORT_IMPORT_MAX_BYTES = LIMIT
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return tmp_path


def _files(root) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def _streamed_through_the_limit(response, kept_sizes) -> ImportUploadHandler:
    """The request's only upload handler, its temporary file never above the limit."""
    (handler,) = response.wsgi_request.upload_handlers
    assert isinstance(handler, ImportUploadHandler)
    assert kept_sizes and 0 < max(kept_sizes) <= LIMIT
    assert handler.file.closed
    return handler


def test_the_api_refuses_a_file_over_the_limit_keeping_at_most_the_limit(
    owner, workspace, limited, kept_sizes
):
    api = ApiClient.with_token(owner, workspace)
    data = {"file": SimpleUploadedFile("big.csv", BIG), "entity": "contacts"}

    response = api.client.post("/api/v1/data/imports", data, headers=api.headers)

    assert response.status_code == 422, response.content
    assert problem_fields(response) == {"file": SAID}
    _streamed_through_the_limit(response, kept_sizes)
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()
    assert _files(limited) == []


def test_the_wizard_refuses_a_file_over_the_limit_next_to_the_field(
    owner_client, workspace, limited, kept_sizes
):
    response = owner_client.post(
        "/imports/new/", {"entity": "contacts", "file": SimpleUploadedFile("big.csv", BIG)}
    )

    assert response.status_code == 200
    assert SAID.replace("'", "&#x27;") in response.content.decode()
    _streamed_through_the_limit(response, kept_sizes)
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()
    assert _files(limited) == []


def test_a_file_within_the_limit_is_stored_whole(owner, workspace, limited, settings):
    settings.RAPPORT_IMPORT_MAX_BYTES = len(BIG)
    api = ApiClient.with_token(owner, workspace)
    data = {"file": SimpleUploadedFile("big.csv", BIG), "entity": "contacts"}

    response = api.client.post("/api/v1/data/imports", data, headers=api.headers)

    assert response.status_code == 201, response.content
    with workspace_scope(workspace):
        batch = ImportBatch.objects.get()
        assert batch.file.read() == BIG
    assert _files(limited / "uploads") == []


def test_the_wizard_still_refuses_a_post_without_its_csrf_token(owner, workspace, limited):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    form = {"entity": "contacts", "file": SimpleUploadedFile("people.csv", BIG[:200])}

    refused = client.post("/imports/new/", form)
    page = client.get("/imports/new/")
    form["csrfmiddlewaretoken"] = get_token(page.wsgi_request)
    form["file"] = SimpleUploadedFile("people.csv", BIG[:200])
    taken = client.post("/imports/new/", form)

    assert refused.status_code == 403
    assert taken.status_code == 302, taken.content
    with workspace_scope(workspace):
        assert ImportBatch.objects.count() == 1


def test_past_the_limit_the_handler_counts_and_deletes_what_it_kept(limited, kept_sizes):
    handler = ImportUploadHandler(RequestFactory().post("/"))
    handler.new_file("file", "big.csv", "text/csv", len(BIG))
    chunk = 65_536
    for start in range(0, len(BIG), chunk):
        handler.receive_data_chunk(BIG[start : start + chunk], start)
        kept = _files(limited / "uploads")
        assert kept == ([] if start + chunk > LIMIT else [handler.file.temporary_file_path()])

    stand_in = handler.file_complete(len(BIG))

    assert isinstance(stand_in, OversizeUpload)
    assert (stand_in.name, stand_in.size, stand_in.read()) == ("big.csv", len(BIG), b"")
    assert kept_sizes == [chunk]  # the first chunk, within the limit; the file gone after
