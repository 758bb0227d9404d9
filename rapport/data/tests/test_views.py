"""The import pages: the list, the wizard (upload, mapping, preview, start), a batch's
progress, errors, cancel and undo; who may see and do what."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.data.models import ImportBatch, ImportStatus
from rapport.data.queries import import_finish_estimate
from rapport.data.services import import_undo_start
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db

PEOPLE = """First Name,Last Name,E-mail,Mobile,Notes
Ann,Lee,Ann@Acme.IO,+1 415 555 2671,met at a fair
Bob,Ray,not-an-email,,
Cy,Dee,cy@acme.io,12,
Di,Eve,di@acme.io,,
"""


def _csv(text: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), "text/csv")


def _contacts(workspace) -> list[str]:
    with workspace_scope(workspace):
        return sorted(Contact.objects.values_list("first_name", flat=True))


def _batch(workspace, pk: int) -> ImportBatch:
    with workspace_scope(workspace):
        return ImportBatch.objects.get(pk=pk)


def _selected(html: str, column_index: int) -> str:
    """The value chosen in a column's select of the mapping page."""
    select = re.search(rf'<select name="column_{column_index}".*?</select>', html, re.S)
    assert select is not None
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else ""


def _mapping_post(**overrides: str) -> dict[str, str]:
    data = {
        "column_0": "first_name",
        "column_1": "last_name",
        "column_2": "email",
        "column_3": "phone",
        "column_4": "",
        "mode": "skip",
    }
    return data | overrides


@pytest.fixture
def uploaded(workspace, upload):
    return upload(workspace, PEOPLE)


@pytest.fixture
def finished(workspace, upload, run_import):
    return run_import(upload(workspace, PEOPLE))


# --- step 1: upload ----------------------------------------------------------------------------


def test_an_upload_becomes_a_batch_with_its_rows_counted_and_goes_to_the_mapping(
    owner_client, workspace
):
    response = owner_client.post("/imports/new/", {"entity": "contacts", "file": _csv(PEOPLE)})

    with workspace_scope(workspace):
        batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{batch.pk}/mapping/"
    assert (batch.filename, batch.status, batch.total_rows) == ("people.csv", "uploaded", 4)
    assert batch.columns == ["First Name", "Last Name", "E-mail", "Mobile", "Notes"]


def test_the_upload_page_offers_every_registered_importer(member_client):
    html = member_client.get("/imports/new/").content.decode()

    assert '<option value="contacts" selected>Contacts</option>' in html  # the first choice
    assert '<option value="companies">Companies</option>' in html
    assert 'enctype="multipart/form-data"' in html
    # every format the import reads is named, not CSV alone
    assert "Excel workbook (.xlsx, .xls)" in html and "vCards (.vcf)" in html


def test_a_blank_file_is_refused_next_to_the_file_field(owner_client, workspace):
    response = owner_client.post("/imports/new/", {"entity": "contacts", "file": _csv("\n \n")})

    html = response.content.decode()
    assert response.status_code == 200
    field = re.search(r'id="field-file".*?</div>', html, re.S)
    assert field is not None and "the file is empty" in field.group(0)
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()


def test_an_unknown_entity_and_a_missing_file_are_named(owner_client, workspace):
    response = owner_client.post("/imports/new/", {"entity": "spaceships"})

    html = response.content.decode()
    assert "Select a valid choice" in html
    assert re.search(r'id="field-file".*?This field is required', html, re.S)
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()


def test_a_header_naming_a_column_twice_numbers_the_second(owner_client, workspace):
    response = owner_client.post(
        "/imports/new/", {"entity": "contacts", "file": _csv("Email,Email\na@x.io,b@x.io\n")}
    )

    assert response.status_code == 302
    with workspace_scope(workspace):
        batch = ImportBatch.objects.get()
    assert (batch.columns, batch.mapping) == (
        ["Email", "Email (2)"],
        {"Email": "email", "Email (2)": "email"},
    )


# --- step 2: mapping ---------------------------------------------------------------------------


def test_the_mapping_page_suggests_a_field_for_each_known_header(owner_client, uploaded):
    html = owner_client.get(f"/imports/{uploaded.pk}/mapping/").content.decode()

    assert [_selected(html, i) for i in range(5)] == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "",
    ]
    assert "4 data rows" in html
    assert "A row matches an existing contact with the row&#x27;s external id" in html
    for label in ("Skip rows that match", "Update the matching record", "Create a new record"):
        assert label in html


