"""An undo in chunks: each contact deleted with the entry one delete writes, a run of
contacts at a time, progress counted per chunk, and an undo stopped half-way finished by
running it again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.services import contact_delete, contacts_delete
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data import services
from rapport.data.models import ImportBatch, ImportedRecord
from rapport.data.queries import import_undo_total
from rapport.data.services import import_undo
from rapport.tenancy.access import workspace_scope

# Every third row names a new company: the undo's newest-first order alternates runs of
# contacts and single companies.
ROWS = "First Name,Email,Company\n" + "".join(
    f"P{i},p{i}@x.io,{f'Co {i}' if i % 3 == 0 else ''}\n" for i in range(12)
)


def _entries(workspace):
    """The delete entries, by record name, company ids as the company's name (ids differ
    between two workspaces)."""
    names = {c.pk: c.name for c in Company.unscoped.filter(workspace=workspace)}

    def changes(entry):
        out = dict(entry.changes)
        out["primary_company"] = [names.get(out["primary_company"][0]), None]
        out["companies"] = [[names.get(pk) for pk in out["companies"][0]], None]
        return repr(out)

    entries = AuditEntry.unscoped.filter(workspace=workspace, action="delete")
    return sorted((e.entity, e.object_repr, changes(e), e.actor_id) for e in entries)


def test_contacts_deleted_at_once_leave_the_entries_deleting_each_leaves(
    workspace, other_workspace, owner
):
    def people(ws):
        acme = make_company(ws, owner, name="Acme")
        return [
            make_contact(
                ws,
                owner,
                first_name=f"N{i}",
                emails=[f"n{i}@x.io", f"m{i}@x.io"],
                phones=["+1 415 555 2671"],
                company_ids=[acme.pk],
                tags=["vip", "new"],
            )
            for i in range(3)
        ]

    with workspace_scope(workspace):
        one_by_one = people(workspace)
        for contact in one_by_one:
            contact_delete(workspace=workspace, actor=owner, contact=contact)
    with workspace_scope(other_workspace):
        at_once = people(other_workspace)
        contacts_delete(
            workspace=other_workspace, actor=owner, ids=[c.pk for c in at_once] + [999_999]
        )
        assert not Contact.objects.exists()
        assert Company.objects.count() == 1

    assert _entries(workspace) == _entries(other_workspace)
    assert len(_entries(workspace)) == 3


@pytest.mark.parametrize("chunk", [2, 1000])
def test_an_undo_in_chunks_takes_everything_back_and_counts_it(
    workspace, owner, upload, run_import, monkeypatch, chunk
):
    monkeypatch.setattr(services, "UNDO_CHUNK", chunk)
    batch = run_import(upload(workspace, ROWS))
    assert batch.created == 12

    with workspace_scope(workspace):
        undone = import_undo(workspace=workspace, actor=owner, batch=batch)
        assert not Contact.objects.exists() and not Company.objects.exists()
        deleted = AuditEntry.objects.filter(action="delete")
        assert deleted.filter(entity="contacts.contact").count() == 12
        assert deleted.filter(entity="contacts.company").count() == 4
    assert (undone.status, undone.undone) == ("undone", 16)


def test_an_undo_costs_a_few_queries_per_run_of_contacts_not_per_contact(
    workspace, owner, upload, run_import
):
    rows = "First Name,Email\n" + "".join(f"P{i},p{i}@x.io\n" for i in range(40))
    small = run_import(upload(workspace, rows.splitlines()[0] + "\nP,p@x.io\n"))
    large = run_import(upload(workspace, rows))
    counts = []
    with workspace_scope(workspace):
        for batch in (small, large):
            with CaptureQueriesContext(connection) as queries:
                import_undo(workspace=workspace, actor=owner, batch=batch)
            counts.append(len(queries))

    assert counts[1] == counts[0]


def test_an_undo_stopped_half_way_is_finished_by_undoing_again(
    workspace, owner, upload, run_import, monkeypatch
):
    monkeypatch.setattr(services, "UNDO_CHUNK", 4)
    batch = run_import(upload(workspace, ROWS))
    chunks = []
    undo_chunk = services._undo_chunk

    def fail_third(*args):
        chunks.append(1)
        if len(chunks) == 3:
            raise RuntimeError("worker killed")
        undo_chunk(*args)

    monkeypatch.setattr(services, "_undo_chunk", fail_third)
    with workspace_scope(workspace):
        with pytest.raises(RuntimeError):
            import_undo(workspace=workspace, actor=owner, batch=batch)
        stopped = ImportBatch.objects.get(pk=batch.pk)
        halfway = (stopped.status, stopped.undone)
        left = Contact.objects.count() + Company.objects.count()

        monkeypatch.setattr(services, "_undo_chunk", undo_chunk)
        finished = import_undo(workspace=workspace, actor=owner, batch=stopped)
        assert not Contact.objects.exists() and not Company.objects.exists()

    assert (*halfway, left) == ("failed", 8, 8)
    assert finished.status == "undone"


def _records(*spec):
    previous = {"first_name": "Ann"}
    return [
        services.UndoRecord(entity, pk, action, previous if action == "updated" else {})
        for entity, pk, action in spec
    ]


def test_a_chunk_that_only_created_records_logs_a_row_per_entity_the_last_written_last():
    log = services._undo_log(
        _records(
            ("companies", 1, "created"),
            ("contacts", 1, "created"),
            ("contacts", 2, "created"),
            ("companies", 2, "created"),
            ("contacts", 3, "created"),
        )
    )

    # the undo takes the newest row first: every contact before any company it may name
    assert log == [
        ("companies", [1, 2], "created", {}),
        ("contacts", [1, 2, 3], "created", {}),
    ]


def test_a_chunk_with_updates_logs_runs_of_creations_and_each_update_alone():
    log = services._undo_log(
        _records(
            ("companies", 1, "created"),
            ("contacts", 1, "created"),
            ("contacts", 2, "updated"),
            ("contacts", 3, "updated"),
            ("contacts", 4, "created"),
            ("contacts", 5, "created"),
        )
    )

    assert log == [
        ("companies", [1], "created", {}),
        ("contacts", [1], "created", {}),
        ("contacts", [2], "updated", {"first_name": "Ann"}),
        ("contacts", [3], "updated", {"first_name": "Ann"}),
        ("contacts", [4, 5], "created", {}),
    ]


def test_an_import_logs_its_records_in_a_few_rows_and_counts_them(
    workspace, owner, upload, run_import
):
    batch = run_import(upload(workspace, ROWS))

    with workspace_scope(workspace):
        logged = ImportedRecord.objects.filter(batch=batch).order_by("id")
        assert [(r.entity, len(r.object_ids)) for r in logged] == [
            ("companies", 4),
            ("contacts", 12),
        ]
        contacts = list(Contact.objects.order_by("id").values_list("id", flat=True))
        assert logged[1].object_ids == contacts
        assert import_undo_total(batch=batch) == 16
