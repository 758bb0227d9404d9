"""Demo records carry past creation dates, which `auto_now_add` would overwrite on insert, and
their audit entries say when they were made."""

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.db.models import Min, OuterRef, Subquery

from rapport.activities.models import ActivityContact
from rapport.audit.models import AuditAction, AuditEntry
from rapport.contacts.models import Company, Contact
from rapport.sales.models import Deal, DealContact, Lead, Order
from rapport.service.models import Ticket
from rapport.tenancy.models import Workspace


@contextmanager
def keep_given_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk inserts keep the created_at/updated_at the demo sets (this process only)."""
    saved = []
    for model in model_classes:
        for name in ("created_at", "updated_at"):
            field = model._meta.get_field(name)
            saved.append((field, field.auto_now, field.auto_now_add))  # type: ignore[union-attr]
            field.auto_now = field.auto_now_add = False  # type: ignore[union-attr]
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add  # type: ignore[union-attr]


# Where a contact shows up first: (rows, their contact column, their time column).
FIRST_TOUCHES: list[tuple[Any, str, str]] = [
    (ActivityContact.objects, "contact_id", "activity__occurred_at"),
    (DealContact.objects, "contact_id", "deal__created_at"),
    (Order.objects, "contact_id", "ordered_at"),
    (Ticket.objects, "requester_id", "created_at"),
    (Lead.objects, "converted_contact_id", "created_at"),
]


def working_time(now: dt.datetime, rng: random.Random, *, days_back: int) -> dt.datetime:
    """A moment of a working day (Monday to Friday, 08:00-18:00 UTC) in the `days_back` days
    before `now`, never after it: calls and meetings are not held at 3 a.m. on a Sunday."""
    day = (now - dt.timedelta(days=rng.randrange(days_back))).date()
    minutes = dt.timedelta(minutes=rng.randrange(10 * 60))
    while True:
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        at = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + minutes
        if at <= now:
            return at
        day -= dt.timedelta(days=1)  # later today than now: the working day before


def people_dated(*, workspace: Workspace, rng: random.Random, now: dt.datetime) -> None:
    """A contact is entered before its first activity, a company before its first contact; a
    few never changed since, most were edited at some point (so "untouched for a year" counts
    some). Without this every record of a two-year history reads "created 5 minutes ago"."""
    first_touch: dict[int, dt.datetime] = {}
    for rows, contact, at in FIRST_TOUCHES:
        firsts = (
            rows.filter(workspace=workspace, **{f"{contact}__isnull": False})
            .values(contact)
            .annotate(first=Min(at))
            .values_list(contact, "first")
        )
        for pk, first in firsts:
            first_touch[pk] = min(first, first_touch.get(pk, first))
    contacts = list(Contact.objects.filter(workspace=workspace).only("pk", "primary_company_id"))
    company_first: dict[int, dt.datetime] = {}
    for contact in contacts:
        touched = first_touch.get(contact.pk) or now - dt.timedelta(days=rng.uniform(30, 700))
        _dated(contact, touched - dt.timedelta(days=rng.uniform(1, 60)), now, rng)
        if contact.primary_company_id:
            earliest = company_first.get(contact.primary_company_id, contact.created_at)
            company_first[contact.primary_company_id] = min(earliest, contact.created_at)
    companies = list(Company.objects.filter(workspace=workspace).only("pk"))
    for company in companies:
        entered = company_first.get(company.pk) or now - dt.timedelta(days=rng.uniform(30, 700))
        _dated(company, entered - dt.timedelta(days=rng.uniform(0, 30)), now, rng)
    with keep_given_timestamps(Contact, Company):
        Contact.objects.bulk_update(contacts, ["created_at", "updated_at"], batch_size=500)
        Company.objects.bulk_update(companies, ["created_at", "updated_at"], batch_size=500)


def _dated(record: Any, created: dt.datetime, now: dt.datetime, rng: random.Random) -> None:
    record.created_at = created
    edited = rng.random() < 0.7
    record.updated_at = created + (now - created) * rng.random() if edited else created


def creations_audited_when_made(*, workspace: Workspace) -> None:
    """Each demo record's "create" audit entry carries the record's own (past) creation time,
    as it would have been written then."""
    for model in (Contact, Company, Deal, Lead, Ticket, Order):
        made = model._default_manager.filter(pk=OuterRef("object_id")).values("created_at")[:1]
        AuditEntry.objects.filter(
            workspace=workspace, action=AuditAction.CREATE, entity=model._meta.label_lower
        ).update(at=Subquery(made))
