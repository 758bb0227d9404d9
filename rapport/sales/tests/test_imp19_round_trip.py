"""What Rapport exports, it imports back: a workspace's leads and deals, every field
exported with the real exporter and imported into a second workspace with the same members,
pipelines and campaigns, field by field; and an owner named in a sales import as in every
import (username, email or full name)."""

from decimal import Decimal
from typing import Any

import pytest

from rapport.campaigns.tests.factories import make_campaign
from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data.exports import exporter_get
from rapport.data.importers import importer_get, mapping_suggest
from rapport.sales.leads import lead_create, lead_disqualify
from rapport.sales.models import Deal, Lead, Order, OrderLine, Pipeline
from rapport.sales.services import deal_create, order_upsert, product_create
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.sales.tests.test_importers import _errors, _import, _undo
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add, user_create, workspace_create
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client

RENEWALS: list[dict[str, Any]] = [
    {"name": "Talk", "probability": 30},
    {"name": "Renewed", "outcome": "won"},
    {"name": "Churned", "outcome": "lost"},
]


@pytest.fixture
def mia(workspace):
    user = user_create(
        username="mia",
        password="correct horse battery staple",
        email="m@x.io",
        first_name="Mia",
        last_name="Wong",
    )
    membership_add(workspace=workspace, user=user, role="member")
    return user


def _set_up(workspace, owner):
    """The pipelines and campaign a workspace's leads and deals name."""
    with workspace_scope(workspace):
        make_pipeline(workspace, owner)
        make_pipeline(workspace, owner, "Renewals", RENEWALS)
    return make_campaign(workspace, owner, name="Spring")


@pytest.fixture
def second(owner, mia):
    """A workspace with the same members, pipelines and campaign."""
    ws = workspace_create(name="Second", owner=owner, default_region="US")
    membership_add(workspace=ws, user=mia, role="member")
    return ws


def _export(client, entity):
    response = client.get(f"/exports/{entity}.csv")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def leads_of(workspace):
    with workspace_scope(workspace):
        rows = Lead.objects.select_related("owner", "campaign").order_by("email")
        return [
            {
                "name": (x.first_name, x.last_name),
                "contact": (x.email, x.phone, x.job_title),
                "company": (x.company_name, x.domain),
                "source": x.source,
                "external_id": x.external_id,
                "message": x.message,
                "status": (x.status, x.disqualify_reason),
                "owner": x.owner.username if x.owner else None,
                "campaign": (x.campaign.name if x.campaign else None, x.campaign_name),
            }
            for x in rows
        ]


def test_leads_exported_import_back_field_by_field(owner_client, workspace, owner, mia, second):
    spring = _set_up(workspace, owner)
    with workspace_scope(workspace):
        lead_create(
            workspace=workspace,
            actor=owner,
            data={
                "first_name": "Ann",
                "last_name": "Lee",
                "email": "ann@acme.example",
                "phone": "+44 20 7946 0000",
                "job_title": "CTO",
                "company_name": "Acme",
                "domain": "acme.example",
                "source": "Web",
                "external_id": "L-1",
                "message": "Call me, please",
                "status": "working",
                "owner_id": mia.pk,
                "campaign_id": spring.pk,
            },
        )
        lead_create(
            workspace=workspace,
            actor=owner,
            data={"first_name": "Bo", "email": "bo@acme.example", "owner_id": owner.pk},
            unlinked_campaign="Old fair",
        )
        cy = lead_create(workspace=workspace, actor=owner, data={"email": "cy@acme.example"})
        lead_disqualify(workspace=workspace, actor=owner, lead=cy, reason="No budget")
    _set_up(second, owner)
    text = _export(owner_client, "leads")

    batch = _import(second, owner, "leads", text)

    assert (batch.created, batch.failed, _errors(batch)) == (3, 0, [])
    assert leads_of(second) == leads_of(workspace)