def test_a_mapping_error_is_shown_next_to_its_column_and_nothing_is_kept(
    owner_client, workspace, uploaded
):
    response = owner_client.post(
        f"/imports/{uploaded.pk}/mapping/", _mapping_post(column_4="first_name")
    )

    html = response.content.decode()
    assert response.status_code == 200
    row = re.search(r'<tr class="has-error" id="field-column_4">.*?</tr>', html, re.S)
    assert row is not None
    # the field by its label, as the column's select shows it, not its internal name
    assert "&#x27;First name&#x27; is already fed by column &#x27;First Name&#x27;" in row.group(0)
    assert "first_name" not in re.sub(r"<select.*?</select>", "", row.group(0), flags=re.S)
    assert _batch(workspace, uploaded.pk).mapping == uploaded.mapping
    # and summed up above the columns, linking to the one to correct
    summary = re.search(
        r'<div class="alert alert-error" role="alert" id="mapping-errors">.*?</div>', html, re.S
    )
    assert summary is not None
    assert (
        '<a href="#field-column_4">Notes</a>: &#x27;First name&#x27; is already fed'
        in summary.group(0)
    )


def test_a_mapping_of_no_column_is_a_form_error(owner_client, uploaded):
    empty = {f"column_{i}": "" for i in range(5)}
    response = owner_client.post(f"/imports/{uploaded.pk}/mapping/", _mapping_post(**empty))

    assert "mapping: maps no column to a field" in response.content.decode()


def test_the_chosen_mapping_and_mode_are_kept_and_audited(owner_client, workspace, uploaded):
    response = owner_client.post(
        f"/imports/{uploaded.pk}/mapping/", _mapping_post(column_3="", mode="update")
    )

    assert response.status_code == 302
    assert response["Location"] == f"/imports/{uploaded.pk}/preview/"
    batch = _batch(workspace, uploaded.pk)
    assert batch.mapping == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-mail": "email",
    }
    assert batch.mode == "update"
    with workspace_scope(workspace):
        entry = AuditEntry.objects.filter(object_id=str(batch.pk)).latest("id")
    assert entry.changes["mode"] == ["skip", "update"]
    html = owner_client.get(f"/imports/{uploaded.pk}/mapping/").content.decode()
    assert _selected(html, 3) == ""


# --- step 3: preview ---------------------------------------------------------------------------


def test_the_preview_shows_rows_as_stored_and_the_errors_they_would_give(
    owner_client, workspace, uploaded
):
    html = owner_client.get(f"/imports/{uploaded.pk}/preview/").content.decode()

    table = re.search(r'<table class="table" id="preview-table">.*?</table>', html, re.S)
    assert table is not None
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)[1:]
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]
    assert "Created" in text[0] and "ann@acme.io" in text[0] and "+14155552671" in text[0]
    assert "Failed" in text[1] and "E-mail:" in text[1] and "not a valid email" in text[1]
    assert "Failed" in text[2] and "Mobile:" in text[2]
    assert "Created" in text[3] and "di@acme.io" in text[3]
    assert "2 of these rows would not be imported" in html
    assert f'href="/imports/{uploaded.pk}/mapping/"' in html
    assert _contacts(workspace) == []
    assert _batch(workspace, uploaded.pk).status == "uploaded"


def test_a_failed_rows_reasons_follow_its_outcome_in_place_of_its_empty_cells(
    owner_client, uploaded
):
    html = owner_client.get(f"/imports/{uploaded.pk}/preview/").content.decode()

    table = re.search(r'<table class="table" id="preview-table">.*?</table>', html, re.S)
    assert table is not None
    headers = re.findall(r"<th[ >]", table.group(0))
    bob = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)[2]
    cells = re.findall(r"<td([^>]*)>(.*?)</td>", bob, re.S)
    assert len(cells) == 3  # row, outcome, then the reasons across every other column
    assert f'colspan="{len(headers) - 2}"' in cells[2][0]
    assert "not a valid email" in cells[2][1]


def test_a_failed_row_shows_what_the_file_held_after_its_reasons_escaped(
    owner_client, workspace, upload
):
    batch = upload(workspace, 'First Name,E-mail,Notes\nBob,not-an-email,"<b>met</b>"\n')

    html = owner_client.get(f"/imports/{batch.pk}/preview/").content.decode()

    bob = re.search(r'<td colspan="\d+" class="preview-reasons">(.*?)</td>', html, re.S)
    assert bob is not None
    reasons, held = bob.group(1).index("not a valid email"), bob.group(1).index("In the file:")
    assert reasons < held
    assert (
        '<p class="muted preview-file">In the file: First Name: Bob · E-mail: not-an-email'
        " · Notes: &lt;b&gt;met&lt;/b&gt;</p>" in bob.group(1)
    )
    assert "<b>met</b>" not in html


