from django.db import models

from rapport.audit.timeline import timeline_folded
from rapport.core.timeline import TimelineCursor, TimelineItem, timeline_source
from rapport.merge.models import MergeRecord
from rapport.merge.queries import merges_of

# The merge item tells what was merged: the survivor's change item need not repeat it.
timeline_folded("merged_contact", "merged_company")


@timeline_source("contacts.contact", "contacts.company", any_rows=MergeRecord)
def record_merges(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    """A merge shows on the survivor's timeline (with its undo button while it can be
    undone), and on the restored record once undone."""
    qs = merges_of(entity=record._meta.label_lower, record_id=record.pk)
    if before is not None:
        qs = qs.filter(before.q("m", "merged_at"))
    rows = qs.select_related("merged_by", "undone_by").order_by("-merged_at", "-id")[:limit]
    return [TimelineItem(m.merged_at, "merge", "m", m.pk, m) for m in rows]
