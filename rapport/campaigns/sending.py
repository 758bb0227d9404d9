"""Sending a campaign: recipients are written first, then mailed batch by batch.

Rows are claimed (pending → claimed) a small group at a time and committed before their
messages go to the SMTP server, and noted sent (or refused) when the group is done. A crash
can only leave one group per worker claimed and unnoted; a resumed send marks those rows
"uncertain" and never mails them again, so a restart never sends anyone the campaign twice,
and everything still pending goes out.

Several workers may send one campaign at once. On PostgreSQL each claims with SELECT ... FOR
UPDATE SKIP LOCKED and keeps its in-flight group locked until noted, so a second worker (or a
resume) neither claims nor marks uncertain what a live one is sending. SQLite serialises
writers; a second worker there can only mislabel a live group "uncertain" until it is noted.
"""

import logging
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, QuerySet
from django.utils import timezone
from email_validator import EmailNotValidError, validate_email

from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    Recipient,
    RecipientStatus,
    Suppression,
)
from rapport.campaigns.rendering import merge_context, render_parts
from rapport.campaigns.tracking import track_html, track_text, unsubscribe_url
from rapport.contacts.models import Contact
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import ConsentPurpose
from rapport.marketing.queries import consent_allowed_q
from rapport.service.mail_out import MAIL_DOMAIN, new_message_id
from rapport.tenancy.models import Workspace

log = logging.getLogger(__name__)
QUEUE_CHUNK = 2000


def bounce_address(token: str) -> str:
    """The envelope sender: a bounce comes back to an address that names the recipient."""
    return f"bounce+{token}@{MAIL_DOMAIN}"


def _skip_reason(email: str, do_not_email: bool, suppressed: bool, consented: bool) -> str:
    if not email:
        return "no email address"
    if do_not_email:
        return "do not email"
    if suppressed:
        return "unsubscribed or bounced before"
    if not consented:
        return "no consent to email marketing"
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "invalid email address"
    return ""


def campaign_queue(*, workspace: Workspace, campaign: Campaign, contacts: QuerySet[Contact]) -> int:
    """Write a recipient row for each of `contacts`, with the reason where one must be skipped;
    an address already in the campaign is left as it is. Returns how many rows were added."""
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise ServiceValidationError.single("status", f"a {campaign.status} campaign is not queued")
    return _queue(workspace, campaign, contacts)


