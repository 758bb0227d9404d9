"""Chunks stored on a second connection while the next is planned leave what the row path
leaves, and a store's failure fails the import (PostgreSQL, outside a test transaction: the
storer's connection must see the batch)."""

import threading
import time

import pytest
from django.db import connection

from rapport.contacts.models import Company, Contact, Tag
from rapport.contacts.tests.factories import make_contact
from rapport.data import contact_bulk
from rapport.data.contact_bulk import ContactBulkWriter, ContactChunk
from rapport.data.models import ImportBatch, ImportedRecord, ImportRowError
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

    def spy_store(self, turn):
        seen["stored_by"].append(threading.get_ident())
        return store(self, turn)

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

    def fail_second(self, turn):
        # by the chunk's place in the file: two stores start in either order
        if self.number == 2:
            raise RuntimeError("disk full")
        return store(self, turn)

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


def test_two_chunks_are_stored_at_once_and_logged_in_the_file_order(
    workspace, upload, run_import, monkeypatch
):
    # The first two stores meet at a barrier (each would wait for ever for the other if
    # only one ran at a time), and the first chunk then takes longer than the second.
    store = ContactChunk.store
    met = threading.Barrier(2, timeout=30)
    calls = []

    def together(self, turn):
        calls.append(1)
        first = len(calls) == 1
        if len(calls) <= 2:
            met.wait()
        if first:
            time.sleep(0.5)
        return store(self, turn)

    monkeypatch.setattr(ContactChunk, "store", together)
    rows = "".join(f"P{i},p{i}@x.io,{'Co' if i == 0 else ''}\n" for i in range(9))
    batch = run_import(upload(workspace, "First Name,Email,Company\n" + rows), chunk_rows=3)

    assert (batch.status, batch.rows, batch.created) == ("done", 9, 9)
    with workspace_scope(workspace):
        contacts = list(Contact.objects.order_by("id").values_list("first_name", "id"))
        assert [name for name, _ in contacts] == [f"P{i}" for i in range(9)]
        logged = ImportedRecord.objects.filter(batch=batch).order_by("id")
        assert [(r.entity, r.object_ids) for r in logged] == [
            ("companies", [Company.objects.get().pk]),
            ("contacts", [pk for _, pk in contacts[:3]]),
            ("contacts", [pk for _, pk in contacts[3:6]]),
            ("contacts", [pk for _, pk in contacts[6:]]),
        ]


def test_a_tag_new_to_two_chunks_stored_at_once_is_created_once(
    workspace, upload, run_import, monkeypatch
):
    # The first two stores start together, and the first holds the tags it created, not
    # yet committed, while the second reaches its own.
    store, resolve, write_row = (
        ContactChunk.store,
        contact_bulk.tags_resolve,
        contact_bulk._write_row,
    )
    met = threading.Barrier(2, timeout=30)
    stores, resolved, row_path = [], [], []

    def together(self, turn):
        stores.append(1)
        if len(stores) <= 2:
            met.wait()
        return store(self, turn)

    def resolve_slowly(**kwargs):
        tags = resolve(**kwargs)
        resolved.append(1)
        if len(resolved) == 1:
            time.sleep(0.5)
        return tags

    def spy(**kwargs):
        row_path.append(kwargs["csv_row"].number)
        return write_row(**kwargs)

    monkeypatch.setattr(ContactChunk, "store", together)
    monkeypatch.setattr(contact_bulk, "tags_resolve", resolve_slowly)
    monkeypatch.setattr(contact_bulk, "_write_row", spy)
    rows = "".join(f"P{i},p{i}@x.io,vip;new\n" for i in range(6))
    batch = run_import(upload(workspace, "First Name,Email,Tags\n" + rows), chunk_rows=2)

    assert (batch.status, batch.created) == ("done", 6)
    assert row_path == []
    with workspace_scope(workspace):
        assert sorted(Tag.objects.values_list("name", flat=True)) == ["new", "vip"]
        assert Contact.tags.through.objects.count() == 12


