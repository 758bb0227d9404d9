"""Agents' public replies go to the requester by a background task after the reply commits,
and a periodic sweep tries again those the mail server refused, a few times, so an outage
delays replies (the ticket page says so) instead of failing the agent's request."""

import datetime as dt
import logging
import smtplib
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from rapport.service.mail_out import reply_mail_send
from rapport.service.models import DeliveryState, ReplyDelivery, TicketMessage
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6  # the sweep runs every five minutes: about half an hour of outage
# A delivery still pending this long after its reply was never tried (its task was lost with
# a worker, say): the sweep takes it over.
STALLED_AFTER = dt.timedelta(minutes=10)


def reply_delivery_start(*, workspace: Workspace, message: TicketMessage) -> ReplyDelivery:
    """Inside the reply's transaction: the delivery is written with it and tried once it is
    committed (a rolled-back reply is never mailed)."""
    delivery = ReplyDelivery.objects.create(workspace=workspace, message=message)
    transaction.on_commit(partial(reply_deliver_task.enqueue, workspace.pk, delivery.pk))
    return delivery


def reply_deliver(*, workspace: Workspace, delivery_id: int) -> str:
    """One try; returns the state it left. A delivery already sent is not sent again."""
    with transaction.atomic():
        delivery = ReplyDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state not in (DeliveryState.PENDING, DeliveryState.FAILED):
            return delivery.state
        delivery.attempts += 1
        try:
            mailed = reply_mail_send(workspace=workspace, message_id=delivery.message_id)
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("reply %s not mailed (try %s): %s", delivery.pk, delivery.attempts, exc)
            delivery.state, delivery.error = DeliveryState.FAILED, str(exc)[:300]
        else:
            delivery.state = DeliveryState.SENT if mailed else DeliveryState.NO_ADDRESS
            delivery.error, delivery.sent_at = "", timezone.now() if mailed else None
        delivery.save()
    return delivery.state


@task()
def reply_deliver_task(workspace_id: int, delivery_id: int) -> str:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace):
        return reply_deliver(workspace=workspace, delivery_id=delivery_id)


def replies_retry(*, workspace: Workspace) -> int:
    """Try again each refused reply that has tries left, and each one whose first try never
    ran; returns how many were tried."""
    due = ReplyDelivery.objects.filter(
        Q(state=DeliveryState.FAILED, attempts__lt=MAX_ATTEMPTS)
        | Q(state=DeliveryState.PENDING, created_at__lt=timezone.now() - STALLED_AFTER)
    ).values_list("pk", flat=True)
    tried = 0
    for delivery_id in list(due):
        reply_deliver(workspace=workspace, delivery_id=delivery_id)
        tried += 1
    return tried


@task()
def replies_retry_all() -> int:
    total = 0
    for workspace in Workspace.objects.all():
        with workspace_scope(workspace):
            total += replies_retry(workspace=workspace)
    return total
