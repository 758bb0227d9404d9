"""A contact's sequences on its timeline: when it entered one and when and why it left.

Sending a step's email shows through the step's campaign (its opens and clicks), so this
source adds only what no other source knows: the entry and the end of the drip.
"""

from dataclasses import dataclass

from django.db import models

from rapport.core.timeline import TimelineCursor, TimelineItem, timeline_source
from rapport.sequences.models import Enrollment


@dataclass(frozen=True)
class SequenceMoment:
    enrollment: Enrollment
    entered: bool  # True: the contact entered the sequence; False: it left it


# Enrollments are written by `sequence_enroll`, whose audited change raises the data version
# when it commits.
@timeline_source("contacts.contact", any_rows=Enrollment)
def contact_sequence_moments(
    record: models.Model, before: TimelineCursor | None, limit: int
) -> list[TimelineItem]:
    """Two moments per enrollment at most, read as two kinds of rows (tags `sqin`, the
    entries, and `sqout`, the ends), each after the cursor in the query and at most `limit`:
    however many sequences the contact was in, a page deep in its timeline sees them all."""
    rows = Enrollment.objects.filter(contact_id=record.pk).select_related("sequence")
    entries = rows if before is None else rows.filter(before.q("sqin", "created_at"))
    ends = rows.filter(finished_at__isnull=False)
    if before is not None:
        ends = ends.filter(before.q("sqout", "finished_at"))
    items = [
        TimelineItem(e.created_at, "sequence", "sqin", e.pk, SequenceMoment(e, True))
        for e in entries.order_by("-created_at", "-id")[:limit]
    ]
    items += [
        TimelineItem(e.finished_at, "sequence", "sqout", e.pk, SequenceMoment(e, False))
        for e in ends.order_by("-finished_at", "-id")[:limit]
    ]
    return sorted(items, key=lambda i: i.position, reverse=True)[:limit]