def _taken_mid_import(workspace, monkeypatch, external_id):
    """Another writer takes `external_id` once the first chunk is planned, and the first
    chunk's store waits until the second chunk is planned (from the first one's drawn ids)."""
    plan, store = ContactBulkWriter.plan, ContactChunk.store
    plans = []
    second_planned = threading.Event()

    def plan_then_take(self, chunk):
        planned = plan(self, chunk)
        plans.append(1)
        if len(plans) == 1:
            make_contact(workspace, first_name="Other", external_id=external_id)
        if len(plans) == 2:
            second_planned.set()
        return planned

    def store_later(self, turn):
        if self.number == 1:
            assert second_planned.wait(timeout=30)
        return store(self, turn)

    monkeypatch.setattr(ContactBulkWriter, "plan", plan_then_take)
    monkeypatch.setattr(ContactChunk, "store", store_later)


@pytest.mark.parametrize("mode", ["skip", "create"])
def test_chunks_planned_after_one_that_fell_back_to_the_row_path_are_stored_right(
    workspace, upload, run_import, monkeypatch, mode
):
    # The first chunk's store meets an external id taken since it was planned, and falls
    # back to the row path, whose new company gets another id than the one drawn for it.
    # The chunks planned meanwhile link Acme by the drawn id and match Ann by hers.
    _taken_mid_import(workspace, monkeypatch, "x1")
    content = (
        "Record ID,First Name,Email,Company\n"
        "x1,Ann,ann@x.io,Acme\nx2,Bob,bob@x.io,Acme\n"  # chunk 1
        "x3,Cy,cy@x.io,Acme\nx4,Bob again,bob@x.io,\n"  # chunk 2
        "x5,Di,di@x.io,Acme\nx6,Ed,ed@x.io,\n"  # chunk 3
        "x7,Flo,flo@x.io,Acme\nx8,Gus,bob@x.io,\n"  # chunk 4
    )
    batch = run_import(upload(workspace, content), mode=mode, chunk_rows=2)

    assert batch.status == "done"
    with workspace_scope(workspace):
        [acme] = Company.objects.filter(name="Acme")
        linked = Contact.objects.filter(primary_company=acme).values_list("first_name", flat=True)
        assert sorted(linked) == ["Bob", "Cy", "Di", "Flo"]
        created = {"Bob", "Cy", "Di", "Ed", "Flo"}
        if mode == "create":  # Ann fails on her taken external id; Bob's email is no match
            created |= {"Bob again", "Gus"}
            [error] = ImportRowError.objects.filter(batch=batch)
            assert (error.row, error.column) == (2, "Record ID")
            assert "already the external id" in error.message
        else:  # Ann is the other writer's contact, and the second and third Bob are Bob
            assert not ImportRowError.objects.filter(batch=batch).exists()
        named = Contact.objects.exclude(first_name="Other").values_list("first_name", flat=True)
        assert sorted(named) == sorted(created)
        assert (batch.created, batch.failed) == (len(created), int(mode == "create"))
        assert import_undo_total(batch=batch) == len(created) + 1  # and Acme


def test_rows_after_a_store_that_fell_back_in_a_chunk_written_in_turn_go_by_the_row_path(
    workspace, upload, run_import, monkeypatch, settings
):
    # One chunk, written in turn: the second x2 sends the rows before it to the store, which
    # meets Ann's external id taken meanwhile; Cy, after it, must link Acme as the row path
    # created it, not by the id its failed insert had.
    settings.RAPPORT_IMPORT_OVERLAP = False
    flush = ContactBulkWriter._flush
    flushes = []

    def taken_first(self):
        flushes.append(1)
        if len(flushes) == 1:
            make_contact(workspace, first_name="Other", external_id="x1")
        return flush(self)

    monkeypatch.setattr(ContactBulkWriter, "_flush", taken_first)
    content = (
        "Record ID,First Name,Email,Company\n"
        "x1,Ann,ann@x.io,Acme\nx2,Bob,bob@x.io,Acme\nx2,Bob twice,,\nx3,Cy,cy@x.io,Acme\n"
    )
    batch = run_import(upload(workspace, content), mode="create", chunk_rows=10)

    assert (batch.status, batch.created, batch.failed) == ("done", 2, 2)
    with workspace_scope(workspace):
        [acme] = Company.objects.filter(name="Acme")
        linked = Contact.objects.filter(primary_company=acme).values_list("first_name", flat=True)
        assert sorted(linked) == ["Bob", "Cy"]
        errors = ImportRowError.objects.filter(batch=batch).values_list("row", "column")
        assert list(errors) == [(2, "Record ID"), (4, "Record ID")]
