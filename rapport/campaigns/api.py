"""Email campaigns over `/api/v1/campaigns/`: templates (with a preview as a contact),
campaigns, cancelling one, and its report with first- and last-touch attribution.

Writes need the write scope. Sending starts from a segment or a list (see `start`); what a
recipient does arrives through the links in the message, not through this API.
"""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from rapport.api.permissions import READ, WRITE, caller
from rapport.api.records import PathId, RecordId, WriteSchema
from rapport.campaigns.models import Campaign, CampaignStatus, EmailTemplate
from rapport.campaigns.queries import (
    campaign_get,
    campaign_list,
    campaign_report,
    template_get,
    template_list,
    template_preview,
)
from rapport.campaigns.rendering import MERGE_FIELDS
from rapport.campaigns.services import (
    campaign_cancel,
    campaign_create,
    campaign_start,
    campaign_update,
    template_create,
    template_update,
)
from rapport.contacts.queries import contact_get
from rapport.sales.unlinked_campaigns import leads_link_campaign

router = Router(tags=["campaigns"])


class TemplateUpdate(WriteSchema):
    name: str | None = None
    subject: str | None = Field(
        None, description="Jinja merge fields, e.g. {{ contact.first_name }}"
    )
    body_html: str | None = Field(None, description="HTML; merge values are escaped")
    body_text: str | None = None


class TemplateCreate(TemplateUpdate):
    name: str
    subject: str


class TemplateOut(Schema):
    id: int
    name: str
    subject: str
    body_html: str
    body_text: str
    updated_at: dt.datetime


class PreviewIn(WriteSchema):
    contact_id: RecordId
    subject: str | None = Field(
        None, description="unsaved text to preview; the template's if omitted"
    )
    body_html: str | None = None
    body_text: str | None = None


class PreviewOut(Schema):
    subject: str
    body_html: str
    body_text: str
    merge_fields: list[str]


@router.get("/templates", response=list[TemplateOut], auth=READ)
def list_templates(request: HttpRequest) -> list[EmailTemplate]:
    return list(template_list())


@router.post("/templates", response={201: TemplateOut}, auth=WRITE)
def create_template(request: HttpRequest, payload: TemplateCreate) -> Status[EmailTemplate]:
    c = caller(request)
    return Status(
        201, template_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    )


@router.get("/templates/{int:template_id}", response=TemplateOut, auth=READ)
def get_template(request: HttpRequest, template_id: PathId) -> EmailTemplate:
    return template_get(template_id=template_id)


@router.patch("/templates/{int:template_id}", response=TemplateOut, auth=WRITE)
def update_template(
    request: HttpRequest, template_id: PathId, payload: TemplateUpdate
) -> EmailTemplate:
    c = caller(request)
    template = template_get(template_id=template_id)
    return template_update(
        workspace=c.workspace, actor=c.actor, template=template, data=payload.service_data()
    )


@router.post("/templates/{int:template_id}/preview", response=PreviewOut, auth=READ)
def preview_template(request: HttpRequest, template_id: PathId, payload: PreviewIn) -> dict:
    """The message as the contact would get it (links untracked); unsaved text may be sent."""
    template = template_get(template_id=template_id)
    data = payload.service_data()
    parts = {
        name: data.get(name, getattr(template, name)) or ""
        for name in ("subject", "body_html", "body_text")
    }
    mail = template_preview(
        workspace=caller(request).workspace,
        parts=parts,
        contact=contact_get(contact_id=payload.contact_id),
    )
    return {**mail.__dict__, "merge_fields": MERGE_FIELDS}


class CampaignUpdate(WriteSchema):
    name: str | None = None
    template_id: RecordId | None = None
    from_email: str | None = None
    currency: str | None = Field(
        None, description="of budget and cost; the base currency if omitted"
    )
    budget: Decimal | None = None
    cost: Decimal | None = None
    segment_id: RecordId | None = Field(None, description="send to this segment's members")
    static_list_id: RecordId | None = Field(None, description="or to this list's members")
    scheduled_at: dt.datetime | None = Field(None, description="send then; now if empty")


class CampaignCreate(CampaignUpdate):
    name: str
    template_id: RecordId


class CampaignOut(Schema):
    id: int
    name: str
    template_id: int
    status: CampaignStatus
    from_email: str
    currency: str
    budget: Decimal
    cost: Decimal
    segment_id: int | None
    static_list_id: int | None
    scheduled_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_at: dt.datetime