def test_the_preview_says_a_skipped_row_shows_the_record_it_matched(
    owner_client, workspace, uploaded
):
    html = owner_client.get(f"/imports/{uploaded.pk}/preview/").content.decode()
    assert 'id="preview-skips"' not in html

    make_contact(workspace, first_name="Annabel", emails=["ann@acme.io"])
    html = owner_client.get(f"/imports/{uploaded.pk}/preview/").content.decode()

    skipped = re.search(r'<tr class="">\s*<td class="num">2</td>.*?</tr>', html, re.S)
    assert skipped is not None and "Skipped" in skipped.group(0)
    assert "Annabel" in skipped.group(0)
    note = re.search(r'<p class="muted" id="preview-skips">(.*?)</p>', html, re.S)
    assert note is not None
    assert note.group(1).startswith(
        "A skipped row matches an existing contact with the row&#x27;s external id"
    )


def test_a_file_with_a_header_and_no_row_is_refused_at_the_upload(owner_client, workspace):
    # Refused before a batch is made (qa22), rather than a batch whose preview has no row.
    response = owner_client.post(
        "/imports/new/", {"entity": "contacts", "file": _csv("First Name,E-mail\n")}
    )

    field = re.search(r'id="field-file".*?</div>', response.content.decode(), re.S)
    assert field is not None and "the file has column headers but no rows" in field.group(0)
    with workspace_scope(workspace):
        assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("total", "said"),
    [(1, "1 row waits"), (4, "4 rows wait"), (None, "its rows wait")],
)
def test_a_batch_not_started_says_its_rows_wait_for_a_mapping(owner_client, uploaded, total, said):
    ImportBatch.unscoped.filter(pk=uploaded.pk).update(total_rows=total)

    html = owner_client.get(f"/imports/{uploaded.pk}/").content.decode()

    assert f"Not started: {said} for a column mapping." in html


def test_a_started_batch_leaves_the_wizard_for_its_page(owner_client, finished):
    for step in ("mapping", "preview"):
        response = owner_client.get(f"/imports/{finished.pk}/{step}/")
        assert response.status_code == 302
        assert response["Location"] == f"/imports/{finished.pk}/"


# --- step 4: start and the batch page ----------------------------------------------------------


def test_starting_runs_the_import_in_the_background_and_the_page_shows_its_outcome(
    owner_client, workspace, uploaded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as after_commit:
        response = owner_client.post(f"/imports/{uploaded.pk}/start/")
    assert response["Location"] == f"/imports/{uploaded.pk}/"
    assert _batch(workspace, uploaded.pk).status == "queued"
    assert _contacts(workspace) == []

    for callback in after_commit:  # the commit: the task is enqueued and (here) run
        callback()

    assert _contacts(workspace) == ["Ann", "Di"]
    html = owner_client.get(f"/imports/{uploaded.pk}/").content.decode()
    assert re.search(r'id="count-created">2<', html) and re.search(r'id="count-failed">2<', html)
    assert "All 4 rows read" in html
    assert 'hx-trigger="every' not in html
    errors = re.search(r'id="import-errors".*?</table>', html, re.S)
    assert errors is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", errors.group(0))
    assert cells[0:2] == ["3", "E-mail"] and "not a valid email" in cells[2]
    assert cells[3:5] == ["4", "Mobile"]
    assert f'href="/imports/{uploaded.pk}/errors.csv"' in html
    assert f'href="/imports/{uploaded.pk}/undo/"' in html


def test_a_batch_cannot_be_started_twice(owner_client, workspace, finished):
    response = owner_client.post(f"/imports/{finished.pk}/start/", follow=True)

    said = "status: only an import not started can be started; this one is done"
    assert f"The import was not started: {said}" in response.content.decode()
    assert _batch(workspace, finished.pk).status == "done"


def test_a_running_import_is_polled_through_its_status_fragment(viewer_client, workspace, uploaded):
    with workspace_scope(workspace):
        ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.RUNNING, rows=1)

    response = viewer_client.get(
        f"/imports/{uploaded.pk}/", headers={"HX-Request": "true", "HX-Target": "import-status"}
    )

    html = response.content.decode()
    assert "<html" not in html
    assert html.startswith('<div id="import-status"')
    assert 'hx-trigger="every 1s"' in html
    assert '<progress id="import-bar" class="import-bar" max="4" value="1">' in html
    assert "1 of 4 rows read (25%)" in html
    assert "Row errors" not in html
    assert "Cancel import" not in html  # a viewer is shown no button it may not use


