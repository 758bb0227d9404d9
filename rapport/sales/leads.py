"""Leads: capture (by hand, API, public web form), disqualification and conversion."""

import logging
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record, audited_delete, audited_update, diff, snapshot
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Company, Contact, ContactEmail, LifecycleStage
from rapport.contacts.normalise import (
    domain_normalise,
    email_normalise,
    name_normalise,
    phone_normalise,
)
from rapport.contacts.services import (
    Actor,
    Data,
    _Collector,
    _external_id,
    _in_workspace,
    _owner,
    _text,
    _unknown_keys,
    company_create,
    contact_create,
)
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import StaticList
from rapport.marketing.optin import web_form_subscribe
from rapport.marketing.services import static_lists_hold
from rapport.sales.campaign_link import campaign_id_clean
from rapport.sales.models import Deal, Lead, LeadStatus, WebForm
from rapport.sales.scoring import lead_score
from rapport.sales.services import deal_create
from rapport.tenancy.models import Workspace

logger = logging.getLogger(__name__)

LEAD_TEXT = {
    "first_name": 100,
    "last_name": 100,
    "job_title": 150,
    "company_name": 200,
    "source": 100,
    "message": 5000,
}
LEAD_FIELDS = [
    *LEAD_TEXT,
    "external_id",
    "email",
    "phone",
    "domain",
    "owner_id",
    "status",
    "campaign_id",
]
LEAD_AUDITED = [
    *LEAD_TEXT,
    "external_id",
    "email",
    "phone",
    "domain",
    "owner",
    "status",
    "disqualify_reason",
    "campaign",
    "campaign_name",
]
# Statuses a person may set by hand; "converted" only comes from lead_convert.
SETTABLE_STATUSES = [LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING, LeadStatus.QUALIFIED]


def _lead_clean(*, workspace: Workspace, data: Data, lead: Lead | None) -> Data:
    c = _Collector()
    _unknown_keys(data, LEAD_FIELDS, c)
    clean: Data = {}
    for name, limit in LEAD_TEXT.items():
        if name in data:
            clean[name] = _text(data, name, limit, c)
    for name in ("first_name", "last_name"):
        if clean.get(name):
            clean[name] = name_normalise(clean[name])
    if "external_id" in data:
        clean["external_id"] = _external_id(workspace, Lead, data, lead, c)
    # An empty value clears the field (an import's undo puts an empty email back).
    region = workspace.default_region
    for name, normalise in (
        ("email", email_normalise),
        ("phone", partial(phone_normalise, region=region)),
        ("domain", domain_normalise),
    ):
        if name in data:
            raw = str(data[name] or "")
            clean[name] = c.run(partial(normalise, raw)) if raw else ""
    if "owner_id" in data:
        clean["owner_id"] = _owner(workspace, data, c)
    if "campaign_id" in data:
        clean["campaign_id"] = campaign_id_clean(workspace, data["campaign_id"], c)
    if "status" in data:
        if data["status"] not in SETTABLE_STATUSES:
            c.add("status", f"must be one of {', '.join(SETTABLE_STATUSES)}")
        clean["status"] = data["status"]
    has_name = (
        clean.get("first_name")
        or clean.get("last_name")
        or (lead and (lead.first_name or lead.last_name))
    )
    if not (has_name or clean.get("email") or (lead and lead.email)) and not c.errors:
        c.add("email", "a lead needs an email or a name")
    c.raise_if_any()
    return clean


def _apply_score(lead: Lead) -> None:
    score = lead_score(lead)
    lead.score, lead.score_reasons = score.total, score.reasons


def lead_create(
    *, workspace: Workspace, actor: Actor, data: Data, unlinked_campaign: str = ""
) -> Lead:
    """`unlinked_campaign`: a campaign the lead was said to come from that matched none (kept
    as its `campaign_name`, for "Link now"); only Rapport's own callers give one."""
    clean = _lead_clean(workspace=workspace, data=data, lead=None)
    with transaction.atomic():
        lead = Lead(workspace=workspace, campaign_name=unlinked_campaign[:100], **clean)
        _apply_score(lead)
        lead.save()
        after = {k: v for k, v in snapshot(lead, LEAD_AUDITED).items() if v not in ("", None)}
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=lead,
            changes=diff({}, after),
        )
    return lead


