"""A contact's emails, phones, tags and companies (`related_rows_load`): the rows and order
`prefetch_related` gives, in one query written without the ORM's compiler."""

from typing import Any

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from rapport.contacts.models import Contact
from rapport.contacts.related_rows import related_rows_load
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


def _lists(contact: Contact) -> dict[str, list[Any]]:
    return {
        "emails": [(e.pk, e.email, e.is_primary) for e in contact.emails.all()],
        "phones": [
            (p.pk, p.number, p.extension, p.kind, p.is_primary) for p in contact.phones.all()
        ],
        "tags": [(t.pk, t.name) for t in contact.tags.all()],
        # By id, as `related_rows_load` has always given them (the prefetch's order is the
        # database's, unspecified).
        "companies": sorted((c.pk, c.name) for c in contact.companies.all()),
    }


def test_the_lists_are_the_prefetched_ones_in_one_query(workspace, other_workspace, monkeypatch):
    globex = make_company(workspace, name="Globex")
    acme = make_company(workspace, name="Acme")
    contact = make_contact(
        workspace,
        emails=["b@acme.io", "a@home.io", "c@work.io"],
        phones=["+12129744953", "+12129744000 x204"],
        phone_kinds=["mobile", "home"],
        tags=["zeta", "Alpha", "beta"],
        company_ids=[acme.pk, globex.pk],
    )
    make_contact(workspace, first_name="Bob", emails=["bob@acme.io"], tags=["Alpha"])
    make_contact(other_workspace, emails=["b@acme.io"], tags=["zeta"])
    with workspace_scope(workspace):
        reference = _lists(
            Contact.objects.prefetch_related("emails", "phones", "tags", "companies").get(
                pk=contact.pk
            )
        )
        loaded = Contact.objects.get(pk=contact.pk)

        def no_compiler(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("built through the ORM's compiler")

        monkeypatch.setattr(SQLCompiler, "as_sql", no_compiler)
        with CaptureQueriesContext(connection) as captured:
            related_rows_load(loaded)
            lists = _lists(loaded)
    assert len(captured.captured_queries) == 1
    assert lists == reference
    assert lists["emails"][0][1:] == ("b@acme.io", True)  # the primary first
    assert len(lists["tags"]) == 3 and len(lists["companies"]) == 2
    # A phone's kind and extension are read with it (a deferred kind was a query per phone).
    assert [p[2:4] for p in lists["phones"]] == [("", "mobile"), ("204", "home")]


def test_a_contact_without_rows_has_empty_lists(workspace):
    contact = make_contact(workspace)
    with workspace_scope(workspace):
        loaded = Contact.objects.get(pk=contact.pk)
        related_rows_load(loaded)
        with CaptureQueriesContext(connection) as captured:
            lists = _lists(loaded)
    assert lists == {"emails": [], "phones": [], "tags": [], "companies": []}
    assert captured.captured_queries == []
