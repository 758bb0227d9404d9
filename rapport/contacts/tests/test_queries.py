import datetime as dt

import pytest
import time_machine

from rapport.contacts.models import Contact
from rapport.contacts.queries import RecordFilter, company_list, contact_get, contact_list
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError


def found(f: RecordFilter, **kw):
    return {c.first_name for c in contact_list(f=f, region="US", **kw).items}


@pytest.fixture
def people(scoped, owner, member):
    acme = make_company(scoped, owner, name="Acme Widgets")
    make_contact(
        scoped,
        owner,
        first_name="Renée",
        last_name="Dubois",
        emails=["renee@dubois.fr"],
        phones=["+33 1 42 68 53 00"],
        tags=["vip"],
        lifecycle_stage="customer",
    )
    make_contact(
        scoped,
        owner,
        first_name="Bob",
        last_name="Renner",
        emails=["bob@acme.com"],
        phones=["(415) 555-0199"],
        company_ids=[acme.pk],
        owner_id=member.pk,
    )
    make_contact(scoped, owner, first_name="Carla", last_name="Smith", emails=["c@smith.io"])
    return acme


@pytest.mark.parametrize(
    "q,expected",
    [
        ("ren", {"Renée", "Bob"}),  # first name (accent-insensitive) or last name prefix
        ("renee dub", {"Renée"}),
        ("DUBOIS", {"Renée"}),
        ("bob@acme", {"Bob"}),
        ("415 555 0199", {"Bob"}),
        ("+33142685300", {"Renée"}),
        ("acme", {"Bob"}),  # the company name
        ("nobody", set()),
    ],
)
def test_search_finds_by_name_email_phone_and_company(people, q, expected):
    assert found(RecordFilter(q=q)) == expected


def test_filters_combine(people, member):
    assert found(RecordFilter(owner_id=member.pk)) == {"Bob"}
    assert found(RecordFilter(tag="VIP")) == {"Renée"}
    assert found(RecordFilter(lifecycle_stage="customer")) == {"Renée"}
    assert found(RecordFilter(company_id=people.pk)) == {"Bob"}
    assert found(RecordFilter(q="ren", owner_id=member.pk)) == {"Bob"}


def test_an_unknown_stage_or_sort_is_a_field_error(people):
    with pytest.raises(ServiceValidationError) as exc:
        contact_list(f=RecordFilter(lifecycle_stage="hot"), region="US")
    assert "lifecycle_stage" in exc.value.as_dict()
    with pytest.raises(ServiceValidationError) as exc:
        contact_list(f=RecordFilter(), region="US", sort="shoe_size")
    assert "sort" in exc.value.as_dict()


def test_created_and_updated_ranges(scoped, owner):
    with time_machine.travel(dt.datetime(2025, 1, 10, tzinfo=dt.UTC), tick=False):
        make_contact(scoped, owner, first_name="Old")
    with time_machine.travel(dt.datetime(2026, 6, 10, tzinfo=dt.UTC), tick=False):
        make_contact(scoped, owner, first_name="New")
    cut = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert found(RecordFilter(created_after=cut)) == {"New"}
    assert found(RecordFilter(created_before=cut)) == {"Old"}
    assert found(RecordFilter(updated_after=cut)) == {"New"}


def test_custom_field_filters_cast_to_the_field_type(scoped, owner):
    custom_field_create(
        workspace=scoped,
        actor=owner,
        data={"entity": "contact", "label": "Seats", "field_type": "number"},
    )
    custom_field_create(
        workspace=scoped,
        actor=owner,
        data={
            "entity": "contact",
            "label": "Products",
            "field_type": "multi_choice",
            "choices": ["crm", "erp"],
        },
    )
    make_contact(scoped, owner, first_name="A", custom_fields={"seats": 5, "products": ["crm"]})
    make_contact(scoped, owner, first_name="B", custom_fields={"seats": 50, "products": ["erp"]})
    assert found(RecordFilter(custom={"seats": "5"})) == {"A"}
    assert found(RecordFilter(custom={"products": "erp"})) == {"B"}
    with pytest.raises(ServiceValidationError) as exc:
        found(RecordFilter(custom={"seats": "many"}))
    assert "cf.seats" in exc.value.as_dict()


def test_companies_search_by_name_and_domain(scoped, owner):
    make_company(scoped, owner, name="Globex", domain="globex.com")
    make_company(scoped, owner, name="Initech", domain="initech.io")
    assert [c.name for c in company_list(f=RecordFilter(q="glo")).items] == ["Globex"]
    assert [c.name for c in company_list(f=RecordFilter(q="initech.io")).items] == ["Initech"]


def test_the_contact_list_costs_a_fixed_number_of_queries(
    people, scoped, owner, django_assert_max_num_queries
):
    for i in range(30):
        make_contact(scoped, owner, first_name=f"P{i}", tags=["x", "y"], company_ids=[people.pk])
    with django_assert_max_num_queries(2):
        page = contact_list(f=RecordFilter(), region="US", limit=50)
        for c in page.items:
            _ = (c.primary_company and c.primary_company.name, c.owner, list(c.tags.all()))


def test_contact_get_reads_the_four_relations_in_one_query_as_prefetched(
    scoped, owner, django_assert_num_queries
):
    """Same rows, same order as `prefetch_related` gave, and the fields they hold read
    without a query; a field not held loads when read."""
    other = make_company(scoped, owner, name="Other")
    acme = make_company(scoped, owner, name="Acme")
    make_contact(scoped, owner, first_name="Noise", emails=["n@x.io"], tags=["zeta"])
    ann = make_contact(
        scoped,
        owner,
        emails=["second@x.io", "first@x.io", "third@x.io"],
        phones=["+1 415 555 0100", "+1 415 555 0199"],
        tags=["cherry", "Banana", "apple", "<b>"],
        company_ids=[acme.pk, other.pk],
        owner_id=owner.pk,
    )
    with django_assert_num_queries(2):  # the contact with its owner and company; the four
        found = contact_get(contact_id=ann.pk)
        emails = [(e.pk, e.email, e.is_primary, e.contact is found) for e in found.emails.all()]
        phones = [(p.pk, p.number, p.is_primary) for p in found.phones.all()]
        tags = [(t.pk, t.name) for t in found.tags.all()]
        companies = [(c.pk, c.name) for c in found.companies.all()]
        assert str(found.primary_company) == "Acme" and found.primary_company_id == acme.pk
        assert found.owner == owner
    plain = Contact.objects.prefetch_related("emails", "phones", "tags", "companies").get(pk=ann.pk)
    assert emails == [(e.pk, e.email, e.is_primary, True) for e in plain.emails.all()]
    assert [e for _, e, _, _ in emails] == ["second@x.io", "first@x.io", "third@x.io"]
    assert phones == [(p.pk, p.number, p.is_primary) for p in plain.phones.all()]
    assert tags == [(t.pk, t.name) for t in plain.tags.all()]
    assert sorted(companies) == sorted((c.pk, c.name) for c in plain.companies.all())
    assert [p.kind for p in found.phones.all()] == [p.kind for p in plain.phones.all()]
    assert found.tags.all()[0].color == plain.tags.all()[0].color


def test_contact_get_of_a_contact_without_relations(scoped, django_assert_num_queries):
    bare = make_contact(scoped, first_name="Bare")
    with django_assert_num_queries(2):
        found = contact_get(contact_id=bare.pk)
        assert [*found.emails.all(), *found.phones.all(), *found.tags.all()] == []
        assert list(found.companies.all()) == []