def _lead_change(workspace: Workspace, actor: Actor, lead: Lead, values: Data) -> Lead:
    with transaction.atomic():
        before = snapshot(lead, LEAD_AUDITED)
        for k, v in values.items():
            setattr(lead, k, v)
        _apply_score(lead)
        lead.save()
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=lead,
            changes=diff(before, snapshot(lead, LEAD_AUDITED)),
        )
    return lead


def _is_converted(lead: Lead) -> bool:
    """From the database: the caller's copy may predate a conversion."""
    return Lead.objects.filter(pk=lead.pk, status=LeadStatus.CONVERTED).exists()


def lead_update(*, workspace: Workspace, actor: Actor, lead: Lead, data: Data) -> Lead:
    if _is_converted(lead):
        raise ServiceValidationError.single("status", "a converted lead cannot be changed")
    return _lead_change(
        workspace, actor, lead, _lead_clean(workspace=workspace, data=data, lead=lead)
    )


def lead_disqualify(*, workspace: Workspace, actor: Actor, lead: Lead, reason: str) -> Lead:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceValidationError.single("disqualify_reason", "is required")
    if _is_converted(lead):
        raise ServiceValidationError.single("status", "a converted lead cannot be disqualified")
    return _lead_change(
        workspace,
        actor,
        lead,
        {"status": LeadStatus.DISQUALIFIED, "disqualify_reason": reason[:200]},
    )


def lead_restore(*, workspace: Workspace, actor: Actor, lead: Lead, data: Data) -> Lead:
    """Put back what an import's update replaced, exactly: the settable fields as
    `lead_update` cleans them, and the status and disqualify reason as they were, whatever
    they were. An undo must clear the reason an import's disqualification set (which
    `lead_update`, as a person reopening a lead, keeps) and may put a disqualified lead back."""
    if _is_converted(lead):
        raise ServiceValidationError.single("status", "a converted lead cannot be changed")
    return _lead_change(workspace, actor, lead, lead_restored(workspace, lead, data))


def lead_restored(workspace: Workspace, lead: Lead, data: Data) -> Data:
    """The values `lead_restore` writes over `lead` (checked; a bad one raises)."""
    values = dict(data)
    status = values.pop("status", None)
    reason = values.pop("disqualify_reason", None)
    clean = _lead_clean(workspace=workspace, data=values, lead=lead)
    if status is not None:
        if status not in LeadStatus.values or status == LeadStatus.CONVERTED:
            raise ServiceValidationError.single("status", f"'{status}' cannot be restored")
        clean["status"] = status
    if reason is not None:
        clean["disqualify_reason"] = str(reason)[:200]
    return clean


@dataclass
class Conversion:
    lead: Lead
    contact: Contact
    contact_created: bool
    company: Company | None
    company_created: bool
    deal: Deal | None


def _matching_company(lead: Lead) -> Company | None:
    if lead.domain:
        found = Company.objects.filter(domain=lead.domain).order_by("id").first()
        if found:
            return found
    if lead.email:
        email_domain = lead.email.rsplit("@", 1)[-1]
        found = Company.objects.filter(domain=email_domain).order_by("id").first()
        if found:
            return found
    return None


def lead_convert(
    *, workspace: Workspace, actor: Actor, lead: Lead, deal: Data | None = None
) -> Conversion:
    """Turn a lead into a contact, a company and optionally a deal, in one transaction.

    An existing contact with the lead's email, and an existing company with its domain (or
    its email's domain), are linked rather than duplicated. The lead row is locked first, so a
    second conversion, even a concurrent one, is refused.
    """
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if locked.status == LeadStatus.CONVERTED:
            raise ServiceValidationError.single("status", "this lead is converted already")
        if locked.status == LeadStatus.DISQUALIFIED:
            raise ServiceValidationError.single("status", "a disqualified lead cannot convert")
        company = _matching_company(locked)
        company_created = False
        if company is None and locked.company_name:
            company = company_create(
                workspace=workspace,
                actor=actor,
                data={
                    "name": locked.company_name,
                    "domain": locked.domain,
                    "owner_id": locked.owner_id,
                },
            )
            company_created = True
        contact = None
        if locked.email:
            link = ContactEmail.objects.filter(email=locked.email).select_related("contact")
            first = link.order_by("contact_id").first()
            contact = first.contact if first else None
        contact_created = contact is None
        if contact is None:
            contact = contact_create(
                workspace=workspace,
                actor=actor,
                data={
                    "first_name": locked.first_name,
                    "last_name": locked.last_name,
                    "emails": [locked.email] if locked.email else [],
                    "phones": [locked.phone] if locked.phone else [],
                    "job_title": locked.job_title,
                    "source": locked.source,
                    "company_ids": [company.pk] if company else [],
                    "owner_id": locked.owner_id,
                    "lifecycle_stage": LifecycleStage.SALES_QUALIFIED,
                },
            )
        new_deal = None
        if deal is not None:
            new_deal = deal_create(
                workspace=workspace,
                actor=actor,
                data={
                    "name": f"{company.name if company else contact.display_name} deal",
                    "company_id": company.pk if company else None,
                    "contacts": [{"id": contact.pk, "role": "decision_maker"}],
                    "owner_id": locked.owner_id,
                    "campaign_id": locked.campaign_id,
                    **deal,
                },
            )
        _lead_change(
            workspace,
            actor,
            locked,
            {
                "status": LeadStatus.CONVERTED,
                "converted_at": timezone.now(),
                "converted_contact": contact,
                "converted_company": company,
                "converted_deal": new_deal,
            },
        )
    return Conversion(locked, contact, contact_created, company, company_created, new_deal)