class AttributionOut(Schema):
    deals: int
    revenue: Decimal
    roi: Decimal | None = Field(description="(revenue − cost) / cost; null without a cost")


class ReportOut(Schema):
    recipients: int
    skipped: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    unsubscribed: int
    bounced: int
    leads: int
    cost: Decimal = Field(description="in the base currency")
    base_currency: str
    first_touch: AttributionOut
    last_touch: AttributionOut


@router.get("/campaigns", response=list[CampaignOut], auth=READ)
def list_campaigns(request: HttpRequest) -> list[Campaign]:
    return list(campaign_list())


@router.post("/campaigns", response={201: CampaignOut}, auth=WRITE)
def create_campaign(request: HttpRequest, payload: CampaignCreate) -> Status[Campaign]:
    c = caller(request)
    return Status(
        201, campaign_create(workspace=c.workspace, actor=c.actor, data=payload.service_data())
    )


@router.get("/campaigns/{int:campaign_id}", response=CampaignOut, auth=READ)
def get_campaign(request: HttpRequest, campaign_id: PathId) -> Campaign:
    return campaign_get(campaign_id=campaign_id)


@router.patch("/campaigns/{int:campaign_id}", response=CampaignOut, auth=WRITE)
def update_campaign(request: HttpRequest, campaign_id: PathId, payload: CampaignUpdate) -> Campaign:
    """Name, budget and cost change at any time; the rest only while a draft."""
    c = caller(request)
    campaign = campaign_get(campaign_id=campaign_id)
    return campaign_update(
        workspace=c.workspace, actor=c.actor, campaign=campaign, data=payload.service_data()
    )


class StartOut(Schema):
    recipients: int = Field(description="rows written, skipped ones included (see the report)")
    campaign: CampaignOut


@router.post("/campaigns/{int:campaign_id}/start", response=StartOut, auth=WRITE)
def start_campaign(request: HttpRequest, campaign_id: PathId) -> dict:
    """Writes the recipients from the segment or list, then sends in the background, now or
    at `scheduled_at`. Contacts without an email-marketing opt-in, marked do-not-email,
    unsubscribed or bounced before are skipped, with the reason kept."""
    c = caller(request)
    campaign = campaign_get(campaign_id=campaign_id)
    added = campaign_start(workspace=c.workspace, actor=c.actor, campaign=campaign)
    return {"recipients": added, "campaign": campaign_get(campaign_id=campaign_id)}


@router.post("/campaigns/{int:campaign_id}/cancel", response=CampaignOut, auth=WRITE)
def cancel_campaign(request: HttpRequest, campaign_id: PathId) -> Campaign:
    """Stops a sending campaign after its current batch; what was sent stays sent."""
    c = caller(request)
    campaign = campaign_get(campaign_id=campaign_id)
    return campaign_cancel(workspace=c.workspace, actor=c.actor, campaign=campaign)


class LinkedOut(Schema):
    linked: int = Field(description="leads linked by this call; 0 when none was left")


@router.post("/campaigns/{int:campaign_id}/link-leads", response=LinkedOut, auth=WRITE)
def link_leads(request: HttpRequest, campaign_id: PathId) -> dict:
    """Links the leads whose campaign is only a name (one no campaign matched when they came
    in) equal to this campaign's, case and surrounding spaces aside; each audited."""
    c = caller(request)
    campaign = campaign_get(campaign_id=campaign_id)
    return {"linked": leads_link_campaign(workspace=c.workspace, actor=c.actor, campaign=campaign)}


@router.get("/campaigns/{int:campaign_id}/report", response=ReportOut, auth=READ)
def get_report(request: HttpRequest, campaign_id: PathId) -> dict:
    report = campaign_report(
        workspace=caller(request).workspace, campaign=campaign_get(campaign_id=campaign_id)
    )
    a, roi = report.attributed, report.roi
    return {
        **{k: getattr(report, k) for k in ReportOut.model_fields if hasattr(report, k)},
        "cost": report.cost_in_base,
        "first_touch": {
            "deals": a.first_touch_deals,
            "revenue": a.first_touch_revenue,
            "roi": roi["first_touch"],
        },
        "last_touch": {
            "deals": a.last_touch_deals,
            "revenue": a.last_touch_revenue,
            "roi": roi["last_touch"],
        },
    }
