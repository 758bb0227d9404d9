import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.sales.leads import (
    lead_conversion_by_source,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_update,
)
from rapport.sales.models import Deal, LeadStatus
from rapport.sales.tests.factories import make_pipeline


def new_lead(ws, actor, **data):
    base = {
        "first_name": "Ines",
        "last_name": "Moreau",
        "email": "Ines@Moreau-Conseil.fr",
        "company_name": "Moreau Conseil",
        "domain": "moreau-conseil.fr",
        "source": "webinar",
        "phone": "+33 6 12 34 56 78",
    }
    base.update(data)
    return lead_create(workspace=ws, actor=actor, data=base)


def test_a_lead_is_normalised_like_a_contact(scoped, owner):
    lead = new_lead(scoped, owner, domain="https://www.Moreau-Conseil.fr/")
    assert (lead.email, lead.phone, lead.domain) == (
        "ines@moreau-conseil.fr",
        "+33612345678",
        "moreau-conseil.fr",
    )
    with pytest.raises(ServiceValidationError) as exc:
        lead_create(workspace=scoped, actor=owner, data={"email": "nope", "status": "converted"})
    assert set(exc.value.as_dict()) == {"email", "status"}


def test_converting_a_new_lead_creates_contact_company_and_deal(scoped, owner):
    make_pipeline(scoped, owner)
    lead = new_lead(scoped, owner)
    result = lead_convert(workspace=scoped, actor=owner, lead=lead, deal={"amount": "12000"})
    assert result.contact_created and result.company_created
    assert result.contact.email == "ines@moreau-conseil.fr"
    assert result.contact.primary_company == result.company
    assert result.contact.lifecycle_stage == "sales_qualified"
    assert result.company is not None and result.company.domain == "moreau-conseil.fr"
    assert result.deal is not None and result.deal.company == result.company
    assert list(result.deal.contacts.all()) == [result.contact]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.converted_contact == result.contact


def test_conversion_links_to_an_existing_contact_and_company(scoped, owner):
    company = make_company(scoped, owner, name="Moreau SA", domain="moreau-conseil.fr")
    contact = make_contact(scoped, owner, emails=["ines@moreau-conseil.fr"])
    lead = new_lead(scoped, owner, domain="")
    result = lead_convert(workspace=scoped, actor=owner, lead=lead)
    assert (result.contact, result.contact_created) == (contact, False)
    assert (result.company, result.company_created) == (company, False)  # by the email's domain
    assert result.deal is None
    assert Contact.objects.count() == 1 and Company.objects.count() == 1


def test_a_lead_converts_only_once(scoped, owner):
    lead = new_lead(scoped, owner)
    lead_convert(workspace=scoped, actor=owner, lead=lead)
    with pytest.raises(ServiceValidationError, match="converted already"):
        lead_convert(workspace=scoped, actor=owner, lead=lead)
    assert Contact.objects.count() == 1
    with pytest.raises(ServiceValidationError):
        lead_update(workspace=scoped, actor=owner, lead=lead, data={"first_name": "X"})


def test_a_failed_conversion_changes_nothing(scoped, owner):
    lead = new_lead(scoped, owner)
    with pytest.raises(ServiceValidationError):  # no pipeline exists for the deal
        lead_convert(workspace=scoped, actor=owner, lead=lead, deal={"amount": "1"})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert not Contact.objects.exists() and not Company.objects.exists()
    assert not Deal.objects.exists()
    assert not AuditEntry.objects.filter(entity="contacts.contact").exists()


def test_disqualifying_needs_a_reason_and_blocks_conversion(scoped, owner):
    lead = new_lead(scoped, owner)
    with pytest.raises(ServiceValidationError):
        lead_disqualify(workspace=scoped, actor=owner, lead=lead, reason=" ")
    lead_disqualify(workspace=scoped, actor=owner, lead=lead, reason="Student")
    with pytest.raises(ServiceValidationError):
        lead_convert(workspace=scoped, actor=owner, lead=lead)


def test_conversion_rates_by_source(scoped, owner):
    converted = [
        new_lead(scoped, owner, email=f"a{i}@x.io", domain="", company_name="") for i in range(2)
    ]
    new_lead(scoped, owner, email="b@x.io", domain="", company_name="")
    new_lead(scoped, owner, email="c@x.io", source="referral", domain="", company_name="")
    results = [lead_convert(workspace=scoped, actor=owner, lead=lead) for lead in converted]
    contact_update(
        workspace=scoped,
        actor=owner,
        contact=results[0].contact,
        data={"lifecycle_stage": "customer"},
    )
    rows = {r["source"]: r for r in lead_conversion_by_source()}
    assert rows["webinar"]["leads"] == 3
    assert rows["webinar"]["converted"] == 2
    assert rows["webinar"]["customers"] == 1
    assert rows["webinar"]["conversion_rate"] == pytest.approx(2 / 3)
    assert rows["referral"]["conversion_rate"] == 0
