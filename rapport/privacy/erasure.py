"""Forgetting a person (the right to erasure): their contact, everything that holds their
words or their address, and the old values the audit trail kept of them.

What goes, per relation from the merge registry (so a later app's relation is covered):
every row pointing at the contact is deleted, with what it cascades to, except the rows in
`KEPT_WITHOUT_PERSON`, business records that lose only their link to the person. Activities
linked to the person and to no other contact go too (a note about the person is theirs);
an activity shared with other contacts stays, without the person. The audit trail keeps
that each deleted row existed, who changed it and when, but its values become "[erased]".
The address stays on the workspace's suppression list, or is put there when the person had
opted out: they asked not to be mailed, and erasing that would mail them again. Import and
export files listing them and failed import rows holding them are found by content, and the
values an import's undo kept of them by the contact (`privacy.files`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import models, router, transaction
from django.db.models.deletion import Collector

from rapport.activities.models import Activity
from rapport.audit.models import AuditAction, AuditEntry
from rapport.audit.services import audit_record
from rapport.campaigns.models import Suppression, SuppressionReason
from rapport.contacts.models import Contact
from rapport.contacts.services import Actor
from rapport.core.errors import ServiceValidationError
from rapport.marketing.models import EMAIL_PURPOSES, ConsentStatus
from rapport.marketing.queries import consent_current
from rapport.merge.models import MergeRecord
from rapport.merge.registry import CONTACT, RelationMove
from rapport.privacy.files import (
    ERASED,
    file_forget,
    files_holding,
    import_errors_blank,
    import_errors_holding,
    person_needles,
    undo_values_blank,
    undo_values_holding,
)
from rapport.privacy.queries import contact_relations
from rapport.tenancy.models import Workspace

# Accounting records: an order stays in the books when its buyer is forgotten.
KEPT_WITHOUT_PERSON = {"sales.order.contact"}
_ACTIVITY_LINKS = "activities.activitycontact.contact"
# Link rows: what the person loses is the link; the record linked to stays.
_LINK_LABELS = {
    _ACTIVITY_LINKS: "activities shared with others (they stay)",
    "sales.dealcontact.contact": "links to deals (the deals stay)",
    "contacts.contactcompany.contact": "links to companies (the companies stay)",
}


@dataclass
class Erasure:
    """What an erasure removed: rows per model (`app.model`), and audit entries scrubbed."""

    deleted: dict[str, int] = field(default_factory=dict)
    scrubbed: int = 0
    suppressed: int = 0  # addresses kept on the suppression list: the person had objected
    files: int = 0  # uploaded import files and export files holding the person, deleted
    import_errors: int = 0  # failed import rows holding the person, blanked
    undo_values: int = 0  # import undo records holding their earlier values, blanked


def _only_theirs(contact: Contact) -> models.QuerySet[Activity]:
    return Activity.objects.filter(contact_links__contact=contact).exclude(
        contact_links__contact__in=Contact.objects.exclude(pk=contact.pk)
    )


def _relations(contact: Contact) -> list[tuple[RelationMove, models.QuerySet[Any]]]:
    """Each relation's rows pointing at the contact, but those kept without the person."""
    return [(h, rows) for h, rows in contact_relations(contact) if h.key not in KEPT_WITHOUT_PERSON]


def erasure_preview(contact: Contact) -> list[tuple[str, int]]:
    """What erasing the contact deletes, as (what, how many), for the confirmation page."""
    only = _only_theirs(contact).count()
    counts = [("activities about this person only", only)]
    for handler, rows in _relations(contact):
        # The links of the activities deleted whole are counted above, not again.
        n = rows.count() - (only if handler.key == _ACTIVITY_LINKS else 0)
        counts.append((_LINK_LABELS.get(handler.key, handler.label), n))
    needles = person_needles(contact)
    counts.append(("import and export files holding them", len(files_holding(needles))))
    counts.append(("failed import rows holding them", import_errors_holding(needles).count()))
    counts.append(
        ("earlier values kept for an import's undo", undo_values_holding(contact).count())
    )
    return [(label, n) for label, n in counts if n]


def _doomed(contact: Contact) -> list[models.QuerySet[Any]]:
    """The rows to delete besides the contact itself (which cascades to its own rows)."""
    return [_only_theirs(contact), *(rows for _, rows in _relations(contact))]


