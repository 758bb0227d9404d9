"""Writes on templates and campaigns, and what recipients do with the messages they got."""

import datetime as dt
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rapport.audit.context import audit_source
from rapport.audit.models import AuditAction
from rapport.audit.services import audit_change, audit_record, diff, snapshot
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    EmailTemplate,
    EventKind,
    Recipient,
    Suppression,
    SuppressionReason,
    TrackingEvent,
)
from rapport.campaigns.rendering import template_check
from rapport.campaigns.sending import campaign_queue
from rapport.contacts.models import Contact
from rapport.contacts.services import (
    Actor,
    Data,
    _Collector,
    _in_workspace,
    _text,
    _unknown_keys,
)
from rapport.core.errors import ServiceValidationError
from rapport.core.money import amount_clean, currency_clean
from rapport.marketing.models import ConsentPurpose, ConsentStatus, Segment, StaticList
from rapport.marketing.queries import segment_members, static_list_members
from rapport.marketing.services import consent_record, static_lists_hold
from rapport.sales.unlinked_campaigns import leads_link_campaign
from rapport.tenancy.models import Workspace

TEMPLATE_FIELDS = {"name": 120, "subject": 250, "body_html": 200_000, "body_text": 100_000}
CAMPAIGN_TEXT = {"name": 150, "from_email": 254}
CAMPAIGN_FIELDS = [
    "name",
    "template_id",
    "from_email",
    "currency",
    "budget",
    "cost",
    "segment_id",
    "static_list_id",
    "scheduled_at",
]


def _template_clean(data: Data, *, creating: bool) -> Data:
    c = _Collector()
    _unknown_keys(data, TEMPLATE_FIELDS, c)
    clean = {k: _text(data, k, limit, c) for k, limit in TEMPLATE_FIELDS.items() if k in data}
    for required in ("name", "subject"):
        if (creating or required in data) and not clean.get(required):
            c.add(required, "is required")
    c.raise_if_any()
    template_check({k: v for k, v in clean.items() if k != "name" and v is not None})
    return clean


def template_create(*, workspace: Workspace, actor: Actor, data: Data) -> EmailTemplate:
    clean = _template_clean(data, creating=True)
    if not clean.get("body_html") and not clean.get("body_text"):
        raise ServiceValidationError.single("body_text", "a template needs an HTML or text body")
    with transaction.atomic():
        template = EmailTemplate(workspace=workspace, **clean)
        _save_unique_name(template)
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=template,
            changes=diff({}, snapshot(template, TEMPLATE_FIELDS)),
        )
    return template


def template_update(
    *, workspace: Workspace, actor: Actor, template: EmailTemplate, data: Data
) -> EmailTemplate:
    clean = _template_clean(data, creating=False)
    with transaction.atomic():
        before = snapshot(template, TEMPLATE_FIELDS)
        for name, value in clean.items():
            setattr(template, name, value)
        if not template.body_html and not template.body_text:
            raise ServiceValidationError.single(
                "body_text", "a template needs an HTML or text body"
            )
        _save_unique_name(template)
        audit_change(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=template,
            before=before,
            after=snapshot(template, TEMPLATE_FIELDS),
        )
    return template


def _save_unique_name(obj: EmailTemplate) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ServiceValidationError.single("name", "is already used by another template") from exc


def _campaign_clean(data: Data, *, creating: bool) -> Data:
    c = _Collector()
    _unknown_keys(data, CAMPAIGN_FIELDS, c)
    clean: dict[str, Any] = {
        k: _text(data, k, limit, c) for k, limit in CAMPAIGN_TEXT.items() if k in data
    }
    if (creating or "name" in data) and not clean.get("name"):
        c.add("name", "is required")
    if creating or "template_id" in data:
        if data.get("template_id") is None:
            c.add("template_id", "is required")
        else:
            clean["template"] = _in_workspace(EmailTemplate, data["template_id"], "template_id", c)
    for name, model in (("segment_id", Segment), ("static_list_id", StaticList)):
        if name in data:
            clean[name.removesuffix("_id")] = _in_workspace(model, data[name], name, c)
    if "scheduled_at" in data:
        when = data["scheduled_at"]
        if when is not None and (not isinstance(when, dt.datetime) or timezone.is_naive(when)):
            c.add("scheduled_at", "must be a date and time with a time zone")
        clean["scheduled_at"] = when
    if "currency" in data:
        clean["currency"] = c.run(lambda: currency_clean(data["currency"]))
    for money in ("budget", "cost"):  # 14-digit columns: 11 whole digits (`core.money`)
        if money in data:
            clean[money] = c.run(partial(amount_clean, data[money], field=money, whole_digits=11))
    c.raise_if_any()
    return clean


CAMPAIGN_AUDITED = [
    "name",
    "template",
    "from_email",
    "segment",
    "static_list",
    "scheduled_at",
    "currency",
    "budget",
    "cost",
    "status",
]


def _list_hold(workspace: Workspace, clean: Data) -> None:
    chosen = clean.get("static_list")
    if chosen is not None:
        static_lists_hold(workspace=workspace, list_ids=[chosen.pk], field="static_list_id")


def campaign_create(*, workspace: Workspace, actor: Actor, data: Data) -> Campaign:
    clean = _campaign_clean(data, creating=True)
    clean.setdefault("currency", workspace.base_currency)
    with transaction.atomic():
        _list_hold(workspace, clean)
        campaign = Campaign.objects.create(
            workspace=workspace,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            **clean,
        )
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=campaign,
            changes=diff({}, snapshot(campaign, CAMPAIGN_AUDITED)),
        )
        # Leads that named the campaign before it existed are its own now.
        leads_link_campaign(workspace=workspace, actor=actor, campaign=campaign)
    return campaign


