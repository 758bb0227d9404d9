"""An import's key look-ups (`ContactBulkWriter._found`) are planned for their keys on every
chunk: a generic plan cannot use the external ids' partial unique index and scanned the whole
workspace for each chunk, which made a million-row import run for tens of minutes."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.data.contact_bulk import ContactBulkWriter
from rapport.tenancy.access import workspace_scope

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares"),
]

RUNS = 12  # past psycopg's threshold (5) and PostgreSQL's five custom plans


def test_the_external_id_look_up_is_never_prepared(workspace):
    with workspace_scope(workspace):
        contact = make_contact(workspace, first_name="Ada", last_name="Byron")
        Contact.objects.filter(pk=contact.pk).update(external_id="crm-1")
        writer: Any = SimpleNamespace(workspace=workspace)  # all `_found` reads of its writer
        for run in range(RUNS):
            found = ContactBulkWriter._found(
                writer, Contact, "external_id", "id", {"crm-1", f"crm-{run + 2}"}
            )
            assert found == [("crm-1", contact.pk)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [s for (s,) in cursor.fetchall() if '"external_id" = ANY' in s]
    assert prepared == []