def with_send_checks(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """`contacts` with what the skip rules read besides their own columns: whether their
    address is suppressed, and whether they consent to email marketing."""
    suppressed = Suppression.objects.filter(email=OuterRef("email"))
    consent = ExpressionWrapper(
        consent_allowed_q(ConsentPurpose.EMAIL_MARKETING), output_field=BooleanField()
    )
    return contacts.annotate(suppressed=Exists(suppressed), consented=consent)


def _queue(workspace: Workspace, campaign: Campaign, contacts: QuerySet[Contact]) -> int:
    read = ("id", "email", "do_not_email", "suppressed", "consented")  # the last two annotated
    rows = with_send_checks(contacts).order_by("id").values_list(*read)
    already = Recipient.objects.filter(campaign=campaign).count()
    batch: list[Recipient] = []
    for contact_id, email, do_not_email, is_suppressed, consented in rows.iterator(
        chunk_size=QUEUE_CHUNK
    ):
        reason = _skip_reason(email, do_not_email, is_suppressed, consented)
        batch.append(
            Recipient(
                workspace=workspace,
                campaign=campaign,
                contact_id=contact_id,
                # No address is still one row per contact, so its skip is reported.
                email=email.lower() or f"<none:{contact_id}>",
                status=RecipientStatus.SKIPPED if reason else RecipientStatus.PENDING,
                skip_reason=reason,
            )
        )
        if len(batch) >= QUEUE_CHUNK:
            Recipient.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Recipient.objects.bulk_create(batch, ignore_conflicts=True)
    return Recipient.objects.filter(campaign=campaign).count() - already


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    finished: bool = False


def _message(
    campaign: Campaign, recipient: Recipient, workspace: Workspace, connection: BaseEmailBackend
) -> EmailMultiAlternatives:
    template = campaign.template
    leave = unsubscribe_url(recipient.token)
    mail = render_parts(
        {
            "subject": template.subject,
            "body_text": template.body_text,
            "body_html": template.body_html,
        },
        merge_context(recipient.contact, workspace, leave),
    )
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=track_text(mail.body_text, recipient.token),
        from_email=bounce_address(recipient.token),
        to=[recipient.email],
        headers={
            "From": campaign.from_email or settings.DEFAULT_FROM_EMAIL,
            "Message-ID": recipient.message_id,
            "List-Unsubscribe": f"<{leave}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        connection=connection,
    )
    if mail.body_html:
        message.attach_alternative(track_html(mail.body_html, recipient.token), "text/html")
    return message


def _claim(group: list[Recipient]) -> list[Recipient]:
    """Claim the group's rows still pending, in one committed transaction; rows another
    worker holds or has sent are left out."""
    with transaction.atomic():
        free = set(
            Recipient.objects.select_for_update(skip_locked=True)
            .filter(pk__in=[r.pk for r in group], status=RecipientStatus.PENDING)
            .values_list("pk", flat=True)
        )
        Recipient.objects.filter(pk__in=free).update(
            status=RecipientStatus.CLAIMED, claimed_at=timezone.now()
        )
    return [r for r in group if r.pk in free]


def _note(done: list[Recipient]) -> None:
    """Record what the server said about a claimed group, in one statement."""
    if done:
        Recipient.objects.bulk_update(done, ["status", "sent_at", "message_id"])


@contextmanager
def _held(claimed: list[Recipient]) -> Iterator[None]:
    """Hold row locks on a claimed group while its messages go out, where the database has
    them (PostgreSQL). A send that starts meanwhile (a second worker, or a resume) then sees
    these rows as live and leaves them alone; if this worker dies, its transaction ends and
    the rows, still "claimed", are free to be marked uncertain. SQLite has no row locks and
    serialises writers, so there the messages go out without a surrounding transaction."""
    if not connection.features.has_select_for_update_skip_locked:
        yield
        return
    with transaction.atomic():
        list(
            Recipient.objects.select_for_update()
            .filter(pk__in=[r.pk for r in claimed])
            .values_list("pk", flat=True)
        )
        yield


def _send_group(
    workspace: Workspace,
    campaign: Campaign,
    group: list[Recipient],
    smtp: BaseEmailBackend,
    result: SendResult,
) -> None:
    claimed = _claim(group)
    if not claimed:
        return
    failure: BaseException | None = None
    # The note is written inside the held transaction: it commits with the lock's release, so
    # no other send can see these rows claimed but unlocked while this worker is alive.
    with _held(claimed):
        done: list[Recipient] = []
        try:
            for recipient in claimed:
                recipient.message_id = new_message_id()
                try:
                    _message(campaign, recipient, workspace, smtp).send()
                    recipient.status = RecipientStatus.SENT
                    result.sent += 1
                except (smtplib.SMTPRecipientsRefused, ServiceValidationError):
                    log.warning(
                        "campaign %s: %s refused", campaign.pk, recipient.email, exc_info=True
                    )
                    recipient.status = RecipientStatus.FAILED
                    result.failed += 1
                recipient.sent_at = timezone.now()
                done.append(recipient)
        except (smtplib.SMTPException, OSError) as exc:
            # The server or the connection failed: what it had not accepted goes back to
            # pending. Raised after the transaction commits, so the note is kept.
            noted = {r.pk for r in done}
            untried = [r.pk for r in claimed if r.pk not in noted]
            Recipient.objects.filter(pk__in=untried, status=RecipientStatus.CLAIMED).update(
                status=RecipientStatus.PENDING
            )
            failure = exc
        _note(done)
    if failure is not None:
        raise failure


def _send_batch(
    workspace: Workspace, campaign: Campaign, batch: list[Recipient], result: SendResult
) -> None:
    """One SMTP connection for the whole batch, claimed and noted a group at a time: two
    commits per group instead of two per message. A crash leaves at most one group claimed
    and unnoted; those rows become "uncertain" and are never sent again."""
    size = settings.RAPPORT_CAMPAIGN_CLAIM_GROUP
    with get_connection() as smtp:
        for first in range(0, len(batch), size):
            _send_group(workspace, campaign, batch[first : first + size], smtp, result)


def _orphans_mark_uncertain(campaign: Campaign) -> int:
    """Rows a dead worker claimed and never noted become "uncertain". On PostgreSQL a live
    worker holds locks on the group it is sending (`_held`), so SKIP LOCKED leaves its rows
    out: a second worker starting on the same campaign takes nothing from the first."""
    claimed = Recipient.objects.filter(campaign=campaign, status=RecipientStatus.CLAIMED)
    if connection.features.has_select_for_update_skip_locked:
        orphans = list(claimed.select_for_update(skip_locked=True).values_list("pk", flat=True))
        claimed = Recipient.objects.filter(pk__in=orphans, status=RecipientStatus.CLAIMED)
    return claimed.update(status=RecipientStatus.UNCERTAIN)


def campaign_send(*, workspace: Workspace, campaign_id: int) -> SendResult:
    """Send what is pending, batch by batch, pausing between batches; resumable at any point,
    and safe to run in several workers at once (RAPPORT_CAMPAIGN_SEND_TASKS of them)."""
    result = SendResult()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status in (CampaignStatus.CANCELLED, CampaignStatus.SENT):
            return result
        result.uncertain = _orphans_mark_uncertain(campaign)
        campaign.status = CampaignStatus.SENDING
        campaign.started_at = campaign.started_at or timezone.now()
        campaign.save(update_fields=["status", "started_at", "updated_at"])
    size = settings.RAPPORT_CAMPAIGN_BATCH_SIZE
    pending = Recipient.objects.filter(campaign=campaign, status=RecipientStatus.PENDING)
    while batch := list(pending.select_related("contact__primary_company").order_by("id")[:size]):
        _send_batch(workspace, campaign, batch, result)
        time.sleep(settings.RAPPORT_CAMPAIGN_BATCH_PAUSE)
        campaign.refresh_from_db(fields=["status"])
        if campaign.status == CampaignStatus.CANCELLED:
            return result
    result.finished = _finish(campaign)
    return result


def _finish(campaign: Campaign) -> bool:
    """Mark the campaign sent, in one statement, once no row is pending or being sent: of
    several workers, the last to finish its groups does it, and only one can."""
    unsettled = Recipient.objects.filter(
        campaign=OuterRef("pk"), status__in=[RecipientStatus.PENDING, RecipientStatus.CLAIMED]
    )
    return bool(
        Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING)
        .filter(~Exists(unsettled))
        .update(status=CampaignStatus.SENT, finished_at=timezone.now())
    )


def template_test_send(
    *, workspace: Workspace, parts: dict[str, str], contact: Contact, to: str
) -> None:
    """Mail the template as `contact` would get it to `to` (a colleague), marked as a test and
    untracked: no recipient row, no events."""
    try:
        validate_email(to, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceValidationError.single("to", str(exc)) from exc
    mail = render_parts(parts, merge_context(contact, workspace, unsubscribe_url("test")))
    message = EmailMultiAlternatives(subject=f"[Test] {mail.subject}", body=mail.body_text, to=[to])
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    message.send()


def recipient_send(
    *, workspace: Workspace, campaign: Campaign, contact: Contact
) -> Recipient | None:
    """One message of `campaign` to `contact`, now: a sequence's email step. The same skip
    rules, claim and tracking as a campaign's send; an address already sent it is not sent
    again (None when another contact with that address got it)."""
    _queue(workspace, campaign, Contact.objects.filter(pk=contact.pk))
    recipient = (
        Recipient.objects.select_related("contact__primary_company")
        .filter(campaign=campaign, contact=contact)
        .first()
    )
    if recipient is not None and recipient.status == RecipientStatus.PENDING:
        _send_batch(workspace, campaign, [recipient], SendResult())
        recipient.refresh_from_db()
    return recipient
