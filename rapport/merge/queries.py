"""Reads for merges: what a merge of two records would do, and the merges of a record."""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from rapport.merge.fields import MergeField, merge_fields, value_of
from rapport.merge.models import MergeRecord
from rapport.merge.registry import merge_handlers


@dataclass
class FieldRow:
    field: MergeField
    values: tuple[Any, Any]  # stored values of (a, b)

    @property
    def differs(self) -> bool:
        return self.values[0] != self.values[1]


@dataclass
class CountRow:
    label: str
    counts: tuple[int, int]


def merge_preview(a: models.Model, b: models.Model) -> tuple[list[FieldRow], list[CountRow]]:
    """Each pickable field with both values, and per handler how many rows point at each."""
    fields = [FieldRow(f, (value_of(a, f), value_of(b, f))) for f in merge_fields(a, b)]
    counts: dict[str, list[int]] = {}
    for handler in merge_handlers(a._meta.label_lower):
        pair = counts.setdefault(handler.label, [0, 0])
        pair[0] += handler.count(a)
        pair[1] += handler.count(b)
    rows = [CountRow(label, (x, y)) for label, (x, y) in counts.items() if x or y]
    return [f for f in fields if any(v not in (None, "") for v in f.values)], rows


def merge_get(*, merge_id: int) -> MergeRecord:
    """The merge in the current workspace; `MergeRecord.DoesNotExist` for another's."""
    return MergeRecord.objects.select_related("merged_by", "undone_by").get(pk=merge_id)


def merges_of(*, entity: str, record_id: int) -> QuerySet[MergeRecord]:
    """Merges into this record, and undone merges that had removed it."""
    return MergeRecord.objects.filter(entity=entity).filter(
        Q(survivor_id=record_id) | Q(removed_id=record_id, undone_at__isnull=False)
    )
