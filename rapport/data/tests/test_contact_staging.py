"""PostgreSQL writes a bulk import's emails, phones, links, tags and audit entries from staged
rows, and they are what the row path's services write."""

import datetime as dt
import json

import pytest
from django.db import connection

from rapport.audit.models import AuditEntry
from rapport.audit.services import created_changes_sql, non_empty, snapshot
from rapport.contacts.models import Contact, ContactCompany, Tag
from rapport.contacts.services import CONTACT_AUDITED
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.bulk_rows import rows_insert
from rapport.data.contact_bulk import ContactBulkWriter, ContactChunk
from rapport.data.contact_staging import (
    EMPTY,
    NONE,
    staged_insert,
    staged_list,
    staged_object,
)
from rapport.data.copy_time import copy_time
from rapport.data.models import ImportBatch, ImportedRecord
from rapport.data.services import IMPORTED_RECORD_COLUMNS
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the staged writes are PostgreSQL's"
)


def _sql_changes(contacts):
    expr = created_changes_sql(Contact, CONTACT_AUDITED, "c", {})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, {expr} FROM contacts_contact c WHERE c.id = ANY(%s)",
            [[c.pk for c in contacts]],
        )
        # Django reads jsonb as text on a raw cursor
        return {pk: json.loads(changes) for pk, changes in cursor.fetchall()}


def test_changes_built_by_postgresql_are_the_snapshots_non_empty_values(workspace, owner):
    with workspace_scope(workspace):
        company = make_company(workspace, owner, name="Acme")
        plain = make_contact(workspace, owner, first_name="Ann", last_name="")
        full = make_contact(
            workspace,
            owner,
            first_name="Zoë",
            last_name="Ångström",
            external_id="x-1",
            job_title="CEO",
            company_ids=[company.pk],
            lifecycle_stage="customer",
            city="Malmö",
            country="SE",
        )
        # values the import never sets, but a snapshot must render as Python does
        Contact.objects.filter(pk=full.pk).update(
            owner=owner,
            do_not_email=True,
            custom_fields={"a": None, "b": [1, "x"], "c": {"d": None}},
            source='quote " and \\ backslash',
        )
        contacts = [Contact.objects.get(pk=plain.pk), Contact.objects.get(pk=full.pk)]

        got = _sql_changes(contacts)

    for contact in contacts:
        snap = non_empty(snapshot(contact, CONTACT_AUDITED))
        assert got[contact.pk] == {k: [None, v] for k, v in snap.items()}
    assert got[full.pk]["custom_fields"] == [None, {"a": None, "b": [1, "x"], "c": {"d": None}}]
    assert got[full.pk]["do_not_email"] == [None, True]
    assert "last_name" not in got[plain.pk] and "owner" not in got[plain.pk]


def test_a_field_whose_json_differs_in_postgresql_is_refused():
    with pytest.raises(TypeError, match="created_at"):
        created_changes_sql(Contact, ["first_name", "created_at"], "c", {})


def _bare(workspace, **values):
    """A contact row as the bulk writer COPYs it: no emails, links or audit entry yet."""
    return Contact.objects.create(workspace=workspace, **values)


