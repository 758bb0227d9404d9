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
    """Two moments per enrollment at most; a contact is in few sequences, so all of its
    enrollments are read and the moments after `before` kept (tags `sqin` and `sqout`)."""
    rows = Enrollment.objects.filter(contact_id=record.pk).select_related("sequence")
    items = []
    for e in rows.order_by("-created_at", "-id")[: limit * 2]:
        items.append(TimelineItem(e.created_at, "sequence", "sqin", e.pk, SequenceMoment(e, True)))
        if e.finished_at is not None:
            moment = SequenceMoment(e, False)
            items.append(TimelineItem(e.finished_at, "sequence", "sqout", e.pk, moment))
    kept = [i for i in items if before is None or before.admits(i)]
    return sorted(kept, key=lambda i: i.position, reverse=True)[:limit]