def test_the_fragment_stops_polling_once_done_and_brings_the_errors(owner_client, finished):
    html = owner_client.get(
        f"/imports/{finished.pk}/", headers={"HX-Request": "true", "HX-Target": "import-status"}
    ).content.decode()

    assert "hx-trigger" not in html.split(">", 1)[0]
    assert 'id="import-errors"' in html and "Download errors as CSV" in html


def test_row_errors_are_paged_in_row_order(owner_client, workspace, upload, run_import):
    bad = "".join(f"Bad{i},nope{i}\n" for i in range(60))
    batch = run_import(upload(workspace, "First Name,Email\n" + bad))

    first = owner_client.get(f"/imports/{batch.pk}/").content.decode()
    rows = re.findall(r'<tr><td class="num">(\d+)</td>', first)
    assert rows == [str(n) for n in range(2, 52)]
    cursor = re.search(r'rel="next" href="\?cursor=([^"&]+)"', first)
    assert cursor is not None
    second = owner_client.get(
        f"/imports/{batch.pk}/?cursor={cursor.group(1)}",
        headers={"HX-Request": "true", "HX-Target": "import-errors"},
    ).content.decode()
    assert second.startswith('<section class="card card-flush" id="import-errors"')
    assert re.findall(r'<tr><td class="num">(\d+)</td>', second) == [str(n) for n in range(52, 62)]
    assert owner_client.get(f"/imports/{batch.pk}/?cursor=garbage").status_code == 404


def test_the_error_report_downloads_with_each_row_as_read(viewer_client, finished):
    response = viewer_client.get(f"/imports/{finished.pk}/errors.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="import-{finished.pk}-errors.csv"'
    )
    body = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["row", "column", "error", *PEOPLE.splitlines()[0].split(",")]
    assert [r[:2] + r[3:] for r in rows[1:]] == [
        ["3", "E-mail", "Bob", "Ray", "not-an-email", "", ""],
        ["4", "Mobile", "Cy", "Dee", "cy@acme.io", "12", ""],
    ]


# --- cancel and undo ---------------------------------------------------------------------------


def test_a_running_import_can_be_cancelled(member_client, workspace, uploaded):
    with workspace_scope(workspace):
        ImportBatch.objects.filter(pk=uploaded.pk).update(status=ImportStatus.RUNNING)

    response = member_client.post(f"/imports/{uploaded.pk}/cancel/", follow=True)

    assert "Import cancelled" in response.content.decode()
    assert _batch(workspace, uploaded.pk).status == "cancelled"


def test_a_finished_import_cannot_be_cancelled(member_client, workspace, finished):
    response = member_client.post(f"/imports/{finished.pk}/cancel/", follow=True)

    assert "only a queued or running import can be cancelled" in response.content.decode()
    assert _batch(workspace, finished.pk).status == "done"


def test_a_batch_not_started_offers_discard_and_is_gone_after_it(
    member_client, viewer_client, workspace, uploaded, django_capture_on_commit_callbacks
):
    form = f'<form method="post" action="/imports/{uploaded.pk}/discard/">'
    assert form in member_client.get(f"/imports/{uploaded.pk}/").content.decode()
    assert form not in viewer_client.get(f"/imports/{uploaded.pk}/").content.decode()
    stored = uploaded.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/imports/{uploaded.pk}/discard/", follow=True)

    assert response.redirect_chain == [("/imports/", 302)]
    assert "Import of people.csv discarded." in response.content.decode()
    with workspace_scope(workspace):
        assert not ImportBatch.objects.filter(pk=uploaded.pk).exists()
    assert not uploaded.file.storage.exists(stored)


def test_a_started_import_offers_no_discard_and_refuses_one(member_client, workspace, finished):
    html = member_client.get(f"/imports/{finished.pk}/").content.decode()
    assert f"/imports/{finished.pk}/discard/" not in html

    response = member_client.post(f"/imports/{finished.pk}/discard/", follow=True)

    assert response.redirect_chain == [(f"/imports/{finished.pk}/", 302)]
    assert "only an import not started can be discarded; this one is done" in (
        response.content.decode()
    )
    assert _batch(workspace, finished.pk).status == "done"


