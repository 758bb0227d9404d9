"""A record's changes on its timeline (`audit.timeline.record_changes`, written without the
ORM's compiler) are the ORM's: `audit_for_record` newest first, by page, with the actor and
the changes' names; every field equal, in the record's workspace only. SQLite and PostgreSQL
alike."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from rapport.audit.models import AuditEntry
from rapport.audit.queries import audit_for_record
from rapport.audit.references import describe_changes
from rapport.audit.timeline import record_changes
from rapport.contacts.models import Contact
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.timeline import TimelineCursor
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def ann(workspace, other_workspace, owner, member, outsider):
    """A contact created, then changed eight times by two members and the system (owner,
    company, names with markup), two changes at the same instant; another workspace's
    contact with the same id's entries never count."""
    acme = make_company(workspace, name="Acme <&>")
    ann = make_contact(workspace, owner, first_name="Ann")
    changes = [
        (member, {"owner_id": member.pk}),
        (owner, {"company_ids": [acme.pk]}),
        (None, {"job_title": "<b>CTO</b> & 'more'"}),
        (member, {"owner_id": owner.pk, "last_name": "O'Hara"}),
    ]
    with workspace_scope(workspace):
        for i in range(8):
            actor, data = changes[i % len(changes)]
            contact = Contact.objects.get(pk=ann.pk)
            data = {**data, "first_name": f"Ann {i}"}
            contact_update(workspace=workspace, actor=actor, contact=contact, data=data)
        ids = list(
            AuditEntry.objects.filter(object_id=ann.pk, entity="contacts.contact")
            .order_by("id")
            .values_list("id", flat=True)
        )
    for n, pk in enumerate(ids):  # pairs at the same instant: ids decide
        AuditEntry.unscoped.filter(pk=pk).update(at=T0 + dt.timedelta(hours=n // 2))
    make_contact(other_workspace, outsider, first_name="Stranger")
    return ann


def _reference(ann: Contact, before: TimelineCursor | None, limit: int) -> list[Any]:
    qs = audit_for_record(entity="contacts.contact", object_id=ann.pk)
    if before is not None:  # after the cursor of the same tag: older, or as old and a lower id
        qs = qs.filter(Q(at__lt=before.at) | Q(at=before.at, id__lt=before.id))
    entries = list(qs.order_by("-at", "-id")[:limit])
    describe_changes(entries)
    return entries


@pytest.mark.parametrize("limit", [3, 50])
def test_a_page_is_the_orms_and_reads_its_entries_in_one_statement(
    ann, workspace, limit, monkeypatch
):
    with workspace_scope(workspace):
        pages = []
        before: TimelineCursor | None = None
        while True:
            reference = _reference(ann, before, limit + 1)
            pages.append((before, reference))
            if len(reference) <= limit:
                break
            last = reference[limit - 1]
            before = TimelineCursor(last.at, "a", last.pk)
        assert sum(len(r) for _, r in pages) >= 9

        real_as_sql = SQLCompiler.as_sql

        def namers_only(self: Any, *args: Any, **kwargs: Any) -> Any:
            # The changes' names (`describe_changes`) are read through the ORM; the entries
            # are not.
            assert self.query.model is not AuditEntry, "the entries built through the ORM"
            return real_as_sql(self, *args, **kwargs)

        monkeypatch.setattr(SQLCompiler, "as_sql", namers_only)
        for before, reference in pages:
            with CaptureQueriesContext(connection) as captured:
                items = record_changes(ann, before, limit + 1)
                for item in items:
                    str(item.obj.actor)
            entry_reads = [q for q in captured.captured_queries if "audit_auditentry" in q["sql"]]
            assert len(entry_reads) == 1
            assert [(i.kind, i.key, i.at) for i in items] == [
                ("change", f"a{e.pk}", e.at) for e in reference
            ]
            for item, e in zip(items, reference, strict=True):
                for f in AuditEntry._meta.concrete_fields:
                    assert getattr(item.obj, f.attname) == getattr(e, f.attname), f.name
                assert item.obj.changes_display == e.changes_display
                mine, theirs = item.obj.actor, e.actor
                assert (mine and (mine.pk, mine.get_full_name(), mine.get_username())) == (
                    theirs and (theirs.pk, theirs.get_full_name(), theirs.get_username())
                )
    named = [e.changes_display["owner"] for _, r in pages for e in r if "owner" in e.changes]
    assert named and all(isinstance(v, str) for pair in named for v in pair if v is not None)


def test_another_workspaces_entries_never_show(ann, workspace, other_workspace):
    with workspace_scope(other_workspace):
        stranger = Contact.objects.get()
        # An entry in the other workspace naming this contact's id must not show here.
        AuditEntry.objects.create(
            workspace=other_workspace,
            action="update",
            source="api",
            entity="contacts.contact",
            object_id=ann.pk,
            object_repr="forged",
            changes={"first_name": ["x", "y"]},
            at=T0 + dt.timedelta(days=1),
        )
    with workspace_scope(workspace):
        items = record_changes(ann, None, 100)
    assert len(items) == 9
    assert {i.obj.workspace_id for i in items} == {workspace.pk}
    assert "forged" not in {i.obj.object_repr for i in items}
    assert stranger.pk not in {i.obj.object_id for i in items}
