"""Merges close the pairs of the record they removed (and an undo reopens them)."""

from rapport.core.hooks import on_records_changed
from rapport.dedupe.frames import ENTITIES
from rapport.dedupe.services import pairs_mark_merged
from rapport.merge.models import MergeRecord
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

_BY_MERGE_ENTITY = {e.merge_entity: e.name for e in ENTITIES.values()}


@on_records_changed("merge.mergerecord")
def merges_close_pairs(workspace_id: int, ids: list[int]) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace):
        for record in MergeRecord.objects.filter(pk__in=ids):
            entity = _BY_MERGE_ENTITY.get(record.entity)
            if entity:
                pairs_mark_merged(
                    entity=entity, removed_id=record.removed_id, undone=record.undone_at is not None
                )
