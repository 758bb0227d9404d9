"""Double opt-in: a web form's submission asks to join a list; the address confirms by mail.

Until the confirmation nothing joins the list and no consent is recorded (the contact's
email-marketing consent stays unknown). The link in the mail carries a token signed over the
request's id, workspace and list; the request row holds the expiry and the evidence (IP and
browser of the request and of the confirmation). Confirming is a POST from the page the link
opens, so a mail scanner that fetches every link confirms nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_change, audited_delete, snapshot
from rapport.contacts.models import Contact, ContactEmail
from rapport.contacts.normalise import email_normalise
from rapport.contacts.services import contact_create
from rapport.marketing.models import (
    ConsentPurpose,
    ConsentStatus,
    StaticList,
    SubscriptionRequest,
)
from rapport.marketing.services import consent_record, static_list_add
from rapport.sales.models import WebForm
from rapport.tenancy.models import Workspace

TOKEN_SALT = "rapport.marketing.optin"
TOKEN_MAX = 200
EXPIRY = dt.timedelta(days=7)
# A second submission of the same address to the same list within this time sends no second
# mail: the public form must not become a way to flood someone's inbox.
RESEND_AFTER = dt.timedelta(minutes=10)
REQUEST_AUDITED = [
    "static_list",
    "web_form",
    "email",
    "first_name",
    "last_name",
    "requested_at",
    "expires_at",
    "confirmed_at",
    "double_opt_in",
    "ip_address",
    "user_agent",
    "confirmed_ip_address",
    "confirmed_user_agent",
    "contact",
]
SOURCE_DOUBLE = "web form double opt-in"
SOURCE_SINGLE = "web form"


class OptinInvalid(Exception):
    """The token is not one Rapport signed, or names no request."""


class OptinExpired(Exception):
    """The request was not confirmed in time."""


def optin_token(subscription: SubscriptionRequest) -> str:
    payload = [subscription.pk, subscription.workspace_id, subscription.static_list_id]
    return signing.dumps(payload, salt=TOKEN_SALT)


def optin_url(token: str) -> str:
    return settings.RAPPORT_PUBLIC_URL + reverse("optin-confirm", args=[token])


def subscription_from_token(token: str) -> SubscriptionRequest:
    """The request the token was signed for; OptinInvalid for anything else, whichever
    workspace asks (there is no session: the token is the only key)."""
    if len(token) > TOKEN_MAX:
        raise OptinInvalid
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature as exc:
        raise OptinInvalid from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 3
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in payload)
    ):
        raise OptinInvalid
    request_id, workspace_id, list_id = payload
    found = (
        SubscriptionRequest.unscoped.select_related("workspace", "static_list")
        .filter(pk=request_id, workspace_id=workspace_id, static_list_id=list_id)
        .first()
    )
    if found is None:
        raise OptinInvalid
    return found


def _clip(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


def _mail(subscription: SubscriptionRequest) -> None:
    context = {
        "subscription": subscription,
        "workspace_name": subscription.workspace.name,
        "list_name": subscription.static_list.name,
        "url": optin_url(optin_token(subscription)),
        "expires_at": subscription.expires_at,
    }
    EmailMessage(
        subject=f"Please confirm your subscription to {subscription.static_list.name}",
        body=render_to_string("marketing/optin_mail.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
    ).send()


def subscription_request_create(
    *,
    workspace: Workspace,
    static_list: StaticList,
    form_name: str,
    web_form_id: int | None,
    double_opt_in: bool,
    data: dict[str, str],
    ip_address: str | None,
    user_agent: str,
) -> SubscriptionRequest | None:
    """Record a request to join `static_list` and mail the confirmation link (after commit).

    Without an email there is nobody to subscribe: None. A form without double opt-in
    subscribes at once, with the same evidence kept.
    """
    raw = (data.get("email") or "").strip()
    if not raw:
        return None
    email = email_normalise(raw)
    now = timezone.now()
    recent = (
        SubscriptionRequest.objects.filter(
            static_list=static_list,
            email=email,
            confirmed_at__isnull=True,
            requested_at__gte=now - RESEND_AFTER,
        )
        .order_by("-requested_at")
        .first()
    )
    if recent is not None and double_opt_in:
        return recent
    with transaction.atomic():
        subscription = SubscriptionRequest(
            workspace=workspace,
            static_list=static_list,
            web_form_id=web_form_id,
            form_name=_clip(form_name, 100),
            email=email,
            first_name=_clip(data.get("first_name", ""), 100),
            last_name=_clip(data.get("last_name", ""), 100),
            requested_at=now,
            expires_at=now + EXPIRY,
            double_opt_in=double_opt_in,
            ip_address=ip_address or None,
            user_agent=_clip(user_agent, 300),
        )
        subscription.save()
        after = {k: v for k, v in snapshot(subscription, REQUEST_AUDITED).items() if v}
        audit_change(
            workspace_id=workspace.pk,
            actor=None,
            action=AuditAction.CREATE,
            instance=subscription,
            before={},
            after=after,
        )
        if double_opt_in:
            # robust: a mail server that is down is logged; the lead and request are kept.
            transaction.on_commit(lambda: _mail(subscription), robust=True)
        else:
            subscription_confirm(
                subscription=subscription, ip_address=ip_address, user_agent=user_agent
            )
    return subscription


@dataclass
class Confirmation:
    subscription: SubscriptionRequest
    contact: Contact | None
    already: bool
    held_back: str = ""  # why no campaign will reach the address despite the opt-in


def _held_back(contact: Contact, email: str) -> str:
    """A confirmation does not lift a block someone else set: "do not email" is a staff or
    contact decision, and a suppression is an earlier unsubscribe or a hard bounce (a dead
    address). The opt-in is still recorded; the page and the consent note say it is held."""
    from rapport.campaigns.models import Suppression  # campaigns builds on marketing

    if contact.do_not_email:
        return "the contact is marked do not email"
    if Suppression.objects.filter(email=email.lower()).exists():
        return "the address is suppressed (unsubscribed or bounced before)"
    return ""


def _contact_for(subscription: SubscriptionRequest) -> Contact:
    """The workspace's contact with this address (the oldest, as a lead conversion picks),
    or a new one: a confirmation never makes a duplicate. The workspace row is locked first:
    two confirmations of one new address (two lists) at once would otherwise both find no
    contact and both create one. SQLite's IMMEDIATE transactions serialise them anyway."""
    Workspace.objects.select_for_update().filter(pk=subscription.workspace_id).first()
    link = ContactEmail.objects.filter(email=subscription.email).select_related("contact")
    first = link.order_by("contact_id").first()
    if first is not None:
        return first.contact
    return contact_create(
        workspace=subscription.workspace,
        actor=None,
        data={
            "first_name": subscription.first_name,
            "last_name": subscription.last_name,
            "emails": [subscription.email],
            "source": _clip(f"{SOURCE_SINGLE}: {subscription.form_name}", 100),
        },
    )


