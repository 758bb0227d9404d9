"""Chunks stored on a second connection while the next is planned leave what the row path
leaves, and a store's failure fails the import (PostgreSQL, outside a test transaction: the
storer's connection must see the batch)."""

import threading

import pytest
from django.db import connection

from rapport.contacts.models import Contact
from rapport.data.contact_bulk import ContactBulkWriter, ContactChunk
from rapport.data.models import ImportBatch
from rapport.data.queries import import_undo_total
from rapport.data.tests.test_bulk_import import (
    MIXED,
    _canonical,
    _ws,
    cancelled_at_the_second_chunk,
)
from rapport.tenancy.access import workspace_scope

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def spied(monkeypatch):
    """The threads that stored planned chunks, and how many chunks were written in turn."""
    seen: dict[str, list[int]] = {"stored_by": [], "written": []}
    store, write = ContactChunk.store, ContactBulkWriter.write

    def spy_store(self):
        seen["stored_by"].append(threading.get_ident())
        return store(self)

    def spy_write(self, chunk):
        seen["written"].append(len(chunk))
        return write(self, chunk)

    monkeypatch.setattr(ContactChunk, "store", spy_store)
    monkeypatch.setattr(ContactBulkWriter, "write", spy_write)
    return seen


@pytest.mark.parametrize("mode", ["skip", "create", "update"])
def test_chunks_stored_ahead_leave_what_the_row_path_leaves(
    owner, upload, run_import, settings, spied, mode
):
    # Chunks of three rows: a row matching an earlier row's contact (by email, phone or
    # external id) or company is in a later chunk, planned while that one is being stored.
    results = []
    for bulk in (False, True):
        workspace = _ws(owner, f"{mode} {bulk}")
        batch = run_import(upload(workspace, MIXED), mode=mode, chunk_rows=3, bulk=bulk)
        results.append(_canonical(batch))

    row_path, overlapped = results
    for key in row_path:
        assert overlapped[key] == row_path[key], key
    stored_by = set(spied["stored_by"])
    if mode == "update":  # matched rows go through the services: every chunk in turn
        assert not stored_by
        assert len(spied["written"]) == 5
    else:
        assert stored_by and threading.get_ident() not in stored_by


def test_a_chunk_that_needs_the_row_path_is_written_in_turn_after_the_one_in_flight(
    owner, upload, run_import, spied
):
    # In create mode a row reusing the external id of an earlier row of its own chunk goes
    # through the services, which must see every row before it stored.
    content = (
        "Record ID,First Name,Email\n"
        "a1,Ann,ann@x.io\nb1,Bob,bob@x.io\n"  # chunk 1, stored ahead
        "c1,Cy,cy@x.io\nc1,Cy2,cy2@x.io\n"  # chunk 2: c1 twice
        "d1,Di,ann@x.io\na1,Ed,ed@x.io\n"  # chunk 3, stored ahead
    )
    results = []
    for bulk in (False, True):
        workspace = _ws(owner, f"row path {bulk}")
        batch = run_import(upload(workspace, content), mode="create", chunk_rows=2, bulk=bulk)
        results.append(_canonical(batch))

    assert results[1] == results[0]
    assert results[0]["counts"] == (6, 4, 0, 0, 2)
    assert len(spied["written"]) == 1
    assert len(spied["stored_by"]) == 2


def test_the_storer_is_off_when_the_setting_says_so(owner, upload, run_import, settings, spied):
    settings.RAPPORT_IMPORT_OVERLAP = False
    batch = run_import(upload(_ws(owner, "off"), MIXED), chunk_rows=3, bulk=True)

    assert batch.status == "done"
    assert not spied["stored_by"]
    assert len(spied["written"]) == 5


def test_a_failed_store_fails_the_import_and_keeps_the_chunks_stored_before(
    workspace, upload, run_import, monkeypatch
):
    store = ContactChunk.store
    calls = []

    def fail_second(self):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return store(self)

    monkeypatch.setattr(ContactChunk, "store", fail_second)
    rows = "".join(f"P{i},p{i}@x.io\n" for i in range(9))
    batch = upload(workspace, "First Name,Email\n" + rows)

    with pytest.raises(RuntimeError, match="disk full"):
        run_import(batch, chunk_rows=3, bulk=True)

    batch = ImportBatch.unscoped.get(pk=batch.pk)
    assert batch.status == "failed"
    assert (batch.rows, batch.created) == (3, 3)
    with workspace_scope(workspace):
        assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["P0", "P1", "P2"]
        assert import_undo_total(batch=batch) == 3


def test_a_cancel_stops_the_import_after_the_chunk_being_planned(
    workspace, owner, upload, run_import, monkeypatch
):
    # the cancel comes while the second chunk is planned and the first one stored
    cancelled_at_the_second_chunk(workspace, owner, upload, run_import, monkeypatch, "plan")
