"""Reads: the review queue, one pair, and the likely duplicates of a record being saved."""

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from rapport.contacts.models import Company, Contact, ContactEmail, ContactPhone
from rapport.contacts.normalise import domain_normalise, search_key
from rapport.core.errors import ServiceValidationError
from rapport.dedupe.models import DuplicatePair, PairEntity, PairStatus

CANDIDATE_LIMIT = 5
RECORD_MODELS: dict[str, Any] = {PairEntity.CONTACT: Contact, PairEntity.COMPANY: Company}


def pair_list(*, entity: str | None = None, status: str = PairStatus.OPEN) -> QuerySet:
    """Pairs by falling match weight, then id (the review queue): the weight keeps ranking
    pairs whose probability rounds to 1."""
    pairs = DuplicatePair.objects.filter(status=status)
    if entity:
        pairs = pairs.filter(entity=entity)
    return pairs.order_by("-match_weight", "id")


def pair_get(*, pair_id: int) -> DuplicatePair:
    return DuplicatePair.objects.get(pk=pair_id)


def pair_records_gone(pair: DuplicatePair) -> list[int]:
    """The pair's record ids that no longer exist (a merge or a delete removed them)."""
    ids = (pair.a_id, pair.b_id)
    found = RECORD_MODELS[pair.entity].objects.filter(pk__in=ids)
    present = set(found.values_list("pk", flat=True))
    return [pk for pk in ids if pk not in present]


@dataclass
class QueueRow:
    pair: DuplicatePair
    a: Any
    b: Any


def queue_rows(pairs: list[DuplicatePair]) -> list[QueueRow]:
    """Pairs with both records, two queries per entity whatever the page size."""
    records: dict[tuple[str, int], Any] = {}
    for entity, model in RECORD_MODELS.items():
        ids = {i for p in pairs if p.entity == entity for i in (p.a_id, p.b_id)}
        if ids:
            related = "primary_company" if model is Contact else "parent"
            for record in model.objects.select_related(related).filter(pk__in=ids):
                records[(entity, record.pk)] = record
    return [
        QueueRow(p, records[(p.entity, p.a_id)], records[(p.entity, p.b_id)])
        for p in pairs
        if (p.entity, p.a_id) in records and (p.entity, p.b_id) in records
    ]


def contact_candidates(
    *, first_name: str, last_name: str, email: str, phone: str, exclude_id: int | None = None
) -> list[Contact]:
    """Contacts having the email or the phone (any of theirs, not only the primary one), or
    the full name. Three indexed lookups whose ids are merged here: one query with the three
    joined by OR would scan the whole contacts table."""
    lookups: list[QuerySet[Any]] = []
    if email:
        lookups.append(ContactEmail.objects.filter(email=email.strip().lower()))
    if phone:
        lookups.append(ContactPhone.objects.filter(number=phone))
    if first_name and last_name:
        name = search_key(f"{first_name} {last_name}")
        lookups.append(Contact.objects.filter(search_name=name).annotate(contact_id=F("pk")))
    ids: set[int] = set()
    for rows in lookups:
        if exclude_id:
            rows = rows.exclude(contact_id=exclude_id)
        ids.update(
            rows.order_by("contact_id").values_list("contact_id", flat=True)[:CANDIDATE_LIMIT]
        )
    first = sorted(ids)[:CANDIDATE_LIMIT]
    # The warning shows each one's company, to tell namesakes apart.
    return list(
        Contact.objects.select_related("primary_company").filter(pk__in=first).order_by("pk")
    )


def company_candidates(*, name: str, domain: str, exclude_id: int | None = None) -> list[Company]:
    """Companies sharing the domain or the name (case and accents aside)."""
    match = Q(pk__in=[])
    if domain:
        # Not a domain at all: no candidate by domain; the create itself will say why.
        with suppress(ServiceValidationError):
            match |= Q(domain=domain_normalise(domain))
    if name:
        match |= Q(name_key=search_key(name))
    found = Company.objects.filter(match)
    if exclude_id:
        found = found.exclude(pk=exclude_id)
    return list(found.order_by("pk")[:CANDIDATE_LIMIT])


def _first(value: Any) -> str:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return str(value or "")


def record_duplicates(*, entity: str, data: dict[str, Any], exclude_id: int | None) -> list[Any]:
    """Likely duplicates of a contact or company about to be saved, from its service data."""
    if entity == PairEntity.CONTACT:
        return contact_candidates(
            first_name=_first(data.get("first_name")),
            last_name=_first(data.get("last_name")),
            email=_first(data.get("emails")),
            phone=_first(data.get("phones")),
            exclude_id=exclude_id,
        )
    return company_candidates(
        name=_first(data.get("name")), domain=_first(data.get("domain")), exclude_id=exclude_id
    )
