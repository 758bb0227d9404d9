"""`rows_insert` stores what `bulk_create` of the same values stores (COPY on PostgreSQL);
`rows_update` writes a workspace's records only; `slices` cuts what the bulk writers send into
lists a statement takes."""

import datetime as dt

import pytest
from django.db import connection

from rapport.audit.models import AuditEntry
from rapport.audit.services import AUDIT_COLUMNS, audit_bulk_created
from rapport.contacts.models import Company
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.bulk_rows import rows_insert, rows_update, slices
from rapport.data.models import ImportBatch, ImportedRecord, ImportRowError
from rapport.data.services import IMPORTED_RECORD_COLUMNS, ROW_ERROR_COLUMNS
from rapport.tenancy.access import workspace_scope

AT = dt.datetime(2026, 11, 23, 14, 30, 15, 123456, tzinfo=dt.UTC)


def _stored(model, pks):
    return [
        # auto_now fields: bulk_create stamps its own time over the one given
        {k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")}
        for row in model.unscoped.filter(pk__in=pks).order_by("pk").values()
    ]


def _both_ways(model, columns, rows):
    """The rows inserted once by `rows_insert` and once by `bulk_create`, as stored."""
    before = set(model.unscoped.values_list("pk", flat=True))
    rows_insert(model, columns, rows)
    copied = sorted(set(model.unscoped.values_list("pk", flat=True)) - before)
    model.unscoped.bulk_create([model(**dict(zip(columns, r, strict=True))) for r in rows])
    created = sorted(set(model.unscoped.values_list("pk", flat=True)) - before - set(copied))
    return copied, _stored(model, copied), _stored(model, created)


@pytest.fixture
def batch(workspace, owner):
    return ImportBatch.unscoped.create(
        workspace=workspace, entity="contacts", filename="people.csv", columns=["Email"]
    )


def test_it_stores_import_errors_as_bulk_create_does(workspace, batch):
    cells = ["Zoë", "tab\there", 'quote " and \\ backslash', "line\nbreak", ""]
    rows = [
        (workspace.pk, AT, AT, batch.pk, 2, "Email", "'x' is not a valid email: no @", cells),
        (workspace.pk, AT, AT, batch.pk, 3, "", "the row has 2 cells, the header 5", []),
    ]
    copied, by_rows_insert, by_bulk_create = _both_ways(ImportRowError, ROW_ERROR_COLUMNS, rows)
    assert len(copied) == 2
    assert by_rows_insert == by_bulk_create
    assert by_rows_insert[0]["raw"] == cells


def test_it_stores_undo_records_in_the_order_given(workspace, batch):
    previous = {"first_name": "Ann", "tags": ["vip", "ünï"], "nested": {"a": [1, None]}}
    rows = [
        (workspace.pk, AT, AT, batch.pk, "companies", [7], "created", {}),
        (workspace.pk, AT, AT, batch.pk, "contacts", [9], "updated", previous),
        (workspace.pk, AT, AT, batch.pk, "contacts", [8, 10], "created", {}),
    ]
    _, by_rows_insert, by_bulk_create = _both_ways(ImportedRecord, IMPORTED_RECORD_COLUMNS, rows)
    assert by_rows_insert == by_bulk_create
    # undo walks the newest id first: the ids follow the rows' order
    assert [r["object_ids"] for r in by_rows_insert] == [[7], [9], [8, 10]]
    assert by_rows_insert[1]["previous"] == previous


def test_it_inserts_nothing_for_no_rows(workspace):
    rows_insert(ImportRowError, ROW_ERROR_COLUMNS, [])
    rows_insert(ImportRowError, ROW_ERROR_COLUMNS, iter([]))
    assert not ImportRowError.unscoped.exists()


def test_bulk_created_audit_entries_name_each_record_and_its_values(workspace, owner):
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner, first_name="Ann", emails=["ann@x.io"])
        bob = make_contact(workspace, owner, first_name="Bob")
    before = set(AuditEntry.unscoped.values_list("pk", flat=True))
    audit_bulk_created(
        workspace_id=workspace.pk,
        actor=owner,
        created=[
            (ann, {"first_name": "Ann", "last_name": "", "emails": ["ann@x.io"], "tags": []}),
            (bob, {"first_name": "Bob", "company": None, "score": 3}),
        ],
    )
    entries = AuditEntry.unscoped.exclude(pk__in=before).order_by("pk")
    assert [(e.entity, e.object_id, e.action, e.actor_id) for e in entries] == [
        ("contacts.contact", ann.pk, "create", owner.pk),
        ("contacts.contact", bob.pk, "create", owner.pk),
    ]
    assert entries[0].changes == {"first_name": [None, "Ann"], "emails": [None, ["ann@x.io"]]}
    assert entries[1].changes == {"first_name": [None, "Bob"], "score": [None, 3]}
    assert entries[0].object_repr == str(ann)
    assert entries[0].workspace_id == workspace.pk
    assert entries[0].at == entries[1].at


def test_audit_columns_are_the_whole_entry():
    stored = {f.attname for f in AuditEntry._meta.concrete_fields} - {"id"}
    assert set(AUDIT_COLUMNS) == stored
    assert set(ROW_ERROR_COLUMNS) == {f.attname for f in ImportRowError._meta.concrete_fields} - {
        "id"
    }
    assert connection.vendor in ("postgresql", "sqlite")


def test_slices_take_only_as_many_items_as_the_slice_being_written():
    taken = []

    def items():
        for i in range(5):
            taken.append(i)
            yield i

    parts = slices(items(), 2)

    assert next(parts) == [0, 1]
    assert taken == [0, 1]
    assert list(parts) == [[2, 3], [4]]


def test_rows_update_writes_the_workspaces_records_only_and_stamps_them(
    workspace, other_workspace, owner
):
    ours = make_company(workspace, owner, name="Acme", industry="Retail")
    theirs = make_company(other_workspace, name="Globex", industry="Retail")
    rows = [(ours.pk, "Acme Corp", "Steel"), (theirs.pk, "Taken", "Taken")]

    rows_update(Company, ["name", "industry"], rows, workspace_id=workspace.pk, now=AT)

    stored = Company.unscoped.order_by("pk").values_list("name", "industry", "updated_at")
    assert list(stored) == [("Acme Corp", "Steel", AT), ("Globex", "Retail", theirs.updated_at)]
