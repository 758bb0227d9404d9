import pytest

from rapport.contacts.services import (
    contact_create,
    contact_update,
    custom_field_create,
    custom_field_update,
)
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError

DEFINITIONS: list[dict[str, object]] = [
    {"label": "Notes", "field_type": "text"},
    {"label": "Seats", "field_type": "number"},
    {"label": "Discount", "field_type": "decimal"},
    {"label": "Renewal", "field_type": "date"},
    {"label": "Active", "field_type": "boolean"},
    {"label": "Tier", "field_type": "choice", "choices": ["gold", "silver"]},
    {"label": "Products", "field_type": "multi_choice", "choices": ["crm", "erp", "bi"]},
    {"label": "Profile", "field_type": "url"},
    {"label": "Billing email", "field_type": "email"},
]


@pytest.fixture
def fields(scoped, owner):
    for d in DEFINITIONS:
        custom_field_create(workspace=scoped, actor=owner, data={"entity": "contact", **d})


GOOD = {
    "notes": "likes golf",
    "seats": "12",
    "discount": "7.50",
    "renewal": "2027-01-31",
    "active": "yes",
    "tier": "gold",
    "products": ["crm", "bi"],
    "profile": "https://example.com/p",
    "billing_email": "AP@Example.com",
}
STORED = {
    "notes": "likes golf",
    "seats": 12,
    "discount": "7.50",
    "renewal": "2027-01-31",
    "active": True,
    "tier": "gold",
    "products": ["crm", "bi"],
    "profile": "https://example.com/p",
    "billing_email": "ap@example.com",
}


def test_good_values_of_every_type_are_stored_in_their_type(fields, scoped, owner):
    contact = make_contact(scoped, owner, custom_fields=GOOD)
    contact.refresh_from_db()
    assert contact.custom_fields == STORED


@pytest.mark.parametrize(
    "key,value",
    [
        ("seats", "twelve"),
        ("seats", True),
        ("discount", "7,5"),
        ("renewal", "31/01/2027"),
        ("active", "maybe"),
        ("tier", "bronze"),
        ("products", ["crm", "hr"]),
        ("profile", "ftp://x"),
        ("billing_email", "nobody"),
        ("notes", 42),
    ],
)
def test_a_bad_value_is_refused_naming_the_custom_field(fields, scoped, owner, key, value):
    with pytest.raises(ServiceValidationError) as exc:
        make_contact(scoped, owner, custom_fields={key: value})
    assert list(exc.value.as_dict()) == [f"custom_fields.{key}"]


def test_an_unknown_custom_field_is_refused(fields, scoped, owner):
    with pytest.raises(ServiceValidationError) as exc:
        make_contact(scoped, owner, custom_fields={"shoe_size": "42"})
    assert exc.value.as_dict() == {"custom_fields.shoe_size": ["is not a defined custom field"]}


def test_a_required_field_is_enforced_on_create_and_update(scoped, owner):
    custom_field_create(
        workspace=scoped,
        actor=owner,
        data={
            "entity": "contact",
            "label": "Region code",
            "field_type": "text",
            "required": True,
        },
    )
    with pytest.raises(ServiceValidationError) as exc:
        make_contact(scoped, owner)
    assert "custom_fields.region_code" in exc.value.as_dict()
    contact = make_contact(scoped, owner, custom_fields={"region_code": "N1"})
    with pytest.raises(ServiceValidationError):
        contact_update(
            workspace=scoped,
            actor=owner,
            contact=contact,
            data={"custom_fields": {"region_code": None}},
        )


def test_a_partial_update_keeps_the_other_custom_values(fields, scoped, owner):
    contact = make_contact(scoped, owner, custom_fields={"tier": "gold", "seats": 3})
    contact_update(
        workspace=scoped,
        actor=owner,
        contact=contact,
        data={"custom_fields": {"seats": 4, "tier": None}},
    )
    assert contact.custom_fields == {"seats": 4}


def test_definitions_of_another_workspace_do_not_apply(fields, other_workspace, outsider):
    with pytest.raises(ServiceValidationError):
        make_contact(other_workspace, outsider, custom_fields={"tier": "gold"})


def test_a_choice_field_needs_choices_and_its_type_cannot_change(scoped, owner):
    with pytest.raises(ServiceValidationError) as exc:
        custom_field_create(
            workspace=scoped,
            actor=owner,
            data={
                "entity": "contact",
                "label": "Tier",
                "field_type": "choice",
            },
        )
    assert "choices" in exc.value.as_dict()
    definition = custom_field_create(
        workspace=scoped,
        actor=owner,
        data={
            "entity": "contact",
            "label": "Size",
            "field_type": "text",
        },
    )
    with pytest.raises(ServiceValidationError) as exc:
        custom_field_update(
            workspace=scoped, actor=owner, definition=definition, data={"field_type": "number"}
        )
    assert "field_type" in exc.value.as_dict()


def test_keys_are_derived_from_labels_and_unique_per_entity(scoped, owner):
    d = custom_field_create(
        workspace=scoped,
        actor=owner,
        data={
            "entity": "contact",
            "label": "Account Manager!",
            "field_type": "text",
        },
    )
    assert d.key == "account_manager"
    with pytest.raises(ServiceValidationError):
        custom_field_create(
            workspace=scoped,
            actor=owner,
            data={
                "entity": "contact",
                "label": "Account manager",
                "field_type": "text",
            },
        )
    custom_field_create(
        workspace=scoped,
        actor=owner,
        data={
            "entity": "company",
            "label": "Account manager",
            "field_type": "text",
        },
    )


def test_contact_create_runs_required_checks_without_custom_fields_given(scoped, owner):
    custom_field_create(
        workspace=scoped,
        actor=owner,
        data={
            "entity": "contact",
            "label": "Must",
            "field_type": "boolean",
            "required": True,
        },
    )
    with pytest.raises(ServiceValidationError):
        contact_create(workspace=scoped, actor=owner, data={"first_name": "X"})


def test_the_read_only_detail_rows_are_the_forms_rows(fields, scoped, owner):
    from rapport.contacts.forms import CompanyForm, ContactForm
    from rapport.contacts.models import CustomFieldDefinition
    from rapport.contacts.queries import company_get, contact_get
    from rapport.contacts.tests.factories import make_company

    acme = make_company(scoped, owner, name="Acme <b>", annual_revenue="1234.5")
    initech = make_company(scoped, owner, name="Initech", parent_id=acme.pk, tags=["x"])
    made = make_contact(
        scoped,
        owner,
        emails=["ann@acme.io", "a2@acme.io"],
        phones=["+12125550100"],
        company_ids=[initech.pk, acme.pk],
        tags=["vip", "golf"],
        owner_id=owner.pk,
        lifecycle_stage="customer",
        preferred_channel="email",
        custom_fields=GOOD,
    )
    contact = contact_get(contact_id=made.pk)
    definitions = list(CustomFieldDefinition.objects.filter(entity="contact"))
    rows = ContactForm.read_only_rows(instance=contact, definitions=definitions)
    assert rows == ContactForm(workspace=scoped, instance=contact).detail_rows()
    by_name = {r["name"]: r for r in rows}
    assert by_name["companies"]["value"] == "Initech, Acme <b>"
    assert by_name["cf_products"]["value"] == "crm, bi"
    assert by_name["lifecycle_stage"]["value"] == "Customer"
    company = company_get(company_id=initech.pk)
    assert CompanyForm.read_only_rows(instance=company, definitions=[]) == (
        CompanyForm(workspace=scoped, instance=company).detail_rows()
    )