def test_staged_rows_write_what_the_services_write_also_twice_in_one_transaction(workspace, owner):
    with workspace_scope(workspace):
        company = make_company(workspace, owner, name="Acme")
        data = {
            "first_name": "Ann",
            "last_name": "Lee",
            "emails": ["ann@x.io", "a.lee@x.io"],
            "phones": ["+14155552671 x12", "+14155552672"],
            "phone_kinds": ["", "mobile"],
            "company_ids": [company.pk],
            "tags": ["vip", "New"],
        }
        by_service = make_contact(workspace, owner, **data)
        expected = AuditEntry.objects.get(entity="contacts.contact", object_id=by_service.pk)
        tags = {t.name: t.pk for t in Tag.objects.all()}
        first = _bare(
            workspace,
            first_name="Ann",
            last_name="Lee",
            email="ann@x.io",
            phone="+14155552671",
            primary_company=company,
        )
        second = _bare(workspace, email="only@x.io")

        staged_insert(
            workspace_id=workspace.pk,
            actor=owner,
            rows=[
                (
                    first.pk,
                    "Ann Lee",
                    staged_list(["ann@x.io", "a.lee@x.io"]),
                    staged_list(["+14155552671", "+14155552672"]),
                    company.pk,
                    staged_list([tags["vip"], tags["New"]]),
                    staged_list(["New", "vip"]),
                    staged_object({"+14155552672": "mobile"}),
                    staged_object({"+14155552671": "12"}),
                )
            ],
        )
        # a chunk writes again after a row sent down the row path: the first staged rows
        # must not be written twice
        staged_insert(
            workspace_id=workspace.pk,
            actor=owner,
            rows=[
                (
                    second.pk,
                    "only@x.io",
                    staged_list(["only@x.io"]),
                    EMPTY,
                    None,
                    EMPTY,
                    EMPTY,
                    NONE,
                    NONE,
                )
            ],
        )

        entry = AuditEntry.objects.get(entity="contacts.contact", object_id=first.pk)
        assert entry.changes == expected.changes
        assert entry.changes["phones"][1] == ["+14155552671 ext. 12", "+14155552672 (mobile)"]
        assert (entry.object_repr, entry.source, entry.actor_id) == (
            str(by_service),
            expected.source,
            owner.pk,
        )
        for staged, service in ((first, by_service),):
            assert [(e.email, e.is_primary) for e in staged.emails.order_by("id")] == [
                (e.email, e.is_primary) for e in service.emails.order_by("id")
            ]
            assert [(p.text, p.is_primary, p.kind) for p in staged.phones.all()] == [
                (p.text, p.is_primary, p.kind) for p in service.phones.all()
            ]
            assert sorted(t.name for t in staged.tags.all()) == ["New", "vip"]
            assert list(
                ContactCompany.objects.filter(contact=staged).values_list(
                    "company_id", "is_primary"
                )
            ) == [(company.pk, True)]
        assert [e.email for e in second.emails.all()] == ["only@x.io"]
        assert not second.phones.exists() and not second.tags.exists()
        only = AuditEntry.objects.get(entity="contacts.contact", object_id=second.pk)
        assert only.changes == {"emails": [None, ["only@x.io"]], **_constant_changes()}
        assert only.object_repr == "only@x.io"


def _constant_changes():
    """The entries every new contact's snapshot holds (its non-empty defaults)."""
    return {
        "lifecycle_stage": [None, "lead"],
        "do_not_email": [None, False],
        "do_not_call": [None, False],
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("overlap", [False, True])
def test_a_chunk_commits_without_waiting_for_the_disk_and_the_setting_ends_with_it(
    workspace, upload, run_import, monkeypatch, settings, overlap
):
    """Both where chunks are written in turn and where a second connection stores them."""
    settings.RAPPORT_IMPORT_OVERLAP = overlap

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    before = setting()
    seen = []
    for cls, name in ((ContactBulkWriter, "write"), (ContactChunk, "store")):
        original = getattr(cls, name)

        def looked(self, *args, original=original):
            seen.append(setting())
            return original(self, *args)

        monkeypatch.setattr(cls, name, looked)
    rows = "".join(f"P{i},p{i}@x.io\n" for i in range(4))
    batch = run_import(upload(workspace, "First Name,Email\n" + rows), chunk_rows=2, bulk=True)

    assert batch.created == 4
    assert seen == ["off", "off"]
    assert setting() == before == "on"


def test_a_timestamp_copied_as_text_is_stored_to_the_microsecond(workspace):
    at = dt.datetime(2026, 11, 24, 4, 30, 15, 123456, tzinfo=dt.UTC)
    batch = ImportBatch.unscoped.create(
        workspace=workspace, entity="contacts", filename="people.csv", columns=["Email"]
    )
    stamp = copy_time(at)
    assert isinstance(stamp, str)
    rows_insert(
        ImportedRecord,
        IMPORTED_RECORD_COLUMNS,
        [(workspace.pk, stamp, stamp, batch.pk, "contacts", [1], "created", {})],
    )
    record = ImportedRecord.unscoped.get(batch=batch)
    assert record.created_at == record.updated_at == at
