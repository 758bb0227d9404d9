"""Tags are one tag per `tag_key` (casefolded name), held by the database: the migration that
merged the tags it found doubled, and the services when a concurrent write gets past their
lookup."""

import importlib
import threading

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from rapport.audit.models import AuditEntry
from rapport.contacts import services
from rapport.contacts.models import Company, Contact, Tag
from rapport.contacts.services import tag_create, tag_update, tags_resolve
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.tenancy.access import workspace_scope

migration = importlib.import_module("rapport.contacts.migrations.0008_tag_key")
pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_tag_of_one_key(scoped):
    Tag.objects.create(workspace=scoped, name="Ünïcode")

    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(workspace=scoped, name="üNÏCODE")


def test_a_rename_keeps_the_key_in_step(scoped, owner):
    tag = tag_create(workspace=scoped, actor=owner, data={"name": "VIP"})

    tag_update(workspace=scoped, actor=owner, tag=tag, data={"name": "Straße"})

    tag.refresh_from_db()
    assert tag.key == "strasse"


@pytest.fixture
def lookup_misses(monkeypatch):
    """As for the second of two concurrent requests: both looked before either wrote."""
    monkeypatch.setattr(services, "_tags_by_key", lambda keys: {})
    monkeypatch.setattr(services, "_tag_name_free", lambda name, exclude_id=None: None)


def test_a_resolve_that_missed_a_concurrent_tag_takes_it(scoped, lookup_misses):
    first = Tag.objects.create(workspace=scoped, name="Ü")

    tags = tags_resolve(workspace=scoped, names=["ü", "new"])

    assert tags[0] == first
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["new", "Ü"]


def test_a_create_that_missed_a_concurrent_tag_is_refused_by_name(scoped, owner, lookup_misses):
    Tag.objects.create(workspace=scoped, name="Ü")

    with pytest.raises(ServiceValidationError) as refused:
        tag_create(workspace=scoped, actor=owner, data={"name": "ü"})

    assert refused.value.errors[0].field == "name"
    assert "exists already" in refused.value.errors[0].message
    assert Tag.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_a_rename_that_missed_a_concurrent_tag_is_refused_by_name(scoped, owner, lookup_misses):
    Tag.objects.create(workspace=scoped, name="Ü")
    tag = Tag.objects.create(workspace=scoped, name="other")

    with pytest.raises(ServiceValidationError) as refused:
        tag_update(workspace=scoped, actor=owner, tag=tag, data={"name": "ü"})

    assert refused.value.errors[0].field == "name"
    assert set(Tag.objects.values_list("name", flat=True)) == {"Ü", "other"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once")
def test_two_concurrent_resolves_of_one_key_store_one_tag(workspace, monkeypatch):
    """Two requests, each on its own connection, both look before either inserts."""
    both_looked = threading.Barrier(2)
    look = services._tags_by_key

    def look_then_wait(keys):
        found = look(keys)
        both_looked.wait(timeout=10)
        return found

    monkeypatch.setattr(services, "_tags_by_key", look_then_wait)
    resolved: dict[str, int] = {}

    def resolve(name: str) -> None:
        try:
            with workspace_scope(workspace):
                resolved[name] = tags_resolve(workspace=workspace, names=[name])[0].pk
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve, args=(name,)) for name in ("Ü", "ü")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert len(resolved) == 2
    assert resolved["Ü"] == resolved["ü"]
    assert Tag.unscoped.filter(workspace=workspace).count() == 1


# --- the migration -------------------------------------------------------------------------


def _tag(workspace, name: str) -> Tag:
    """A tag as it stood before 0008: a key of its own (no two alike, as the added column's
    default would be once 0009's constraint is in place)."""
    tag = Tag.objects.create(workspace=workspace, name=name)
    Tag.unscoped.filter(pk=tag.pk).update(key=f"unset-{tag.pk}")
    return tag


def test_the_migration_merges_tags_of_one_key_into_the_oldest(workspace, other_workspace):
    with workspace_scope(workspace):
        oldest, younger = _tag(workspace, "Ü"), _tag(workspace, "ü")
        street, _street = _tag(workspace, "Straße"), _tag(workspace, "STRASSE")
        ann, bea, cy = (make_contact(workspace, first_name=n) for n in ("Ann", "Bea", "Cy"))
        acme = make_company(workspace, name="Acme")
        ann.tags.add(oldest)
        bea.tags.add(younger)
        cy.tags.add(oldest, younger, _street)
        acme.tags.add(younger)
    with workspace_scope(other_workspace):
        theirs = _tag(other_workspace, "ü")

    migration.merge_and_key_tags(apps, None)

    assert sorted(Tag.unscoped.values_list("pk", "name", "key")) == sorted(
        [
            (oldest.pk, "Ü", "ü"),
            (street.pk, "Straße", "strasse"),
            (theirs.pk, "ü", "ü"),
        ]
    )
    links = Contact.tags.through.objects.order_by("contact_id", "tag_id")
    assert list(links.values_list("contact_id", "tag_id")) == [
        (ann.pk, oldest.pk),
        (bea.pk, oldest.pk),
        (cy.pk, oldest.pk),
        (cy.pk, street.pk),
    ]
    assert list(Company.tags.through.objects.values_list("company_id", "tag_id")) == [
        (acme.pk, oldest.pk)
    ]


@pytest.mark.parametrize("asked", ["STRASSE", "straße", "Straße"])
def test_a_list_filtered_by_tag_matches_it_by_key(scoped, asked):
    from rapport.contacts.queries import RecordFilter, company_queryset, contact_queryset

    ann = make_contact(scoped, tags=["Straße"])
    make_contact(scoped, first_name="Bo", tags=["Strasse Nord"])
    acme = make_company(scoped, tags=["Straße"])

    assert list(contact_queryset(f=RecordFilter(tag=asked), region="DE")) == [ann]
    assert list(company_queryset(f=RecordFilter(tag=asked))) == [acme]