def deals_of(workspace):
    with workspace_scope(workspace):
        rows = Deal.objects.select_related("owner", "campaign", "company", "pipeline", "stage")
        return [
            {
                "name": d.name,
                "money": (d.amount, d.currency),
                "expected_close_date": d.expected_close_date,
                "where": (d.pipeline.name, d.stage.name, d.outcome),
                "closed": d.closed_at is not None,
                "company": (d.company.name, d.company.domain) if d.company else None,
                "owner": d.owner.username if d.owner else None,
                "campaign": d.campaign.name if d.campaign else None,
                "external_id": d.external_id,
                "forecast_category": d.forecast_category,
                "lost_reason": d.lost_reason,
                "next_step": d.next_step,
            }
            for d in rows.order_by("name")
        ]


def test_deals_exported_import_back_field_by_field(owner_client, workspace, owner, mia, second):
    spring = _set_up(workspace, owner)
    with workspace_scope(workspace):
        renewals = Pipeline.objects.get(name="Renewals")
        new_business = stage_ids(Pipeline.objects.get(name="New business"))
        acme = make_company(workspace, name="Acme", domain="acme.example")
        deal_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": "Big deal",
                "amount": "12500.50",
                "currency": "EUR",
                "expected_close_date": "2025-03-04",
                "stage_id": new_business["Proposal"],
                "company_id": acme.pk,
                "owner_id": mia.pk,
                "campaign_id": spring.pk,
                "external_id": "D-1",
                "forecast_category": "best_case",
                "next_step": "Send the quote",
            },
        )
        deal_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": "Renewal",
                "amount": "99",
                "pipeline_id": renewals.pk,
                "stage_id": stage_ids(renewals)["Renewed"],
            },
        )
        deal_create(
            workspace=workspace,
            actor=owner,
            data={
                "name": "Gone",
                "amount": "1",
                "stage_id": new_business["Lost"],
                "lost_reason": "Price",
                "owner_id": owner.pk,
            },
        )
    _set_up(second, owner)
    text = _export(owner_client, "deals")

    batch = _import(second, owner, "deals", text)

    assert (batch.created, batch.failed, _errors(batch)) == (3, 0, [])
    assert deals_of(second) == deals_of(workspace)


def test_a_sales_import_names_an_owner_as_every_import_does(workspace, owner, mia):
    """Username (Rapport's export), email or full name, without case; a full name two
    members share is refused, never guessed; the error names the owner's column."""
    twin = user_create(username="mia2", password="x" * 20, first_name="Mia", last_name="Wong")
    text = (
        "Email,Lead owner\n"
        "a@x.io,MIA\n"
        "b@x.io,M@X.IO\n"
        "c@x.io,olivia\n"
        "d@x.io,mia wong\n"
        "e@x.io,ghost\n"
    )
    membership_add(workspace=workspace, user=twin, role="member")

    batch = _import(workspace, owner, "leads", text)

    assert (batch.created, batch.failed) == (3, 2)
    assert _errors(batch) == [
        (5, "Lead owner", "'mia wong' names several members of this workspace"),
        (6, "Lead owner", "no member 'ghost' in this workspace"),
    ]
    with workspace_scope(workspace):
        owners = dict(Lead.objects.values_list("email", "owner__username"))
    assert owners == {"a@x.io": "mia", "b@x.io": "mia", "c@x.io": "olivia"}


def test_a_deal_owner_is_read_by_username(workspace, owner, mia):
    with workspace_scope(workspace):
        make_pipeline(workspace, owner)

    batch = _import(workspace, owner, "deals", "Deal name,Deal owner\nBig,mia\n")

    assert (batch.created, _errors(batch)) == (1, [])
    with workspace_scope(workspace):
        assert Deal.objects.get().owner == mia


def test_a_lead_disqualified_by_an_update_is_undone(workspace, owner):
    with workspace_scope(workspace):
        lead = lead_create(
            workspace=workspace, actor=owner, data={"email": "a@x.io", "status": "working"}
        )
    text = "Email,Status,Disqualify reason\na@x.io,Disqualified,No budget\nb@x.io,Disqualified,\n"

    batch = _import(workspace, owner, "leads", text, mode="update")

    assert (batch.updated, batch.failed) == (1, 1)
    assert _errors(batch) == [(3, "Status", "a disqualified lead needs a disqualify reason")]
    with workspace_scope(workspace):
        lead.refresh_from_db()
        assert (lead.status, lead.disqualify_reason) == ("disqualified", "No budget")
    _undo(batch, owner)
    with workspace_scope(workspace):
        lead.refresh_from_db()
        # (the reason the import set is cleared too: imp20)
        assert (lead.status, lead.disqualify_reason) == ("working", "")