def lead_conversion_by_source() -> list[dict[str, Any]]:
    """Per source: leads, converted leads, and those whose contact became a customer."""
    customer = [LifecycleStage.CUSTOMER, LifecycleStage.EVANGELIST]
    rows = (
        Lead.objects.values("source")
        .annotate(
            leads=Count("id"),
            converted=Count("id", filter=Q(status=LeadStatus.CONVERTED)),
            customers=Count("id", filter=Q(converted_contact__lifecycle_stage__in=customer)),
        )
        .order_by("source")
    )
    return [
        {
            **r,
            "conversion_rate": r["converted"] / r["leads"],
            "customer_rate": r["customers"] / r["leads"],
        }
        for r in rows
    ]


# --- the public web-to-lead form -----------------------------------------------------------

WEB_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "job_title",
    "message",
]
# Optional, hidden: the id of the campaign to credit with the lead (an embed or a link from a
# campaign sets it); an id that is not one of the form's workspace is kept as text instead.
WEB_CAMPAIGN = "campaign_id"
HONEYPOT = "website"
RATE_LIMIT = 20  # submissions per form and address per hour


def _origins_clean(origins: Any, c: _Collector) -> list[str]:
    if not isinstance(origins, list):
        c.add("allowed_origins", "must be a list")
        return []
    for i, origin in enumerate(origins):
        if (
            not isinstance(origin, str)
            or not origin.startswith(("https://", "http://"))
            or origin.count("/") != 2
        ):
            c.add(f"allowed_origins.{i}", "must be a scheme and host, like https://example.com")
    return origins


def _static_list_id(value: Any, c: _Collector) -> int | None:
    """The id of a list of the current workspace (another's answers as not found), or None."""
    found = _in_workspace(StaticList, value, "static_list_id", c)
    return found.pk if found else None


def _double_opt_in_clean(value: Any, c: _Collector) -> bool:
    if not isinstance(value, bool):
        c.add("double_opt_in", "must be true or false")
        return True
    return value


def web_form_create(
    *,
    workspace: Workspace,
    actor: Actor,
    name: str,
    allowed_origins: list[str] | None = None,
    static_list_id: int | None = None,
    double_opt_in: bool = True,
) -> WebForm:
    """A new public form. With a list, a submission asks to join it; with double opt-in (the
    default) only once the address confirms from the mail it is sent."""
    c = _Collector()
    if not (name or "").strip():
        c.add("name", "is required")
    origins = _origins_clean(allowed_origins or [], c)
    list_id = _static_list_id(static_list_id, c)
    opt_in = _double_opt_in_clean(double_opt_in, c)
    c.raise_if_any()
    with transaction.atomic():
        static_lists_hold(workspace=workspace, list_ids=[list_id], field="static_list_id")
        form = WebForm.objects.create(
            workspace=workspace,
            name=name.strip(),
            key=secrets.token_urlsafe(24),
            allowed_origins=origins,
            static_list_id=list_id,
            double_opt_in=opt_in,
        )
        changes: dict[str, list[Any]] = {
            "name": [None, form.name],
            "allowed_origins": [None, origins],
        }
        if list_id is not None:
            changes["static_list"] = [None, list_id]
            changes["double_opt_in"] = [None, opt_in]
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=form,
            changes=changes,
        )
    return form


class RateLimited(Exception):
    """Too many submissions from one address: answer 429."""


