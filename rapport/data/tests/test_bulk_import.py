"""The bulk path of contact imports gives what the row path gives: records, errors, audit."""

import gc
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data.contact_bulk import ContactBulkWriter
from rapport.data.importers import importer_get
from rapport.data.models import ImportedRecord, ImportRowError
from rapport.data.queries import import_undo_total
from rapport.data.services import import_cancel, import_undo
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import workspace_create

MIXED = (
    "Record ID,First Name,Last Name,Email,Email 2,Phone,Company,Country,Lifecycle Stage,Tags,"
    "Mobile Phone\n"
    "x1,ANN,o'neil,Ann@Acme.io,,+1 415 555 2671,Acme,United States,Customer,vip;new,415 555 2681\n"
    "x2,bob,ray,not-an-email,,(415) 555-2672,acme,us,,VIP,\n"
    "x3,Cy,Dee,cy@acme.io,,12,,Narnia,,,\n"
    "x4,Di,Eve,di@acme.io,ann@acme.io,,Globex,GB,lead,,\n"  # matches row 2's contact by email
    "x5,Ed,Fox,ed@initech.io,,415 555 2671,Initech,,,,\n"  # matches row 2 by phone
    "x1,Ann,Again,,,,,,,,\n"  # matches row 2 by external id
    "x6,Flo,Gee,flo@old.io,,,Old Co,,,,\n"  # matches the stored contact by email
    "x7,Gus,Ho,gus@x.io,,,Initech,,,,\n"
    "x8,,,,,,,,,,\n"  # neither name nor email
    "x9,Hal,Ito,hal@x.io,,,Globex,DE,nonsense,,\n"
    "old-1,Ida,Jo,ida@x.io,,,,,,,\n"  # the stored contact's external id
    "x10,Jo,Kay,jo@x.io\n"  # ragged
    f"x11,Kim,Lu,kim@x.io,,,{'C' * 201},,,,\n"  # company name too long
    "x12,Lee,Ma,LEE@X.IO,lee@x.io,+44 20 7946 0958,globex,,,Vip,+44 7911 123456\n"
)


def _ws(owner, name):
    workspace = workspace_create(name=name, owner=owner, default_region="US")
    make_contact(workspace, owner, first_name="Flo", emails=["flo@old.io"], external_id="old-1")
    make_company(workspace, owner, name="Initech")
    return workspace


def _canonical(batch):
    """What an import left, with ids replaced by what they stand for (each path's ids differ)."""
    workspace = batch.workspace
    importer = importer_get("contacts")
    with workspace_scope(workspace):
        contacts = list(Contact.objects.order_by("pk"))
        companies = {c.pk: c.name for c in Company.objects.all()}
        ordinal = {c.pk: f"contact{i}" for i, c in enumerate(contacts)}

        def named(entity, pk):
            is_company = entity in ("companies", "contacts.company")
            return companies.get(pk) if is_company else ordinal.get(pk)

        def ids_named(value):
            return re.sub(r"#(\d+)", lambda m: f"#{ordinal.get(int(m.group(1)))}", value)

        def changes(entry):
            out = dict(entry.changes)
            if "primary_company" in out:
                out["primary_company"] = [companies.get(v) for v in out["primary_company"]]
            if "companies" in out:
                out["companies"] = [[companies.get(c) for c in v or []] for v in out["companies"]]
            return out

        def previous(values):
            if "company_ids" in values:
                return {**values, "company_ids": [companies.get(c) for c in values["company_ids"]]}
            return values

        entries = AuditEntry.objects.filter(
            entity__in=["contacts.contact", "contacts.company"], at__gte=batch.started_at
        )
        return {
            "counts": (batch.rows, batch.created, batch.updated, batch.skipped, batch.failed),
            "contacts": [importer.stored(c) for c in contacts],
            "companies": sorted(companies.values()),
            "tags": sorted(
                Contact.tags.through.objects.filter(contact__workspace=workspace).values_list(
                    "contact__email", "tag__name"
                )
            ),
            "errors": [
                (e.row, e.column, ids_named(e.message), e.raw)
                for e in ImportRowError.objects.filter(batch=batch)
            ],
            "records": [
                (
                    r.entity,
                    r.action,
                    [named(r.entity, i) for i in r.object_ids],
                    previous(r.previous),
                )
                for r in ImportedRecord.objects.filter(batch=batch).order_by("id")
            ],
            "audit": sorted(
                (
                    (e.action, e.entity, named(e.entity, e.object_id), changes(e), e.source)
                    for e in entries
                ),
                key=repr,
            ),
        }


