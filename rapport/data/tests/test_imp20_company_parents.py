"""A company import whose rows name parents further down the file (another CRM's export, in
any order): each row is stored with its parent once the file's other rows are, audited and
undone as any row; a parent still unknown at the end fails its row, a cycle by its names."""

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company
from rapport.contacts.tests.factories import make_company
from rapport.data.models import ImportRowError
from rapport.data.services import import_dry_run, import_undo
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import workspace_create

ANY_ORDER = (
    "Name,External ID,Parent\n"
    "Acme UK London,,Acme UK\n"  # its parent two rows down, whose own parent is below it
    "Beta,B-1,\n"
    "Acme UK,,Acme Group\n"
    "Beta Kids,,B-1\n"  # a parent stored already: written at its turn
    "Gamma Labs,,G-9\n"  # a parent by external id further down
    "Acme Group,AG,\n"
    "Gamma,G-9,\n"
)


def _errors(batch):
    with workspace_scope(batch.workspace):
        errors = ImportRowError.objects.filter(batch=batch).order_by("row", "id")
        return [(e.row, e.column, e.message) for e in errors]


def _parents(workspace):
    with workspace_scope(workspace):
        rows = Company.objects.select_related("parent").order_by("name")
        return {c.name: c.parent.name if c.parent else None for c in rows}


@pytest.fixture
def workspace(owner):
    return workspace_create(name="ws", owner=owner, default_region="US")


@pytest.mark.parametrize("chunk_rows", [2, 500])
def test_parents_named_further_down_the_file_are_linked(
    workspace, owner, upload, run_import, chunk_rows
):
    batch = run_import(upload(workspace, ANY_ORDER, entity="companies"), chunk_rows=chunk_rows)

    assert (batch.rows, batch.created, batch.failed, _errors(batch)) == (7, 7, 0, [])
    assert _parents(workspace) == {
        "Acme Group": None,
        "Acme UK": "Acme Group",
        "Acme UK London": "Acme UK",
        "Beta": None,
        "Beta Kids": "Beta",
        "Gamma": None,
        "Gamma Labs": "Gamma",
    }
    with workspace_scope(workspace):
        london = Company.objects.get(name="Acme UK London")
        created = AuditEntry.objects.get(object_id=london.pk, entity="contacts.company")
        assert created.changes["parent"] == [None, Company.objects.get(name="Acme UK").pk]
        import_undo(workspace=workspace, actor=owner, batch=batch)
        assert not Company.objects.exists()


def test_an_update_import_links_a_parent_further_down_and_its_undo_unlinks_it(
    workspace, owner, upload, run_import
):
    with workspace_scope(workspace):
        uk = make_company(workspace, owner, name="Acme UK", external_id="UK")
    content = "Name,External ID,Parent\nAcme UK,UK,Acme Group\nAcme Group,AG,\n"

    batch = run_import(upload(workspace, content, entity="companies"), mode="update")

    assert (batch.created, batch.updated, batch.failed) == (1, 1, 0)
    assert _parents(workspace) == {"Acme Group": None, "Acme UK": "Acme Group"}
    with workspace_scope(workspace):
        group = Company.objects.get(name="Acme Group")
        linked = AuditEntry.objects.filter(
            entity="contacts.company", object_id=uk.pk, action="update"
        ).get()
        assert linked.changes["parent"] == [None, group.pk]
        import_undo(workspace=workspace, actor=owner, batch=batch)
        unlinked = AuditEntry.objects.filter(
            entity="contacts.company", object_id=uk.pk, action="update"
        ).latest("id")
        assert unlinked.changes["parent"] == [group.pk, None]
    assert _parents(workspace) == {"Acme UK": None}


def test_a_parent_never_stored_fails_its_row_and_a_cycle_is_refused_by_name(
    workspace, upload, run_import
):
    content = (
        "Name,Parent\n"
        "Alpha,Beta\n"
        "Beta,Alpha\n"  # Alpha and Beta each other's parent
        "Solo,Solo\n"  # its own
        "Orphan,Nobody Inc\n"
        "Fine,\n"
    )

    batch = run_import(upload(workspace, content, entity="companies"))

    assert (batch.rows, batch.created, batch.failed) == (5, 1, 4)
    assert _errors(batch) == [
        (2, "Parent", "parent cycle: Alpha → Beta → Alpha"),
        (3, "Parent", "parent cycle: Beta → Alpha → Beta"),
        (4, "Parent", "parent cycle: Solo → Solo"),
        (5, "Parent", "no company 'Nobody Inc' in this workspace"),
    ]
    assert _parents(workspace) == {"Fine": None}


def test_the_dry_run_shows_a_row_with_its_parent_further_down(workspace, owner, upload):
    batch = upload(workspace, ANY_ORDER, entity="companies")

    with workspace_scope(workspace):
        preview = import_dry_run(workspace=workspace, actor=owner, batch=batch, limit=3)

    # Acme UK's parent is in a row not previewed, and so is then Acme UK London's
    assert [(p.row, p.action, [e.message for e in p.errors]) for p in preview] == [
        (2, "waiting", ["no company 'Acme UK' yet: a row further down may create it"]),
        (3, "created", []),
        (4, "waiting", ["no company 'Acme Group' yet: a row further down may create it"]),
    ]
    assert preview[0].errors[0].field == "Parent"
    with workspace_scope(workspace):
        preview = import_dry_run(workspace=workspace, actor=owner, batch=batch, limit=7)
        assert not Company.objects.exists()
    assert [(p.row, p.values["parent"]) for p in preview] == [
        (2, "Acme UK"),
        (3, ""),
        (4, "Acme Group"),
        (5, "Beta"),
        (6, "Gamma"),
        (7, ""),
        (8, ""),
    ]