def _web_campaign(form: WebForm, raw: str) -> tuple[int | None, str]:
    """The campaign a submission credits, else the value given kept as an unlinked name.

    A visitor cannot fix a hidden field, so a bad id (not a number, or not a campaign of the
    form's workspace) never refuses the lead: it is kept without a campaign, the value
    recorded (the lead page shows it, "Link now" links it if it names a campaign) and logged
    for the site's owner to fix the embed."""
    if not raw:
        return None, ""
    if raw.isdecimal() and Campaign.objects.filter(workspace=form.workspace, pk=int(raw)).exists():
        return int(raw), ""
    logger.warning(
        "web form %s: %s=%r is not a campaign of its workspace; the lead is kept without one",
        form.pk,
        WEB_CAMPAIGN,
        raw[:100],
    )
    return None, raw[:100]


def web_lead_submit(
    *, form: WebForm, data: dict[str, str], address: str, user_agent: str = ""
) -> Lead | None:
    """A submission of the public form. A filled honeypot is accepted and dropped silently.

    A form that names a list also records the request to join it (and, with double opt-in,
    mails the confirmation link after the commit): with the lead, or not at all."""
    if data.get(HONEYPOT):
        return None
    bucket = f"webform:{form.key}:{address}:{timezone.now():%Y%m%d%H}"
    cache.add(bucket, 0, timeout=3600)
    if cache.incr(bucket) > RATE_LIMIT:
        raise RateLimited
    values: Data = {k: data[k] for k in WEB_FIELDS if data.get(k)}
    campaign_id, unlinked = _web_campaign(form, (data.get(WEB_CAMPAIGN) or "").strip())
    if campaign_id is not None:
        values["campaign_id"] = campaign_id
    values["source"] = form.source
    if form.owner_id:
        values["owner_id"] = form.owner_id
    with transaction.atomic():
        lead = lead_create(
            workspace=form.workspace, actor=None, data=values, unlinked_campaign=unlinked
        )
        web_form_subscribe(form=form, data=data, ip_address=address or None, user_agent=user_agent)
    return lead


def lead_delete(*, workspace: Workspace, actor: Actor, lead: Lead) -> None:
    """Delete a lead; the contact, company and deal a conversion made stay."""
    before = {k: v for k, v in snapshot(lead, LEAD_AUDITED).items() if v not in ("", None)}
    audited_delete(workspace_id=workspace.pk, actor=actor, instance=lead, before=before)


WEB_FORM_AUDITED = ["name", "allowed_origins", "active", "static_list", "double_opt_in"]
WEB_FORM_SETTABLE = ["name", "allowed_origins", "active", "static_list_id", "double_opt_in"]


def web_form_update(*, workspace: Workspace, actor: Actor, form: WebForm, data: Data) -> WebForm:
    """Rename a form, change its allowed origins or its list, or (de)activate it: an inactive
    form's key answers 404, so a leaked key is switched off without deleting the form."""
    c = _Collector()
    _unknown_keys(data, WEB_FORM_SETTABLE, c)
    clean: Data = {}
    if "name" in data:
        clean["name"] = _text(data, "name", 100, c)
        if not clean["name"] and not c.errors:
            c.add("name", "is required")
    if "allowed_origins" in data:
        clean["allowed_origins"] = _origins_clean(data["allowed_origins"], c)
    if "active" in data:
        if not isinstance(data["active"], bool):
            c.add("active", "must be true or false")
        clean["active"] = data["active"]
    if "static_list_id" in data:
        clean["static_list_id"] = _static_list_id(data["static_list_id"], c)
    if "double_opt_in" in data:
        clean["double_opt_in"] = _double_opt_in_clean(data["double_opt_in"], c)
    c.raise_if_any()
    with transaction.atomic():
        held = [clean.get("static_list_id")]
        static_lists_hold(workspace=workspace, list_ids=held, field="static_list_id")
        audited_update(
            workspace_id=workspace.pk,
            actor=actor,
            instance=form,
            values=clean,
            fields=WEB_FORM_AUDITED,
        )
    return form


def web_form_embed_html(*, form: WebForm, action_url: str) -> str:
    """A plain HTML form posting to the public endpoint, for pasting into another site.

    No script: the honeypot is hidden with an inline style, so it works wherever HTML does.
    """
    fields = [{"name": n, "label": n.replace("_", " ").capitalize()} for n in WEB_FIELDS]
    return render_to_string(
        "sales/web_form_embed.html",
        {
            "form": form,
            "action_url": action_url,
            "fields": fields,
            "honeypot": HONEYPOT,
            "campaign_field": WEB_CAMPAIGN,
        },
    ).strip()
