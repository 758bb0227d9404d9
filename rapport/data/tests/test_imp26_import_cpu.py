"""What the thirteenth import round changed to spend less CPU leaves every outcome as it was:
an error's column found without a query, the key look-ups' keys sent as one text, staged lists
of plain texts joined without `json.dumps`, and the audit entry of a contact whose phones have
no kind or extension built without unnesting them."""

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.data.contact_bulk import ContactBulkWriter, text_array
from rapport.data.contact_staging import EMPTY, NONE, staged_insert, staged_list
from rapport.data.importers import ImportRow, importer_get
from rapport.tenancy.access import workspace_scope

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the arrays and the staging are PostgreSQL's"
)
# Keys with every character PostgreSQL's array literal treats specially.
AWKWARD = ['x"y', "b\\c", '\\"', "{,}", " sp ", "NULL", "a,b", '"', "\\", "ü€𝄞", "it's"]


def _row(**cells: str) -> ImportRow:
    row = ImportRow(number=2)
    for name, (column, value) in {k: v.split("=", 1) for k, v in cells.items()}.items():
        row.values[name] = [(column, value)]
    return row


def test_an_error_on_a_filled_cell_is_traced_to_its_column_without_a_query(
    workspace, django_assert_num_queries
):
    importer = importer_get("contacts")
    row = _row(email="E-mail=not-an-email")
    with workspace_scope(workspace), django_assert_num_queries(0):
        assert importer.error_column(row, "emails.0") == "E-mail"


def test_an_error_on_an_empty_cell_still_names_the_fields_label(workspace):
    importer = importer_get("contacts")
    with workspace_scope(workspace):
        assert importer.error_column(_row(), "first_name") == "First name"


@on_postgresql
@pytest.mark.django_db
def test_a_text_array_holds_exactly_its_values():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::text[]", [text_array(AWKWARD), text_array([])])
        assert cursor.fetchone() == (AWKWARD, [])


@on_postgresql
def test_the_key_look_up_finds_the_contacts_of_awkward_keys_and_no_other(workspace):
    with workspace_scope(workspace):
        ids = {}
        for key in [*AWKWARD, "plain"]:
            contact = make_contact(workspace, first_name="Ada")
            Contact.objects.filter(pk=contact.pk).update(external_id=key)
            ids[key] = contact.pk
        writer: Any = SimpleNamespace(workspace=workspace)  # all `_found` reads of its writer
        found = ContactBulkWriter._found(writer, Contact, "external_id", "id", set(AWKWARD))

    assert sorted(found) == sorted((key, ids[key]) for key in AWKWARD)


@pytest.mark.parametrize(
    "values",
    [["a@x.io", "b@x.io"], ["", "a"], *([v] for v in AWKWARD), ["tab\there", "\u2028"], [1, 2]],
)
def test_a_staged_list_is_the_json_of_its_values(values):
    assert json.loads(staged_list(values)) == values


@on_postgresql
def test_a_staged_contact_with_plain_phones_is_audited_as_the_services_audit_it(workspace, owner):
    with workspace_scope(workspace):
        by_service = make_contact(
            workspace, owner, first_name="Bo", last_name="", phones=["+14155552671", "+14155552672"]
        )
        expected = AuditEntry.objects.get(entity="contacts.contact", object_id=by_service.pk)
        staged = Contact.objects.create(workspace=workspace, first_name="Bo", phone="+14155552671")
        staged_insert(
            workspace_id=workspace.pk,
            actor=owner,
            rows=[
                (
                    staged.pk,
                    "Bo",
                    EMPTY,
                    staged_list(["+14155552671", "+14155552672"]),
                    *(None, EMPTY, EMPTY, NONE, NONE),
                )
            ],
        )
        entry = AuditEntry.objects.get(entity="contacts.contact", object_id=staged.pk)

    assert entry.changes == expected.changes
    assert entry.changes["phones"] == [None, ["+14155552671", "+14155552672"]]
