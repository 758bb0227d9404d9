"""What Rapport exports, it imports back: a workspace's contacts and companies, every field
(owner, communication preferences, revenue, parent, custom fields of every type) exported
with the real exporter and imported into a second workspace with the same members and
custom field definitions, field by field."""

from decimal import Decimal
from typing import Any

import pytest

from rapport.contacts.models import Company, Contact
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data import contact_bulk
from rapport.data.tests.test_imp18_values import _not_called
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add, user_create, workspace_create
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client

CUSTOM: list[dict[str, Any]] = [
    {"key": "tier", "label": "Tier", "field_type": "choice", "choices": ["Gold", "Silver"]},
    {"key": "areas", "label": "Areas", "field_type": "multi_choice", "choices": ["EU", "US, CA"]},
    {"key": "seats", "label": "Seats", "field_type": "number"},
    {"key": "score", "label": "Score", "field_type": "decimal"},
    {"key": "renewal", "label": "Renewal", "field_type": "date"},
    {"key": "vip", "label": "VIP", "field_type": "boolean"},
    {"key": "site", "label": "Site", "field_type": "url"},
    {"key": "billing", "label": "Billing email", "field_type": "email"},
    {"key": "notes", "label": "Notes", "field_type": "text"},
]
CUSTOM_VALUES = {
    "tier": "Gold",
    "areas": ["EU", "US, CA"],
    "seats": 1200,
    "score": "12.75",
    "renewal": "2025-03-04",
    "vip": True,
    "site": "https://acme.example/a?b=1",
    "billing": "ap@acme.example",
    "notes": "=1+1, a formula-looking note",
}


@pytest.fixture
def mia(workspace):
    user = user_create(username="mia", password="correct horse battery staple", email="m@x.io")
    membership_add(workspace=workspace, user=user, role="member")
    return user


@pytest.fixture
def second(owner, mia):
    """A workspace with the same members and custom field definitions."""
    ws = workspace_create(name="Second", owner=owner, default_region="US")
    membership_add(workspace=ws, user=mia, role="member")
    _define(ws, owner)
    return ws


def _define(workspace, actor):
    with workspace_scope(workspace):
        for entity in ("contact", "company"):
            for data in CUSTOM:
                custom_field_create(
                    workspace=workspace, actor=actor, data={**data, "entity": entity}
                )


def contacts_of(workspace):
    with workspace_scope(workspace):
        rows = Contact.objects.select_related("owner", "primary_company").order_by("email")
        return [
            {
                "name": (c.first_name, c.last_name),
                "email": c.email,
                "owner": c.owner.username if c.owner else None,
                "preferred_channel": c.preferred_channel,
                "do_not_email": c.do_not_email,
                "do_not_call": c.do_not_call,
                "lifecycle_stage": c.lifecycle_stage,
                "company": c.primary_company.name if c.primary_company else None,
                "custom_fields": c.custom_fields,
            }
            for c in rows
        ]


def companies_of(workspace):
    with workspace_scope(workspace):
        rows = Company.objects.select_related("owner", "parent").order_by("name")
        return [
            {
                "name": c.name,
                "domain": c.domain,
                "industry": c.industry,
                "size_band": c.size_band,
                "annual_revenue": c.annual_revenue,
                "annual_revenue_currency": c.annual_revenue_currency,
                "parent": c.parent.name if c.parent else None,
                "owner": c.owner.username if c.owner else None,
                "address": (c.street, c.city, c.region, c.postal_code, c.country),
                "external_id": c.external_id,
                "tags": sorted(t.name for t in c.tags.all()),
                "custom_fields": c.custom_fields,
            }
            for c in rows
        ]


def _export(client, entity, extension):
    response = client.get(f"/exports/{entity}.{extension}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("bulk", [False, True], ids=["row", "bulk"])
@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_contacts_exported_import_back_field_by_field(
    bulk, extension, owner_client, workspace, owner, mia, second, upload, run_import, monkeypatch
):
    _define(workspace, owner)
    with workspace_scope(workspace):
        make_contact(
            workspace,
            first_name="Ann",
            last_name="Lee",
            emails=["ann@acme.example"],
            owner_id=mia.pk,
            preferred_channel="sms",
            do_not_email=True,
            do_not_call=False,
            lifecycle_stage="customer",
            custom_fields=CUSTOM_VALUES,
        )
        make_contact(
            workspace,
            first_name="Bo",
            emails=["bo@acme.example"],
            owner_id=owner.pk,
            do_not_call=True,
            custom_fields={"vip": False, "seats": 0},
        )
    raw = _export(owner_client, "contacts", extension)
    if bulk:  # every row by the bulk writer (a failed insert would go down the row path)
        monkeypatch.setattr(contact_bulk, "_write_row", _not_called)

    batch = run_import(upload(second, raw, name=f"contacts.{extension}"), bulk=bulk)

    assert (batch.created, batch.failed) == (2, 0)
    assert contacts_of(second) == contacts_of(workspace)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_companies_exported_import_back_field_by_field(
    extension, owner_client, workspace, owner, mia, second, upload, run_import
):
    _define(workspace, owner)
    with workspace_scope(workspace):
        group = make_company(workspace, name="Acme Group", external_id="G-1", owner_id=owner.pk)
        make_company(
            workspace,
            name="Acme UK",
            domain="acme.co.uk",
            industry="Tools",
            size_band="1001-5000",
            annual_revenue=Decimal("1234567.50"),
            annual_revenue_currency="GBP",
            parent_id=group.pk,
            owner_id=mia.pk,
            street="1 Main St",
            city="London",
            region="Greater London",
            postal_code="SW1A 1AA",
            country="GB",
            external_id="UK-1",
            tags=["key account", "emea"],
            custom_fields=CUSTOM_VALUES,
        )
    raw = _export(owner_client, "companies", extension)

    batch = run_import(upload(second, raw, entity="companies", name=f"companies.{extension}"))

    assert (batch.created, batch.failed) == (2, 0)
    assert companies_of(second) == companies_of(workspace)