def test_undo_asks_first_then_removes_what_the_import_created(
    owner_client, workspace, finished, django_capture_on_commit_callbacks
):
    confirm = owner_client.get(f"/imports/{finished.pk}/undo/").content.decode()
    assert "This deletes the 2 records the import created" in confirm
    assert _contacts(workspace) == ["Ann", "Di"]

    # the undo's task runs at the commit, here by the tests' immediate backend
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/imports/{finished.pk}/undo/", follow=True)

    assert "Undoing the import" in response.content.decode()
    assert _contacts(workspace) == []
    assert _batch(workspace, finished.pk).status == "undone"
    again = owner_client.post(f"/imports/{finished.pk}/undo/", follow=True).content.decode()
    assert "only a finished or cancelled import can be undone; this one is undone" in again


def test_the_page_of_an_import_being_undone_shows_its_progress_and_polls(
    owner_client, workspace, owner, finished
):
    with workspace_scope(workspace):
        import_undo_start(workspace=workspace, actor=owner, batch=finished, enqueue=False)
        ImportBatch.objects.filter(pk=finished.pk).update(undone=1)

    page = owner_client.get(f"/imports/{finished.pk}/").content.decode()

    assert "Being undone" in page and "Undoing: 1 of 2 records taken back" in page
    assert 'max="2" value="1"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "Cancel import" not in page and "Undo import" not in page
    assert _contacts(workspace) == ["Ann", "Di"]


def test_a_member_may_import_but_not_undo(member_client, workspace, finished):
    page = member_client.get(f"/imports/{finished.pk}/").content.decode()

    assert "Undo import" not in page
    assert member_client.get(f"/imports/{finished.pk}/undo/").status_code == 403
    assert member_client.post(f"/imports/{finished.pk}/undo/").status_code == 403
    assert _contacts(workspace) == ["Ann", "Di"]


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_batches_newest_first_with_counts_and_who(
    viewer_client, workspace, upload, finished, django_assert_max_num_queries
):
    upload(workspace, "Email\nx@y.io\n", name="second.csv")

    with django_assert_max_num_queries(8):
        html = viewer_client.get("/imports/").content.decode()

    assert html.index("second.csv") < html.index("people.csv")
    assert "olivia" in html and "Done" in html and "4 / 4" in html
    assert 'href="/imports/new/"' not in html  # a viewer is not offered a new import


def test_the_list_pages_with_a_cursor(owner_client, workspace, upload):
    for i in range(27):
        upload(workspace, "Email\nx@y.io\n", name=f"file{i:02d}.csv")

    first = owner_client.get("/imports/").content.decode()
    cursor = re.search(r'rel="next" href="\?cursor=([^"&]+)"', first)
    assert cursor is not None
    second = owner_client.get(f"/imports/?cursor={cursor.group(1)}").content.decode()

    assert "file26.csv" in first and "file02.csv" in first and "file01.csv" not in first
    assert "file01.csv" in second and "file00.csv" in second and "file26.csv" not in second
    assert owner_client.get("/imports/?cursor=garbage").status_code == 404


def test_the_nav_links_to_imports_under_data(viewer_client):
    html = viewer_client.get("/imports/").content.decode()

    assert re.search(r'nav-section">Data</span>\s*<a href="/imports/" class="active"', html)


# --- who may do what ---------------------------------------------------------------------------


def _batch_urls(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/imports/{pk}/"),
        ("get", f"/imports/{pk}/mapping/"),
        ("post", f"/imports/{pk}/mapping/"),
        ("get", f"/imports/{pk}/preview/"),
        ("post", f"/imports/{pk}/start/"),
        ("post", f"/imports/{pk}/cancel/"),
        ("get", f"/imports/{pk}/undo/"),
        ("post", f"/imports/{pk}/undo/"),
        ("get", f"/imports/{pk}/errors.csv"),
        ("post", f"/imports/{pk}/discard/"),
    ]


def test_another_workspaces_batch_is_not_found(
    outsider_client, workspace, uploaded, finished, upload, other_workspace, outsider
):
    upload(other_workspace, "Email\nmine@globex.io\n", actor=outsider, name="theirs.csv")
    before = (_batch(workspace, uploaded.pk).status, _batch(workspace, finished.pk).status)

    for batch in (uploaded, finished):
        for method, url in _batch_urls(batch.pk):
            response = getattr(outsider_client, method)(url, _mapping_post())
            assert response.status_code == 404, (method, url)
    listed = outsider_client.get("/imports/").content.decode()

    assert "theirs.csv" in listed and "people.csv" not in listed
    assert (_batch(workspace, uploaded.pk).status, _batch(workspace, finished.pk).status) == before
    assert _contacts(workspace) == ["Ann", "Di"]


