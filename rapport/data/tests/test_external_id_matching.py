"""Contacts and companies are matched by external id before email, phone or domain."""

from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data.contact_importers import ContactImporter
from rapport.data.importers import mapping_suggest
from rapport.data.services import import_undo
from rapport.tenancy.access import workspace_scope


def test_a_contact_is_matched_by_external_id_before_its_email(workspace, owner, upload, run_import):
    with workspace_scope(workspace):
        by_id = make_contact(workspace, first_name="Ann", external_id="003A", emails=["a@old.io"])
        by_email = make_contact(workspace, first_name="Other", emails=["ann@new.io"])
    text = "Contact ID,First Name,Email\n003A,Annie,ann@new.io\n"

    batch = run_import(upload(workspace, text), mode="update")

    assert (batch.updated, batch.created) == (1, 0)
    with workspace_scope(workspace):
        by_id.refresh_from_db()
        by_email.refresh_from_db()
    assert by_id.first_name == "Annie"
    assert by_email.first_name == "Other"


def test_an_email_match_takes_the_rows_external_id_and_undo_clears_it(
    workspace, owner, upload, run_import
):
    with workspace_scope(workspace):
        ann = make_contact(workspace, first_name="Ann", emails=["ann@acme.io"])

    batch = run_import(upload(workspace, "Record ID,Email\nHS-1,ann@acme.io\n"), mode="update")
    with workspace_scope(workspace):
        ann.refresh_from_db()
        assert ann.external_id == "HS-1"
        import_undo(workspace=workspace, actor=owner, batch=batch)
        ann.refresh_from_db()
    assert (batch.updated, ann.external_id) == (1, "")


def test_create_mode_refuses_a_second_record_with_the_same_external_id(
    workspace, upload, run_import
):
    with workspace_scope(workspace):
        make_contact(workspace, first_name="Ann", external_id="X1")

    batch = run_import(upload(workspace, "External ID,First Name\nX1,Bob\n"), mode="create")

    assert batch.failed == 1
    with workspace_scope(workspace):
        [error] = batch.errors.all()
        assert Contact.objects.count() == 1
    assert (error.column, error.message[:25]) == ("External ID", "'X1' is already the exter")


def test_another_workspaces_external_id_is_never_matched(
    workspace, other_workspace, upload, run_import
):
    with workspace_scope(other_workspace):
        theirs = make_company(other_workspace, name="Globex", external_id="ACC-1")

    batch = run_import(
        upload(workspace, "Account ID,Company Name\nACC-1,Acme\n", entity="companies"),
        mode="update",
    )

    assert (batch.created, batch.updated) == (1, 0)
    with workspace_scope(other_workspace):
        theirs.refresh_from_db()
        assert theirs.name == "Globex"
    with workspace_scope(workspace):
        assert Company.objects.get().external_id == "ACC-1"


def test_a_company_is_matched_by_external_id_then_domain(workspace, upload, run_import):
    with workspace_scope(workspace):
        by_id = make_company(workspace, name="Acme", external_id="ACC-1")
        by_domain = make_company(workspace, name="Beta", domain="beta.io")
    text = "Account ID,Name,Website\nACC-1,Acme Corp,\n,Beta Ltd,https://www.beta.io/\n"

    batch = run_import(upload(workspace, text, entity="companies"), mode="update")

    assert batch.updated == 2
    with workspace_scope(workspace):
        assert Company.objects.get(pk=by_id.pk).name == "Acme Corp"
        assert Company.objects.get(pk=by_domain.pk).name == "Beta Ltd"


def test_numbered_columns_of_a_many_valued_field_are_suggested():
    mapping = mapping_suggest(ContactImporter(), ["Email", "Email 2", "Phone 3", "Title 2"])

    assert mapping == {"Email": "email", "Email 2": "email", "Phone 3": "phone"}