def _campaign_change(
    workspace: Workspace, actor: Actor, campaign: Campaign, values: dict[str, Any]
) -> Campaign:
    before = snapshot(campaign, CAMPAIGN_AUDITED)
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.save()
    audit_change(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.UPDATE,
        instance=campaign,
        before=before,
        after=snapshot(campaign, CAMPAIGN_AUDITED),
    )
    return campaign


def campaign_update(
    *, workspace: Workspace, actor: Actor, campaign: Campaign, data: Data
) -> Campaign:
    clean = _campaign_clean(data, creating=False)
    editable_after_send = {"cost", "budget", "currency", "name"}
    if campaign.status != CampaignStatus.DRAFT and clean.keys() - editable_after_send:
        field = sorted(clean.keys() - editable_after_send)[0]
        raise ServiceValidationError.single(field, "cannot change once the campaign has started")
    with transaction.atomic():
        renamed = "name" in clean and clean["name"] != campaign.name
        _list_hold(workspace, clean)
        _campaign_change(workspace, actor, campaign, clean)
        if renamed:
            leads_link_campaign(workspace=workspace, actor=actor, campaign=campaign)
    return campaign


def campaign_audience(*, workspace: Workspace, campaign: Campaign) -> QuerySet[Contact]:
    if campaign.segment is not None:
        return segment_members(workspace=workspace, segment=campaign.segment)
    if campaign.static_list is not None:
        return static_list_members(static_list=campaign.static_list)
    raise ServiceValidationError.single("segment_id", "choose a segment or a list to send to")


def campaign_start(
    *,
    workspace: Workspace,
    actor: Actor,
    campaign: Campaign,
    audience: QuerySet[Contact] | None = None,
) -> int:
    """Write the recipients (the campaign's segment or list unless `audience` is given) and
    hand the sending to the background worker, now or at `scheduled_at`; returns how many
    recipients were written."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if audience is None:
            audience = campaign_audience(workspace=workspace, campaign=campaign)
        added = campaign_queue(workspace=workspace, campaign=campaign, contacts=audience)
        _campaign_change(workspace, actor, campaign, {"status": CampaignStatus.SCHEDULED})
        if campaign.scheduled_at is None or campaign.scheduled_at <= timezone.now():
            transaction.on_commit(partial(campaign_send_enqueue, campaign))
    return added


def campaign_send_enqueue(campaign: Campaign) -> None:
    """Queue RAPPORT_CAMPAIGN_SEND_TASKS sends of the campaign: free workers share it."""
    from rapport.campaigns.tasks import campaign_send_task

    for _ in range(settings.RAPPORT_CAMPAIGN_SEND_TASKS):
        campaign_send_task.enqueue(campaign.workspace_id, campaign.pk)


def campaign_cancel(*, workspace: Workspace, actor: Actor, campaign: Campaign) -> Campaign:
    if campaign.status in (CampaignStatus.SENT, CampaignStatus.CANCELLED):
        raise ServiceValidationError.single("status", f"a {campaign.status} campaign cannot stop")
    if campaign.sequence_id is not None:
        raise ServiceValidationError.single("status", "pause its sequence to stop this email")
    with transaction.atomic():
        return _campaign_change(workspace, actor, campaign, {"status": CampaignStatus.CANCELLED})


# --- what recipients do --------------------------------------------------------------------


def _event(recipient: Recipient, kind: str, *, url: str = "", detail: str = "") -> TrackingEvent:
    return TrackingEvent.objects.create(
        workspace_id=recipient.workspace_id,
        recipient=recipient,
        campaign_id=recipient.campaign_id,
        contact_id=recipient.contact_id,
        kind=kind,
        url=url,
        detail=detail[:250],
        at=timezone.now(),
    )


def recipient_opened(*, recipient: Recipient) -> TrackingEvent:
    return _event(recipient, EventKind.OPEN)


def recipient_clicked(*, recipient: Recipient, url: str) -> TrackingEvent:
    return _event(recipient, EventKind.CLICK, url=url)


def _suppress(recipient: Recipient, reason: str, detail: str) -> TrackingEvent:
    """Suppress the address for every later campaign, once; the change is audited."""
    with transaction.atomic(), audit_source("campaign"):
        suppression, created = Suppression.objects.get_or_create(
            workspace_id=recipient.workspace_id,
            email=recipient.email,
            defaults={"reason": reason, "campaign_id": recipient.campaign_id},
        )
        if created:
            audit_record(
                workspace_id=recipient.workspace_id,
                actor=None,
                action=AuditAction.CREATE,
                instance=suppression,
                changes=diff({}, snapshot(suppression, ["email", "reason"])),
            )
        return _event(recipient, reason, detail=detail)


def recipient_unsubscribed(*, recipient: Recipient) -> TrackingEvent:
    """Suppressed for every later campaign, and the opt-out joins the contact's consent
    history (the record a data protection officer asks for)."""
    with transaction.atomic():
        event = _suppress(recipient, SuppressionReason.UNSUBSCRIBE, "")
        with audit_source("campaign"):
            consent_record(
                workspace=recipient.workspace,
                actor=None,
                contact=recipient.contact,
                purpose=ConsentPurpose.EMAIL_MARKETING,
                status=ConsentStatus.OPTED_OUT,
                source="unsubscribe link",
                note=f"campaign “{recipient.campaign.name}”"[:500],
            )
    return event


def recipient_bounced(*, recipient: Recipient, detail: str) -> TrackingEvent:
    return _suppress(recipient, SuppressionReason.BOUNCE, detail)


def recipient_soft_bounced(*, recipient: Recipient, detail: str) -> TrackingEvent:
    """A temporary failure: on the timeline, but the address stays mailable."""
    return _event(recipient, EventKind.SOFT_BOUNCE, detail=detail)