def test_a_viewer_reads_imports_but_cannot_import(viewer_client, workspace, uploaded, finished):
    assert viewer_client.get(f"/imports/{finished.pk}/").status_code == 200
    assert viewer_client.get(f"/imports/{finished.pk}/errors.csv").status_code == 200
    writes = [
        ("get", "/imports/new/"),
        ("post", "/imports/new/"),
        *[
            (m, u)
            for m, u in _batch_urls(uploaded.pk)
            if any(step in u for step in ("mapping", "preview", "discard"))
        ],
        ("post", f"/imports/{uploaded.pk}/start/"),
        ("post", f"/imports/{finished.pk}/cancel/"),
        ("get", f"/imports/{finished.pk}/undo/"),
        ("post", f"/imports/{finished.pk}/undo/"),
    ]

    for method, url in writes:
        data = {"entity": "contacts", "file": _csv(PEOPLE)} if url.endswith("new/") else {}
        response = getattr(viewer_client, method)(url, data)
        assert response.status_code == 403, (method, url)

    assert _batch(workspace, uploaded.pk).status == "uploaded"
    assert _batch(workspace, finished.pk).status == "done"
    assert _contacts(workspace) == ["Ann", "Di"]
    with workspace_scope(workspace):
        assert ImportBatch.objects.count() == 2


def test_every_post_needs_the_csrf_token(owner, workspace, upload, uploaded, finished):
    running = upload(workspace, PEOPLE)
    with workspace_scope(workspace):
        ImportBatch.objects.filter(pk=running.pk).update(status=ImportStatus.RUNNING)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    posts = [
        ("/imports/new/", {"entity": "contacts", "file": _csv(PEOPLE)}),
        (f"/imports/{uploaded.pk}/mapping/", _mapping_post(mode="create")),
        (f"/imports/{uploaded.pk}/start/", {}),
        (f"/imports/{running.pk}/cancel/", {}),
        (f"/imports/{finished.pk}/undo/", {}),
        (f"/imports/{uploaded.pk}/discard/", {}),
    ]

    for url, data in posts:
        assert client.post(url, data).status_code == 403, url

    assert _batch(workspace, uploaded.pk).mode == "skip"
    assert _batch(workspace, uploaded.pk).status == "uploaded"
    assert _batch(workspace, running.pk).status == "running"
    assert _batch(workspace, finished.pk).status == "done"
    with workspace_scope(workspace):
        assert ImportBatch.objects.count() == 3


def test_anonymous_visitors_are_sent_to_log_in(client, finished):
    response = client.get(f"/imports/{finished.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_running_import_says_when_it_should_end_at_its_pace(owner_client, workspace, uploaded):
    started = timezone.now() - dt.timedelta(minutes=2)
    ImportBatch.unscoped.filter(pk=uploaded.pk).update(
        status="running", started_at=started, rows=1, total_rows=4
    )
    with workspace_scope(workspace):
        batch = ImportBatch.objects.get(pk=uploaded.pk)
        at = import_finish_estimate(batch=batch, now=started + dt.timedelta(minutes=2))
        assert at == started + dt.timedelta(minutes=8)  # a quarter in two minutes: six more
        batch.rows = 4  # every row in: a minute at the least, never "0 minutes"
        one_minute = started + dt.timedelta(minutes=1)
        assert import_finish_estimate(batch=batch, now=started) == one_minute

    html = owner_client.get(f"/imports/{uploaded.pk}/").content.decode()

    # counted from the moment the estimate was made, not a hair later when the page renders
    assert "1 of 4 rows read (25%), about 6\xa0minutes left" in html


def test_an_import_nearly_done_says_a_minute_left_never_0_minutes(
    owner_client, workspace, uploaded
):
    ImportBatch.unscoped.filter(pk=uploaded.pk).update(
        status="running", started_at=timezone.now() - dt.timedelta(seconds=3), rows=3, total_rows=4
    )

    html = owner_client.get(f"/imports/{uploaded.pk}/").content.decode()

    assert "3 of 4 rows read (75%), about 1\xa0minute left" in html