def _collected(querysets: list[models.QuerySet[Any]]) -> dict[type[models.Model], set[Any]]:
    """Every row these deletes reach, cascades included, by model."""
    rows: dict[type[models.Model], set[Any]] = defaultdict(set)
    for qs in querysets:
        collector = Collector(using=router.db_for_write(qs.model))
        collector.collect(list(qs))
        for model, instances in collector.data.items():
            rows[model].update(i.pk for i in instances)
        for fast in collector.fast_deletes:
            rows[fast.model].update(fast.values_list("pk", flat=True))
    return rows


def _files(rows: dict[type[models.Model], set[Any]]) -> list[Any]:
    """The stored files of the rows going (attachments): deleted once the erasure commits."""
    files = []
    for model, pks in rows.items():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for name in names:
            for row in model._default_manager.filter(pk__in=pks).only(name):
                if getattr(row, name):
                    files.append(getattr(row, name))
    return files


def _scrub(rows: dict[type[models.Model], set[Any]]) -> int:
    """Blank the values of the audit entries about these rows; keep who, when and which
    fields."""
    scrubbed = 0
    for model, pks in rows.items():
        entries = AuditEntry.objects.filter(entity=model._meta.label_lower, object_id__in=pks)
        for entry in entries:
            entry.changes = {name: [ERASED, ERASED] for name in entry.changes}
            entry.object_repr = ERASED
            entry.save(update_fields=["changes", "object_repr"])
            scrubbed += 1
    return scrubbed


def _objection_kept(workspace: Workspace, contact: Contact) -> int:
    """When the person's last word on email was "no" (an opt-out, or do-not-email), their
    addresses go on the suppression list before they are forgotten: the objection outlives
    the erasure, so an old list imported again does not mail them. Returns how many."""
    latest = consent_current(contact=contact)
    objected = contact.do_not_email or any(
        event is not None and event.status == ConsentStatus.OPTED_OUT
        for purpose, _, event in latest
        if purpose in EMAIL_PURPOSES
    )
    if not objected:
        return 0
    added = 0
    for email in contact.emails.values_list("email", flat=True):
        _, created = Suppression.objects.get_or_create(
            workspace=workspace, email=email, defaults={"reason": SuppressionReason.UNSUBSCRIBE}
        )
        added += created
    return added


def person_erase(*, workspace: Workspace, actor: Actor, contact: Contact, confirm: str) -> Erasure:
    """Forget `contact` for good (no undo). `confirm` must repeat the contact's name, as a
    check that the right person is being erased."""
    if confirm.strip() != str(contact).strip():
        raise ServiceValidationError.single(
            "confirm", f"type the person's name, {str(contact)!r}, to confirm"
        )
    with transaction.atomic():
        merges = MergeRecord.objects.filter(entity=CONTACT).filter(
            models.Q(survivor_id=contact.pk) | models.Q(removed_id=contact.pk)
        )
        erasure = Erasure(suppressed=_objection_kept(workspace, contact))
        needles = person_needles(contact)
        erasure.import_errors = import_errors_blank(needles)
        erasure.undo_values = undo_values_blank(contact)
        for row, stored in files_holding(needles):
            file_forget(row)
            transaction.on_commit(partial(stored.delete, save=False))
            erasure.files += 1
        # The rows pointing at the contact first: a ticket protects its requester.
        for doomed in ([*_doomed(contact), merges], [Contact.objects.filter(pk=contact.pk)]):
            rows = _collected(doomed)
            files = _files(rows)
            for model, pks in rows.items():
                label = model._meta.label_lower
                erasure.deleted[label] = erasure.deleted.get(label, 0) + len(pks)
            erasure.scrubbed += _scrub(rows)
            for qs in doomed:
                qs.delete()
            for stored in files:
                transaction.on_commit(partial(stored.delete, save=False))
        erasure.deleted = {label: n for label, n in erasure.deleted.items() if n}
        entry = audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.ERASE,
            instance=contact,
            changes={
                "deleted": [None, erasure.deleted],
                "suppressed": [None, erasure.suppressed],
                "files": [None, erasure.files],
                "import_errors": [None, erasure.import_errors],
                "undo_values": [None, erasure.undo_values],
            },
        )
        assert entry is not None
        entry.object_repr = ERASED  # not the name just forgotten
        entry.save(update_fields=["object_repr"])
    return erasure
