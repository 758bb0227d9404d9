"""The undo of an update-mode company import puts the companies back together
(`companies_update_many`), leaving what putting them back one by one leaves."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company
from rapport.contacts.services import company_update
from rapport.contacts.tests.factories import make_company
from rapport.core.errors import ServiceValidationError
from rapport.data.contact_importers import CompanyImporter
from rapport.data.importers import Importer, importer_get
from rapport.data.services import import_undo
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import workspace_create

UPDATES = (
    "Account ID,Name,Website,Industry,City,Country,Tags\n"
    "a-1,ACME Corp,acme.io,Manufacturing,Berlin,Germany,vip;new\n"  # by external id
    ",Globex Intl,www.globex.com,,,,\n"  # by domain
    "i-9,Initech,initech.com,,,,x\n"  # by domain: its external id changed
    "a-1,Acme Again,,,,,\n"  # the first one again
    ",Umbrella,umbrella.com,Pharma,,,\n"  # deleted before the undo
    ",New Co,newco.io,,,,\n"  # nobody's: created
)


def _companies(workspace, owner):
    make_company(
        workspace,
        owner,
        name="Acme",
        external_id="a-1",
        domain="acme.io",
        industry="Retail",
        tags=["VIP"],
    )
    make_company(workspace, owner, name="Globex", domain="globex.com", city="Springfield")
    make_company(
        workspace, owner, name="Initech", external_id="i-1", domain="initech.com", tags=["B2B"]
    )
    return make_company(workspace, owner, name="Umbrella", domain="umbrella.com")


def _stored(workspace):
    importer = importer_get("companies")
    with workspace_scope(workspace):
        return [importer.stored(c) for c in Company.objects.order_by("pk")]


def _undo_entries(workspace, since):
    with workspace_scope(workspace):
        entries = AuditEntry.objects.filter(entity="contacts.company", at__gte=since)
        return sorted(((e.action, e.object_repr, e.changes) for e in entries), key=repr)


def _undone(workspace, owner, batch):
    since = timezone.now()
    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)
    return _stored(workspace), _undo_entries(workspace, since)


def _one_by_one(monkeypatch):
    """The importer's base method: `restore` for each record."""
    monkeypatch.setattr(CompanyImporter, "restore_many", Importer.restore_many)


def test_a_bulk_undo_of_company_updates_writes_what_undoing_one_by_one_writes(
    owner, upload, run_import, monkeypatch
):
    results = []
    for bulk in (False, True):
        if not bulk:
            _one_by_one(monkeypatch)
        else:
            monkeypatch.undo()
        workspace = workspace_create(name=f"ws {bulk}", owner=owner)
        umbrella = _companies(workspace, owner)
        before = _stored(workspace)
        batch = run_import(upload(workspace, UPDATES, entity="companies"), mode="update")
        assert (batch.updated, batch.created) == (5, 1)
        with workspace_scope(workspace):
            umbrella.delete()
        results.append(_undone(workspace, owner, batch))
        assert results[-1][0] == [c for c in before if c["name"] != "Umbrella"]

    assert results[1] == results[0]
    updates = [e for e in results[1][1] if e[0] == "update"]
    assert len(updates) == 4  # Acme twice, Globex, Initech
    assert (
        "update",
        "Initech",
        {"external_id": ["i-9", "i-1"], "tags": [["B2B", "x"], ["B2B"]]},
    ) in updates


def test_a_bulk_undo_of_company_updates_costs_a_few_queries_not_some_per_company(
    owner, upload, run_import
):
    queries = []
    for size in (20, 200):
        workspace = workspace_create(name=f"ws {size}", owner=owner)
        for i in range(size):
            make_company(workspace, owner, name=f"C{i}", domain=f"c{i}.io", tags=["old"])
        rows = "".join(f"C{i} Ltd,c{i}.io,Retail,T{i % 3}\n" for i in range(size))
        content = "Name,Website,Industry,Tags\n" + rows
        batch = run_import(upload(workspace, content, entity="companies"), mode="update")
        assert batch.updated == size
        with CaptureQueriesContext(connection) as ctx, workspace_scope(workspace):
            import_undo(workspace=workspace, actor=owner, batch=batch)
        queries.append([q["sql"] for q in ctx.captured_queries if "contacts_" in q["sql"]])
        with workspace_scope(workspace):
            assert not Company.objects.exclude(name__regex=r"^C\d+$").exists()

    # the companies' and tags' statements (one by one, `company_update` takes about ten a
    # company); the undo log's pages and the audit inserts' batches grow, as for any undo
    assert len(queries[1]) == len(queries[0]) < 10


@pytest.mark.parametrize("one_by_one", [False, True], ids=["bulk", "one by one"])
def test_an_external_id_another_company_took_since_fails_the_undo_as_one_by_one(
    owner, upload, run_import, monkeypatch, one_by_one
):
    if one_by_one:
        _one_by_one(monkeypatch)
    workspace = workspace_create(name="ws", owner=owner)
    _companies(workspace, owner)
    batch = run_import(upload(workspace, UPDATES, entity="companies"), mode="update")
    with workspace_scope(workspace):
        globex = Company.objects.get(name="Globex Intl")
        company_update(
            workspace=workspace, actor=owner, company=globex, data={"external_id": "i-1"}
        )

        with pytest.raises(ServiceValidationError, match="'i-1' is already the external id"):
            import_undo(workspace=workspace, actor=owner, batch=batch)

        assert Company.objects.get(domain="initech.com").external_id == "i-9"


@pytest.mark.parametrize("one_by_one", [False, True], ids=["bulk", "one by one"])
def test_an_undo_gives_back_external_ids_an_import_passed_between_companies(
    owner, upload, run_import, monkeypatch, one_by_one
):
    if one_by_one:
        _one_by_one(monkeypatch)
    workspace = workspace_create(name="ws", owner=owner)
    make_company(workspace, owner, name="A", external_id="x", domain="a.io")
    make_company(workspace, owner, name="B", external_id="y", domain="b.io")
    content = "Account ID,Name,Website\nz,A,a.io\nx,B,b.io\n"  # A: x to z, then B: y to x
    batch = run_import(upload(workspace, content, entity="companies"), mode="update")
    with workspace_scope(workspace):
        assert sorted(Company.objects.values_list("name", "external_id")) == [
            ("A", "z"),
            ("B", "x"),
        ]

        import_undo(workspace=workspace, actor=owner, batch=batch)

        assert sorted(Company.objects.values_list("name", "external_id")) == [
            ("A", "x"),
            ("B", "y"),
        ]
