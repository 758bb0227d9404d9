import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from rapport.audit.context import audit_source
from rapport.service.business_hours import Calendar
from rapport.service.models import SlaEvent, Ticket
from rapport.service.sla import calendar_of
from rapport.service.sla_history import sla_events_save, sla_history_derive
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

BATCH = 500


class Command(BaseCommand):
    help = "Derive the SLA history of tickets that have none (older or bulk-written tickets)."

    def handle(self, *args: Any, **opts: Any) -> None:
        now = timezone.now()
        with audit_source("cli"):
            for workspace in Workspace.objects.order_by("pk"):
                with workspace_scope(workspace):
                    done = _backfill(now)
                if done:
                    self.stdout.write(f"{workspace.slug}: {done} tickets given a history")


def _backfill(now: dt.datetime) -> int:
    calendars: dict[int, Calendar] = {}
    without_history = (
        Ticket.objects.filter(sla_policy__isnull=False, sla_events__isnull=True)
        .select_related("sla_policy__calendar")
        .order_by("pk")
    )
    done = 0
    # Each batch leaves the query once written: every derived history has at least its start.
    while batch := list(without_history[:BATCH]):
        events: list[SlaEvent] = []
        for ticket in batch:
            policy = ticket.sla_policy
            if policy.calendar_id not in calendars:
                calendars[policy.calendar_id] = calendar_of(policy.calendar)
            events += sla_history_derive(ticket, now=now, calendar=calendars[policy.calendar_id])
        with transaction.atomic():
            sla_events_save(events)
        done += len(batch)
    return done
