"""An update import's undo of many leads at once (`LeadImporter.restore_many`).

One by one, each lead cost its own read, save and audit insert. Here the leads are read
together, each record's values checked as `lead_restore` checks them and applied in the
order given (newest first, so a lead the import updated twice ends as it was before the
first), its score taken again with the rules read once, and the leads written with one
UPDATE and their audit entries with one insert: the same leads and the same entries.
"""

from typing import Any

from django.utils import timezone

from rapport.audit.services import audit_rows_updated, diff, snapshot
from rapport.core.bulk_rows import rows_update, slices
from rapport.core.errors import ServiceValidationError
from rapport.sales.leads import LEAD_AUDITED, LEAD_FIELDS, lead_restored
from rapport.sales.models import Lead, LeadStatus, ScoringRule
from rapport.sales.scoring import lead_score
from rapport.tenancy.models import Workspace

# What a restore may change on a lead's row, its score with it.
WRITTEN = (*LEAD_FIELDS, "disqualify_reason", "score", "score_reasons")


def leads_restore(
    *, workspace: Workspace, actor: Any, restores: list[tuple[int, dict[str, Any]]]
) -> None:
    """Put back each (lead id, values an import replaced), in this order; leads deleted
    since are passed over, a converted one refused as `lead_restore` refuses it."""
    ids = list(dict.fromkeys(pk for pk, _ in restores))
    leads: dict[int, Lead] = {}
    for part in slices(ids):
        leads.update((x.pk, x) for x in Lead.objects.filter(workspace=workspace, pk__in=part))
    rules = list(ScoringRule.objects.filter(target="lead"))
    entries: list[tuple[str, int, str, dict[str, list[Any]]]] = []
    changed: dict[int, Lead] = {}
    for pk, previous in restores:
        lead = leads.get(pk)
        if lead is None:
            continue
        if lead.status == LeadStatus.CONVERTED:
            raise ServiceValidationError.single("status", "a converted lead cannot be changed")
        before = snapshot(lead, LEAD_AUDITED)
        for name, value in lead_restored(workspace, lead, previous).items():
            setattr(lead, name, value)
        score = lead_score(lead, rules=rules)
        lead.score, lead.score_reasons = score.total, score.reasons
        changed[pk] = lead
        if changes := diff(before, snapshot(lead, LEAD_AUDITED)):
            entries.append(("sales.lead", pk, str(lead), changes))
    written = [(pk, *(getattr(lead, name) for name in WRITTEN)) for pk, lead in changed.items()]
    rows_update(Lead, WRITTEN, written, workspace_id=workspace.pk, now=timezone.now())
    if entries:
        audit_rows_updated(workspace_id=workspace.pk, actor=actor, entries=entries)
