"""Update-mode imports in bulk (`contact_updates`) leave what the row path leaves."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact, ContactPhone
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data.contact_importers import ContactImporter
from rapport.data.importers import Importer, importer_get
from rapport.data.services import import_undo
from rapport.data.tests.test_bulk_import import _canonical
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import workspace_create

HEADER = "Record ID,First Name,Last Name,Email,Email 2,Phone,Mobile Phone,Company,Job Title,"
HEADER += "Country,Lifecycle Stage,Tags\n"
UPDATES = HEADER + (
    # by external id: an email added, its phone given again, names, stage, a tag in other case
    "a-1,ANN,lee,ann@x.io,ann2@x.io,+1 415 555 2671,,Acme,Head buyer,United States,customer,"
    "vip;new\n"
    # by email: the stored number given as a mobile one, a company new to the workspace
    ",Bob,,bob@x.io,,,(415) 555-2672,Globex,,,,\n"
    # by phone, the contact updated above: merged into what that row left
    ",Bobby,,,,+1 415 555 2672,,,,,,\n"
    # by email, its external id changed; the next row's external id is then nobody's
    "c-9,Cy,,cy@x.io,,,,,,,,\n"
    "c-1,Zed,,zed@x.io,,,,,,,,\n"
    ",Di,,di@x.io,,,,,,,nonsense,\n"  # a bad stage
    ",Di,,di@x.io,not-an-email,,,,,,,\n"  # a bad email
    ",Eve,,eve@x.io,,+1 415 555 2699 ext 7,+1 415 555 2698,Acme,,,,\n"  # nobody's: created
    ",Eve,Again,eve@x.io,,,,,,,,\n"  # the contact created above
    ",Di,,DI@X.IO,,,,,,,,\n"  # what Di holds already
    ",Flo,,flo@x.io,,+44 20 7946 0958,,Initech,,GB,,x\n"  # a second company, a first phone
    ",,,bob@x.io,,(415) 555-2672 x5,,,,,,\n"  # Bob's number again, with an extension
)


def _people(workspace, owner):
    """The stored contacts the file updates."""
    acme = make_company(workspace, owner, name="Acme")
    initech = make_company(workspace, owner, name="Initech")
    people = [
        make_contact(
            workspace,
            owner,
            first_name="Ann",
            emails=["ann@x.io"],
            phones=["+1 415 555 2671 x12"],
            external_id="a-1",
            company_ids=[acme.pk],
            tags=["VIP"],
            job_title="Buyer",
        ),
        make_contact(
            workspace, owner, first_name="Bob", emails=["bob@x.io"], phones=["4155552672"]
        ),
        make_contact(workspace, owner, first_name="Cy", emails=["cy@x.io"], external_id="c-1"),
        make_contact(workspace, owner, first_name="Di", last_name="", emails=["di@x.io"]),
        make_contact(
            workspace, owner, first_name="Flo", emails=["flo@x.io"], company_ids=[initech.pk]
        ),
    ]
    with workspace_scope(workspace):
        ContactPhone.objects.filter(contact=people[1]).update(kind="home")
    return people


def _phones(workspace):
    with workspace_scope(workspace):
        return sorted(
            ContactPhone.objects.values_list("contact__email", "number", "extension", "kind")
        )


def _stored(workspace):
    importer = importer_get("contacts")
    with workspace_scope(workspace):
        return [importer.stored(c) for c in Contact.objects.order_by("pk")], _phones(workspace)


@pytest.mark.parametrize("chunk_rows", [3, 500])
def test_bulk_updates_leave_what_the_row_path_leaves(owner, upload, run_import, chunk_rows):
    results = []
    for bulk in (False, True):
        workspace = workspace_create(name=f"ws {bulk}", owner=owner, default_region="US")
        _people(workspace, owner)
        batch = run_import(
            upload(workspace, UPDATES), mode="update", chunk_rows=chunk_rows, bulk=bulk
        )
        results.append((_canonical(batch), _phones(workspace)))

    (row_path, row_phones), (bulk_path, bulk_phones) = results
    assert row_path["counts"] == (12, 2, 8, 0, 2)
    for key in row_path:
        assert bulk_path[key] == row_path[key], key
    assert bulk_phones == row_phones
    assert ("bob@x.io", "+14155552672", "5", "mobile") in bulk_phones
    assert ("ann@x.io", "+14155552671", "12", "work") in bulk_phones
    # the kinds the file gives are in the entries, as a UI or API write's: Bob's home phone
    # stated a mobile one, Eve's second phone a mobile one
    phones = [(action, c["phones"]) for action, _, _, c, _ in bulk_path["audit"] if "phones" in c]
    assert ("update", [["+14155552672 (home)"], ["+14155552672 (mobile)"]]) in phones
    assert ("create", [None, ["+14155552699 ext. 7", "+14155552698 (mobile)"]]) in phones


def test_a_row_that_changes_nothing_leaves_its_contact_untouched(owner, upload, run_import):
    workspace = workspace_create(name="ws", owner=owner, default_region="US")
    di = _people(workspace, owner)[3]
    content = "First Name,Email\nDi,DI@X.IO\nDee,di@x.io\n"

    batch = run_import(upload(workspace, content), mode="update", bulk=True)

    assert batch.updated == 2
    with workspace_scope(workspace):
        changes = list(
            AuditEntry.objects.filter(object_id=di.pk, action="update").values_list(
                "changes", flat=True
            )
        )
    # the first row repeats what Di holds: no entry; the second, merged after it, renames her
    assert changes == [{"first_name": ["Di", "Dee"]}]


def test_a_bulk_update_keeps_an_unchanged_contacts_updated_at(owner, upload, run_import):
    workspace = workspace_create(name="ws", owner=owner, default_region="US")
    di = _people(workspace, owner)[3]

    batch = run_import(upload(workspace, "First Name,Email\nDi,DI@X.IO\n"), mode="update")

    assert batch.updated == 1
    with workspace_scope(workspace):
        assert Contact.objects.get(pk=di.pk).updated_at == di.updated_at
        assert not AuditEntry.objects.filter(object_id=di.pk, action="update").exists()


def test_undo_of_a_bulk_update_import_gives_back_what_the_contacts_held(owner, upload, run_import):
    workspace = workspace_create(name="ws", owner=owner, default_region="US")
    _people(workspace, owner)
    before = _stored(workspace)
    batch = run_import(upload(workspace, UPDATES), mode="update", chunk_rows=500, bulk=True)
    assert _stored(workspace) != before

    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)

    assert _stored(workspace) == before


def test_bulk_updates_cost_a_few_queries_per_chunk_not_per_row(owner, upload, run_import):
    queries = []
    for size in (20, 200):
        workspace = workspace_create(name=f"ws {size}", owner=owner, default_region="US")
        for i in range(size):
            make_contact(workspace, owner, first_name=f"P{i}", emails=[f"p{i}@x.io"])
        rows = "".join(f"p{i}@x.io,Buyer,+1 415 555 {2600 + i},T{i % 3}\n" for i in range(size))
        batch = upload(workspace, "Email,Job Title,Phone,Tags\n" + rows)
        with CaptureQueriesContext(connection) as ctx:
            batch = run_import(batch, mode="update", bulk=True)
        assert batch.updated == size
        queries.append(len(ctx.captured_queries))

    # the row path takes about a dozen queries a row
    assert queries[1] - queries[0] < 20


def _undo_entries(workspace, since):
    """The undo's audit entries, contacts and companies named (ids differ between
    workspaces)."""
    with workspace_scope(workspace):
        name = dict(Company.objects.values_list("pk", "name")).get
        entries = AuditEntry.objects.filter(entity="contacts.contact", at__gte=since)

        def named(changes):
            out = dict(changes)
            if "primary_company" in out:
                out["primary_company"] = [name(c) for c in out["primary_company"]]
            if "companies" in out:
                out["companies"] = [[name(c) for c in v or []] for v in out["companies"]]
            return out

        return sorted(((e.action, e.object_repr, named(e.changes)) for e in entries), key=repr)


def test_a_bulk_undo_writes_what_undoing_one_by_one_writes(owner, upload, run_import, monkeypatch):
    results = []
    for bulk in (False, True):
        if not bulk:  # the importer's base method: `restore` for each record
            monkeypatch.setattr(ContactImporter, "restore_many", Importer.restore_many)
        else:
            monkeypatch.undo()
        workspace = workspace_create(name=f"ws {bulk}", owner=owner, default_region="US")
        _people(workspace, owner)
        batch = run_import(upload(workspace, UPDATES), mode="update", chunk_rows=3, bulk=True)
        since = timezone.now()
        with workspace_scope(workspace):
            import_undo(workspace=workspace, actor=owner, batch=batch)
        results.append((_stored(workspace), _undo_entries(workspace, since)))

    assert results[1] == results[0]
    assert len(results[1][1]) >= 8  # the updates' entries, and the created contacts' deletes