def subscription_confirm(
    *, subscription: SubscriptionRequest, ip_address: str | None, user_agent: str
) -> Confirmation:
    """Join the list and record the opt-in. Confirming again changes nothing; the row is
    locked first, so two confirmations at once still subscribe once. Needs the request's
    workspace scope."""
    workspace = subscription.workspace
    with transaction.atomic():
        locked = SubscriptionRequest.objects.select_for_update().get(pk=subscription.pk)
        if locked.confirmed_at is not None:
            # Even when its contact has since been deleted: a used link never brings them back.
            return Confirmation(locked, locked.contact, already=True)
        now = timezone.now()
        if locked.double_opt_in and now > locked.expires_at:
            raise OptinExpired
        contact = _contact_for(locked)
        static_list_add(
            workspace=workspace,
            actor=None,
            static_list=locked.static_list,
            contact_ids=[contact.pk],
        )
        held_back = _held_back(contact, locked.email)
        how = SOURCE_DOUBLE if locked.double_opt_in else SOURCE_SINGLE
        evidence = f"requested {locked.requested_at:%Y-%m-%d %H:%M:%S} UTC"
        if locked.ip_address:
            evidence += f" from {locked.ip_address}"
        if locked.double_opt_in and ip_address:
            evidence += f"; confirmed from {ip_address}"
        consent_record(
            workspace=workspace,
            actor=None,
            contact=contact,
            purpose=ConsentPurpose.EMAIL_MARKETING,
            status=ConsentStatus.OPTED_IN,
            source=_clip(f"{how}: {locked.form_name}", 100),
            note=_clip(
                f"{evidence}; list {locked.static_list.name}"
                + (f"; not mailed: {held_back}" if held_back else ""),
                500,
            ),
            at=now,
        )
        before = snapshot(locked, REQUEST_AUDITED)
        locked.confirmed_at = now
        locked.contact = contact
        if locked.double_opt_in:
            locked.confirmed_ip_address = ip_address or None
            locked.confirmed_user_agent = _clip(user_agent, 300)
        locked.save()
        audit_change(
            workspace_id=workspace.pk,
            actor=None,
            action=AuditAction.UPDATE,
            instance=locked,
            before=before,
            after=snapshot(locked, REQUEST_AUDITED),
        )
    subscription.refresh_from_db()
    return Confirmation(locked, contact, already=False, held_back=held_back)


def subscription_requests_purge(*, workspace: Workspace) -> int:
    """Delete the workspace's double opt-in requests that expired unconfirmed more than
    RAPPORT_OPTIN_RETENTION_DAYS ago: an address nobody confirmed is personal data kept for no
    purpose. Confirmed requests stay, as the evidence of consent. Needs the workspace scope."""
    cutoff = timezone.now() - dt.timedelta(days=settings.RAPPORT_OPTIN_RETENTION_DAYS)
    stale = SubscriptionRequest.objects.filter(confirmed_at__isnull=True, expires_at__lt=cutoff)
    deleted = 0
    with transaction.atomic():
        for subscription in stale.select_for_update():
            audited_delete(
                workspace_id=workspace.pk,
                actor=None,
                instance=subscription,
                before=snapshot(subscription, REQUEST_AUDITED),
            )
            deleted += 1
    return deleted


def web_form_subscribe(
    *, form: WebForm, data: dict[str, str], ip_address: str | None, user_agent: str
) -> SubscriptionRequest | None:
    """The subscription part of a web form's submission, if the form names a list."""
    if form.static_list_id is None:
        return None
    static_list = StaticList.objects.filter(pk=form.static_list_id).first()
    if static_list is None:  # another workspace's list never gets here; see web_form_update
        return None
    return subscription_request_create(
        workspace=form.workspace,
        static_list=static_list,
        form_name=form.name,
        web_form_id=form.pk,
        double_opt_in=form.double_opt_in,
        data=data,
        ip_address=ip_address,
        user_agent=user_agent,
    )
