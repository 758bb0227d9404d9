from decimal import Decimal

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact, ContactEmail, ContactPhone, Tag
from rapport.contacts.services import (
    company_create,
    company_update,
    contact_create,
    contact_delete,
    contact_update,
    tag_create,
    tag_update,
    tags_resolve,
)
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError


def errors_of(exc_info: pytest.ExceptionInfo[ServiceValidationError]) -> dict[str, list[str]]:
    return exc_info.value.as_dict()


def test_it_stores_emails_lowercased_and_phones_in_e164(scoped, owner):
    contact = contact_create(
        workspace=scoped,
        actor=owner,
        data={
            "first_name": "Zoë",
            "last_name": "Smith",
            "emails": ["Zoe.Smith@Example.COM", "zoe@home.org"],
            "phones": ["(415) 555-0132", "+44 20 7946 0958"],
        },
    )
    assert contact.email == "zoe.smith@example.com"
    assert contact.phone == "+14155550132"
    assert list(contact.emails.values_list("email", "is_primary")) == [
        ("zoe.smith@example.com", True),
        ("zoe@home.org", False),
    ]
    assert list(contact.phones.values_list("number", flat=True)) == [
        "+14155550132",
        "+442079460958",
    ]
    assert contact.search_name == "zoe smith"
    assert contact.sort_name == "smith zoe"


def test_it_reads_local_phone_numbers_in_the_workspace_region(other_workspace, outsider):
    contact = make_contact(other_workspace, outsider, phones=["020 7946 0958"])
    assert contact.phone == "+442079460958"


def test_it_names_every_bad_field_and_writes_nothing(scoped, owner):
    with pytest.raises(ServiceValidationError) as exc:
        contact_create(
            workspace=scoped,
            actor=owner,
            data={
                "first_name": "Bad",
                "emails": ["ok@example.com", "not-an-email"],
                "phones": ["12"],
                "lifecycle_stage": "hot",
                "country": "XX",
                "owner_id": 999_999,
                "colour": "red",
            },
        )
    errors = errors_of(exc)
    assert set(errors) == {
        "emails.1",
        "phones.0",
        "lifecycle_stage",
        "country",
        "owner_id",
        "colour",
    }
    assert "not a valid email" in errors["emails.1"][0]
    assert Contact.objects.count() == 0
    assert ContactEmail.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_it_needs_a_name_or_an_email(scoped, owner):
    with pytest.raises(ServiceValidationError) as exc:
        contact_create(workspace=scoped, actor=owner, data={"job_title": "CEO"})
    assert "first_name" in errors_of(exc)


def test_it_records_the_creation_with_its_fields_in_the_audit_trail(scoped, owner):
    contact = contact_create(
        workspace=scoped,
        actor=owner,
        data={
            "first_name": "Ann",
            "emails": ["ann@example.com"],
            "tags": ["vip"],
        },
    )
    entry = AuditEntry.objects.get(entity="contacts.contact", object_id=contact.pk)
    assert entry.action == "create"
    assert entry.actor == owner
    assert entry.source == "system"
    assert entry.changes["first_name"] == [None, "Ann"]
    assert entry.changes["emails"] == [None, ["ann@example.com"]]
    assert entry.changes["tags"] == [None, ["vip"]]


def test_an_update_records_only_the_fields_that_changed(scoped, owner):
    contact = make_contact(scoped, owner, emails=["a@example.com"])
    contact_update(
        workspace=scoped,
        actor=owner,
        contact=contact,
        data={
            "job_title": "CTO",
            "first_name": "Ann",
            "emails": ["b@example.com"],
        },
    )
    entry = AuditEntry.objects.filter(action="update").get()
    assert entry.changes == {
        "job_title": ["", "CTO"],
        "emails": [["a@example.com"], ["b@example.com"]],
    }
    contact.refresh_from_db()
    assert contact.email == "b@example.com"


def test_an_update_that_changes_nothing_writes_no_audit_entry(scoped, owner):
    contact = make_contact(scoped, owner)
    contact_update(workspace=scoped, actor=owner, contact=contact, data={"first_name": "Ann"})
    assert not AuditEntry.objects.filter(action="update").exists()