@pytest.mark.parametrize("mode", ["skip", "update", "create"])
@pytest.mark.parametrize("chunk_rows", [3, 500])
def test_the_bulk_path_leaves_what_the_row_path_leaves(owner, upload, run_import, mode, chunk_rows):
    results = []
    for bulk in (False, True):
        workspace = _ws(owner, f"{mode} {bulk}")
        batch = run_import(upload(workspace, MIXED), mode=mode, chunk_rows=chunk_rows, bulk=bulk)
        results.append(_canonical(batch))

    row_path, bulk_path = results
    assert row_path["counts"][4] >= 6  # the file's bad rows did fail
    for key in row_path:
        assert bulk_path[key] == row_path[key], key
    # the phones' kinds are in the entries, as a UI or API write's
    created = [c for action, _, _, c, _ in bulk_path["audit"] if action == "create"]
    assert [None, ["+14155552671", "+14155552681 (mobile)"]] in [c.get("phones") for c in created]


def cancelled_at_the_second_chunk(workspace, owner, upload, run_import, monkeypatch, method):
    """Import twelve rows in chunks of three, the user pressing cancel as the writer's
    `method` takes the second chunk: the import stops after the chunk under way."""
    rows = "".join(f"P{i},p{i}@x.io\n" for i in range(12))
    batch = upload(workspace, "First Name,Email\n" + rows)
    original = getattr(ContactBulkWriter, method)
    chunks = []

    def then_cancel(self, chunk):
        chunks.append(chunk)
        if len(chunks) == 2:
            with workspace_scope(workspace):
                import_cancel(workspace=workspace, actor=owner, batch=batch)
        return original(self, chunk)

    monkeypatch.setattr(ContactBulkWriter, method, then_cancel)

    batch = run_import(batch, chunk_rows=3, bulk=True)

    assert batch.status == "cancelled"
    assert (batch.rows, batch.created) == (6, 6)
    with workspace_scope(workspace):
        assert Contact.objects.count() == 6
        assert import_undo_total(batch=batch) == 6


def test_a_bulk_import_cancelled_half_way_stops_after_its_chunk(
    workspace, owner, upload, run_import, monkeypatch
):
    cancelled_at_the_second_chunk(workspace, owner, upload, run_import, monkeypatch, "write")


def test_undo_removes_the_contacts_and_companies_a_bulk_import_created(
    workspace, owner, upload, run_import
):
    batch = run_import(upload(workspace, MIXED), mode="create", bulk=True)
    assert batch.created == 7

    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)
        assert not Contact.objects.exists()
        assert not Company.objects.exists()
        deleted = AuditEntry.objects.filter(action="delete", entity="contacts.contact")
        assert deleted.count() == 7


def test_a_bulk_import_costs_a_few_queries_per_chunk_not_per_row(owner, upload, run_import):
    queries = []
    for size in (30, 300):
        workspace = workspace_create(name=f"ws {size}", owner=owner, default_region="US")
        rows = "".join(f"P{i},Co{i % 3},p{i}@x.io,+1 415 555 {2600 + i}\n" for i in range(size))
        batch = upload(workspace, "First Name,Company,Email,Phone\n" + rows)
        with CaptureQueriesContext(connection) as ctx:
            batch = run_import(batch, bulk=True)
        assert batch.created == size
        queries.append(len(ctx.captured_queries))

    # SQLite caps the parameters of one insert, so its inserts of 300 contacts take a few
    # statements more; the row path takes about ten queries a row.
    assert queries[1] < 60
    assert queries[1] - queries[0] < 30


