"""`contact_get` reads the contact with its company and owner in a statement written once:
the instances `select_related` gives (every field of the three), without the ORM's
compiler, in the scope's workspace only (another's: does not exist), and through the ORM
where the scope is not one workspace."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from rapport.contacts.models import Contact
from rapport.contacts.queries import contact_get
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


def _values(instance: Model | None) -> dict[str, Any] | None:
    if instance is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.fixture
def people(workspace, other_workspace, owner, outsider):
    acme = make_company(workspace, name="Acme <&>", domain="acme.example")
    ann = make_contact(workspace, owner, first_name="Ann", emails=["a@x.io"], company_ids=[acme.pk])
    with workspace_scope(workspace):
        Contact.objects.filter(pk=ann.pk).update(custom_fields={"tier": "gold"}, owner=owner)
    bob = make_contact(workspace, first_name="Bob")  # no company, no owner
    stranger = make_contact(other_workspace, outsider, first_name="Stranger")
    return ann, bob, stranger


def test_it_reads_what_select_related_reads_without_the_compiler(people, workspace, monkeypatch):
    ann, bob, _ = people
    with workspace_scope(workspace):
        references = {
            c.pk: c
            for c in Contact.objects.select_related("primary_company", "owner").filter(
                pk__in=[ann.pk, bob.pk]
            )
        }

        def no_compiler(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("built through the ORM's compiler")

        monkeypatch.setattr(SQLCompiler, "as_sql", no_compiler)
        for pk in (ann.pk, bob.pk):
            with CaptureQueriesContext(connection) as captured:
                contact = contact_get(contact_id=pk)
                company, owner = contact.primary_company, contact.owner
                emails = [e.email for e in contact.emails.all()]
            assert len(captured.captured_queries) == 2  # the contact, then its four lists
            reference = references[pk]
            assert _values(contact) == _values(reference)
            assert _values(company) == _values(reference.primary_company)
            assert _values(owner) == _values(reference.owner)
            assert emails == (["a@x.io"] if pk == ann.pk else [])
    assert contact.pk == bob.pk and company is None and owner is None


def test_another_workspaces_contact_does_not_exist(people, workspace):
    _, _, stranger = people
    with workspace_scope(workspace), pytest.raises(Contact.DoesNotExist):
        contact_get(contact_id=stranger.pk)


def test_without_a_workspace_scope_it_reads_as_the_orm(people):
    _, _, stranger = people
    with scopes_disabled():
        assert contact_get(contact_id=stranger.pk).first_name == "Stranger"


def test_the_contact_read_saves_as_any(people, workspace, owner):
    ann, _, _ = people
    with workspace_scope(workspace):
        contact = contact_get(contact_id=ann.pk)
        contact_update(workspace=workspace, actor=owner, contact=contact, data={"city": "Köln"})
        again = contact_get(contact_id=ann.pk)
    assert (again.city, again.first_name, again.custom_fields) == ("Köln", "Ann", {"tier": "gold"})
