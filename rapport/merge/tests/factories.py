"""Two contacts (or companies) and one row of every kind that points at them, each made
through its app's service, so a merge test sees what users create."""

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

from rapport.campaigns.tests.factories import campaign_receipt
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.feedback.services import nps_send
from rapport.marketing.optin import subscription_request_create
from rapport.marketing.services import consent_record, static_list_add, static_list_create
from rapport.merge.registry import relations_to
from rapport.portal.services import portal_link_request
from rapport.sales.leads import lead_convert, lead_create
from rapport.sales.models import Pipeline
from rapport.sales.scoring import contacts_rescore_now
from rapport.sales.services import deal_create, order_upsert
from rapport.sales.tests.factories import make_pipeline
from rapport.sequences.tests.factories import enrolled
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@dataclass
class Pair:
    survivor: Any
    other: Any


def pointing_at(record: models.Model) -> dict[str, list[int]]:
    """Per relation (app.model.field) to the record's model, the ids of rows pointing at it."""
    out = {}
    for relation in sorted(relations_to([type(record)])):
        app_label, model_name, field = relation.split(".")
        model = apps.get_model(app_label, model_name)
        ids = model._base_manager.filter(**{field: record.pk}).order_by("pk")
        out[relation] = list(ids.values_list("pk", flat=True))
    return out


def _deal(workspace: Workspace, actor: Any, **data: Any) -> Any:
    pipeline = Pipeline.objects.first() or make_pipeline(workspace, actor)
    return deal_create(
        workspace=workspace,
        actor=actor,
        data={"currency": "USD", "pipeline_id": pipeline.pk, **data},
    )


def _order(workspace: Workspace, actor: Any, **buyer: int) -> Any:
    line = {"description": "Widget", "quantity": 1, "unit_price": "10.00"}
    data = {**buyer, "currency": "USD", "lines": [line]}
    return order_upsert(workspace=workspace, actor=actor, data=data)


def contact_pair(workspace: Workspace, actor: Any) -> Pair:
    """Ann survives; Bob, merged into her, has a row of every kind that points at a contact."""
    acme = make_company(workspace, actor, name="Acme", domain="acme.io")
    globex = make_company(workspace, actor, name="Globex", domain="globex.io")
    ann = make_contact(
        workspace,
        actor,
        first_name="Ann",
        last_name="Lee",
        emails=["ann@acme.io", "shared@acme.io"],
        phones=["+14155550100"],
        company_ids=[acme.pk],
        tags=["vip"],
        job_title="CTO",
    )
    bob = make_contact(
        workspace,
        actor,
        first_name="Annie",
        last_name="Lee",
        emails=["annie@globex.io", "shared@acme.io"],
        phones=["+14155550199"],
        company_ids=[globex.pk, acme.pk],
        tags=["vip", "newsletter"],
        source="web form",
    )
    make_activity(workspace, actor, contact_ids=[bob.pk], subject="Call with Annie")
    make_activity(workspace, actor, contact_ids=[ann.pk, bob.pk], subject="Both at the demo")
    with workspace_scope(workspace):
        _deal(workspace, actor, name="Bob's deal", contacts=[{"id": bob.pk, "role": "user"}])
        _deal(workspace, actor, name="Shared deal", contacts=[ann.pk, bob.pk])
        _order(workspace, actor, contact_id=bob.pk)
        lead = lead_create(
            workspace=workspace,
            actor=actor,
            data={"first_name": "Annie", "email": "annie@globex.io"},
        )
        lead_convert(workspace=workspace, actor=actor, lead=lead)
        contacts_rescore_now(workspace=workspace, contact_ids=[bob.pk])
        nps_send(workspace=workspace, actor=actor, contact_ids=[bob.pk])
        portal_link_request(workspace=workspace, email="annie@globex.io", link_url=lambda t: t)
        consent_record(
            workspace=workspace,
            actor=actor,
            contact=bob,
            purpose="newsletter",
            status="opted_in",
            source="web form",
        )
        newsletter = static_list_create(workspace=workspace, actor=actor, data={"name": "Fair"})
        static_list_add(
            workspace=workspace, actor=actor, static_list=newsletter, contact_ids=[ann.pk, bob.pk]
        )
        subscription_request_create(
            workspace=workspace,
            static_list=newsletter,
            form_name="Fair signup",
            web_form_id=None,
            double_opt_in=False,
            data={"email": "annie@globex.io"},
            ip_address="192.0.2.7",
            user_agent="Kiosk",
        )
    make_ticket(workspace, actor, bob)
    campaign_receipt(workspace, actor, bob)
    enrolled(workspace, actor, bob)
    return Pair(ann, bob)


def company_pair(workspace: Workspace, actor: Any) -> Pair:
    """Acme survives; Acme Inc, merged into it, has a row of every kind pointing at a company."""
    acme = make_company(workspace, actor, name="Acme", domain="acme.io", tags=["key"])
    inc = make_company(
        workspace, actor, name="Acme Inc", domain="acme.com", industry="Rockets", tags=["key", "eu"]
    )
    make_company(workspace, actor, name="Acme Labs", parent_id=inc.pk)
    cy = make_contact(
        workspace, actor, first_name="Cy", emails=["cy@acme.com"], company_ids=[inc.pk]
    )
    both = make_contact(workspace, actor, first_name="Di", company_ids=[inc.pk, acme.pk])
    make_activity(workspace, actor, company_ids=[inc.pk], subject="Acme Inc kickoff")
    make_activity(workspace, actor, company_ids=[acme.pk, inc.pk], subject="Both companies")
    with workspace_scope(workspace):
        _deal(workspace, actor, name="Inc deal", company_id=inc.pk)
        _order(workspace, actor, company_id=inc.pk)
        lead = lead_create(
            workspace=workspace,
            actor=actor,
            data={"first_name": "Ed", "email": "ed@acme.com", "company_name": "Acme Inc"},
        )
        lead_convert(workspace=workspace, actor=actor, lead=lead)
    make_ticket(workspace, actor, cy)
    assert both.primary_company_id == inc.pk
    return Pair(acme, inc)


def fresh(record: Any) -> Any:
    model = type(record)
    return model._base_manager.filter(pk=record.pk).first()