def test_a_converted_lead_is_not_imported_as_converted(workspace, owner):
    """Converted is what `lead_convert` makes a lead, with its contact and deal."""
    batch = _import(workspace, owner, "leads", "Email,Status\na@x.io,converted\n")

    assert _errors(batch) == [(2, "Status", "'converted' cannot be imported as a status")]


def orders_of(workspace):
    with workspace_scope(workspace):
        rows = Order.objects.select_related("contact", "company").order_by("external_id")
        return [
            {
                "external_id": o.external_id,
                "ordered_at": o.ordered_at,
                "status": (o.status, o.channel),
                "money": (o.total, o.currency),
                "contact": o.contact.email if o.contact else None,
                "company": o.company.name if o.company else None,
            }
            for o in rows
        ]


def test_orders_exported_import_back_field_by_field(owner_client, workspace, owner, second):
    """Every order field; the export writes a row per line, so an order comes back with its
    lines (imp20)."""
    for ws in (workspace, second):
        with workspace_scope(ws):
            make_contact(ws, owner, first_name="Ann", emails=["ann@acme.example"])
            make_company(ws, owner, name="Acme", domain="acme.example")
            product_create(workspace=ws, actor=owner, data={"sku": "GEN-1", "name": "Gen"})
    with workspace_scope(workspace):
        ann = Contact.objects.get()
        acme = Company.objects.get()
        order_upsert(
            workspace=workspace,
            actor=owner,
            data={
                "external_id": "SO-1",
                "ordered_at": "2024-12-31T10:30:00+00:00",
                "status": "refunded",
                "channel": "ecommerce",
                "currency": "EUR",
                "contact_id": ann.pk,
                "lines": [{"sku": "GEN-1", "quantity": "2", "unit_price": "1000.00"}],
            },
        )
        order_upsert(
            workspace=workspace,
            actor=owner,
            data={
                "external_id": "SO-2",
                "ordered_at": "2025-01-02T08:00:00+00:00",
                "company_id": acme.pk,
                "lines": [
                    {"sku": "GEN-1", "quantity": "1", "unit_price": "10.00"},
                    {"description": "Setup", "quantity": "1.5", "unit_price": "20.00"},
                ],
            },
        )
    text = _export(owner_client, "orders")

    batch = _import(second, owner, "orders", text)

    assert (batch.created, batch.failed, _errors(batch)) == (2, 0, [])
    assert orders_of(second) == orders_of(workspace)
    with workspace_scope(second):
        lines = OrderLine.objects.order_by("order__external_id", "id")
        assert [(ln.sku, ln.quantity, ln.unit_price) for ln in lines] == [
            ("GEN-1", 2, Decimal("1000.00")),
            ("GEN-1", 1, Decimal("10.00")),
            ("", Decimal("1.5"), Decimal("20.00")),
        ]


@pytest.mark.parametrize(
    ("entity", "not_imported"),
    [
        ("leads", {"id", "score", "created_at"}),
        ("deals", {"id", "outcome", "created_at", "closed_at"}),
        ("orders", {"id", "contact_first_name", "contact_last_name"}),
        ("products", {"id"}),
    ],
)
def test_every_exported_column_but_the_computed_ones_is_suggested_by_its_header(
    entity, not_imported
):
    """Each column the export writes maps to the import field of its name, so a column
    added to an export without an import field to read it shows here."""
    headers = [c.header for c in exporter_get(entity).columns()]

    mapping = mapping_suggest(importer_get(entity), headers)

    assert set(headers) - set(mapping) == not_imported
    assert {h: f for h, f in mapping.items() if h != f} == {}