@pytest.mark.parametrize("mode", ["skip", "update"])
def test_a_bulk_import_that_forgets_its_cached_answers_between_chunks_leaves_the_same(
    owner, upload, run_import, monkeypatch, mode
):
    results = []
    for limit in (None, 0):
        if limit is not None:  # every chunk starts with the normalisers' answers forgotten
            monkeypatch.setattr("rapport.data.contact_bulk.MEMO_LIMIT", limit)
        workspace = _ws(owner, f"{mode} {limit}")
        batch = run_import(upload(workspace, MIXED), mode=mode, chunk_rows=3, bulk=True)
        results.append(_canonical(batch))

    assert results[1] == results[0]


TRICKY = (
    "First Name,Last Name,Email,Email 2,Phone,Company,Job Title,City,Country,Stage,Tags\n"
    "ÉMILE,DE LA CROIX,Emile@Exämple.DE,,+33 1 42 68 53 00,Société Générale,CEO, Paris ,France,"
    "Customer,vip\n"
    "ludwig,van beethoven,,,(212) 736-5000,,,,de,,\n"
    ",,Only@Email.IO,,,,,,,,\n"  # no name: sorted and shown by its email
    "  Ann   Marie ,O'NEIL-SMITH,ann@x.io,ANN@x.io,415 555 2671,acme,,,gb,lead,a;b\n"
    "Zoë,Ångström,,,+44 20 7946 0958,ACME,,Malmö,Sweden,,\n"
    "McDonald,DeVries,mc@x.io,second@x.io,,Acme,,,,opportunity,\n"
    "=cmd(),x,eq@x.io,,,,,,,,\n"
)


def _columns(workspace):
    """Every stored column of the workspace's contacts (a company by name), and each audit
    entry's text and changes: what the bulk path builds from plain values, not instances."""
    with workspace_scope(workspace):
        companies = dict(Company.objects.values_list("pk", "name"))
        skip = {"id", "created_at", "updated_at", "workspace_id"}
        fields = [f.attname for f in Contact._meta.concrete_fields if f.attname not in skip]
        contacts = [
            {**values, "primary_company_id": companies.get(values["primary_company_id"])}
            for values in Contact.objects.order_by("pk").values(*fields)
        ]
        entries = AuditEntry.objects.filter(entity="contacts.contact").order_by("object_id")
        audit = []
        for e in entries:
            changes = dict(e.changes)
            for key in ("primary_company", "companies"):
                changes.pop(key, None)
            audit.append((e.object_repr, changes))
        return contacts, audit


def test_the_bulk_path_stores_every_column_and_audit_text_as_the_row_path(
    owner, upload, run_import
):
    results = []
    for bulk in (False, True):
        workspace = workspace_create(name=f"tricky {bulk}", owner=owner, default_region="US")
        batch = run_import(upload(workspace, TRICKY), bulk=bulk)
        assert batch.created == 7
        results.append(_columns(workspace))

    (row_contacts, row_audit), (bulk_contacts, bulk_audit) = results
    assert bulk_contacts == row_contacts
    assert bulk_audit == row_audit
    assert row_contacts[2]["sort_name"] == "only@email.io"
    assert row_audit[2][0] == "only@email.io"
    assert row_contacts[0]["search_name"] == "emile de la croix"


def test_the_cycle_collector_waits_while_chunks_are_written_and_is_back_after(
    workspace, upload, run_import, monkeypatch
):
    write = ContactBulkWriter.write
    seen = []

    def write_and_look(self, chunk):
        seen.append(gc.isenabled())
        if len(seen) == 2:
            raise RuntimeError("the database went away")
        return write(self, chunk)

    monkeypatch.setattr(ContactBulkWriter, "write", write_and_look)
    rows = "".join(f"P{i},p{i}@x.io\n" for i in range(6))
    assert gc.isenabled()

    with pytest.raises(RuntimeError):
        run_import(upload(workspace, "First Name,Email\n" + rows), chunk_rows=3, bulk=True)

    assert seen == [False, False]
    assert gc.isenabled()