def test_a_delete_is_recorded_with_what_was_lost(scoped, owner):
    contact = make_contact(scoped, owner, emails=["gone@example.com"])
    pk = contact.pk
    contact_delete(workspace=scoped, actor=owner, contact=contact)
    entry = AuditEntry.objects.get(action="delete")
    assert entry.object_id == pk
    assert entry.changes["emails"] == [["gone@example.com"], None]
    assert not ContactPhone.objects.filter(contact_id=pk).exists()


def test_companies_link_with_the_first_as_primary(scoped, owner):
    a, b = make_company(scoped, owner, name="Alpha"), make_company(scoped, owner, name="Beta")
    contact = make_contact(scoped, owner, company_ids=[b.pk, a.pk])
    assert contact.primary_company == b
    assert set(contact.companies.all()) == {a, b}


def test_it_refuses_a_company_of_another_workspace(scoped, owner, other_workspace, outsider):
    theirs = make_company(other_workspace, outsider, name="Theirs")
    with pytest.raises(ServiceValidationError) as exc:
        contact_create(
            workspace=scoped, actor=owner, data={"first_name": "Ann", "company_ids": [theirs.pk]}
        )
    assert "company_ids" in errors_of(exc)


def test_tags_are_created_on_first_use_and_matched_case_insensitively(scoped, owner):
    make_contact(scoped, owner, tags=["VIP"])
    make_contact(scoped, owner, first_name="Bo", tags=["vip", "partner"])
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["VIP", "partner"]
    with pytest.raises(ServiceValidationError):
        tag_create(workspace=scoped, actor=owner, data={"name": "vip"})


def test_company_domain_and_revenue_are_normalised(scoped, owner):
    company = company_create(
        workspace=scoped,
        actor=owner,
        data={
            "name": "Acme",
            "domain": "HTTPS://www.Acme.co.uk/about",
            "annual_revenue": "1250000.50",
        },
    )
    assert company.domain == "acme.co.uk"
    assert company.annual_revenue == Decimal("1250000.50")
    assert company.annual_revenue_currency == "USD"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("domain", "not a domain", "not a valid domain"),
        ("annual_revenue", "lots", "not a decimal"),
        ("annual_revenue", "-5", "negative"),
        ("annual_revenue_currency", "XYZ", "ISO 4217"),
        ("size_band", "huge", "not one of"),
    ],
)
def test_company_fields_are_validated(scoped, owner, field, value, message):
    with pytest.raises(ServiceValidationError) as exc:
        company_create(workspace=scoped, actor=owner, data={"name": "Acme", field: value})
    assert message in errors_of(exc)[field][0]


def test_a_company_cannot_become_its_own_ancestor(scoped, owner):
    parent = make_company(scoped, owner, name="Parent")
    child = make_company(scoped, owner, name="Child", parent_id=parent.pk)
    with pytest.raises(ServiceValidationError) as exc:
        company_update(workspace=scoped, actor=owner, company=parent, data={"parent_id": child.pk})
    assert "parent_id" in errors_of(exc)


@pytest.mark.parametrize(
    "first, second", [("Ünïcode", "üNÏCODE"), ("Straße", "STRASSE"), ("ΣΊΣΥΦΟΣ", "σίσυφος")]
)
def test_tag_names_are_one_tag_whatever_their_letters_case(scoped, owner, first, second):
    """SQLite's case-insensitive match folds ASCII only; both databases refuse these."""
    made = tag_create(workspace=scoped, actor=owner, data={"name": first})
    other = tag_create(workspace=scoped, actor=owner, data={"name": "Other"})

    with pytest.raises(ServiceValidationError) as exc:
        tag_create(workspace=scoped, actor=owner, data={"name": second})
    with pytest.raises(ServiceValidationError):
        tag_update(workspace=scoped, actor=owner, tag=other, data={"name": second})
    tag_update(workspace=scoped, actor=owner, tag=made, data={"name": second})

    assert "exists already" in errors_of(exc)["name"][0]
    assert [t.name for t in Tag.objects.order_by("pk")] == [second, "Other"]
    assert [t.name for t in tags_resolve(workspace=scoped, names=[first])] == [second]
