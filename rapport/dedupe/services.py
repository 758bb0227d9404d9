"""Writes of duplicate detection: a detection run, "not a duplicate", pairs closed by merges."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.core.bulk_rows import copy_in
from rapport.core.errors import ServiceValidationError, StateConflict
from rapport.dedupe.detection import DEFAULT_THRESHOLD, Found, PhaseClock, detect
from rapport.dedupe.frames import ENTITIES
from rapport.dedupe.models import DuplicatePair, PairStatus
from rapport.dedupe.queries import pair_records_gone
from rapport.tenancy.models import Workspace

BATCH = 5_000
FoundRow = tuple[int, int, float, float, list[str]]  # a, b, probability, weight, reasons


@dataclass(frozen=True)
class RunSummary:
    entity: str
    records: int
    candidates: int
    open_pairs: int
    clock: PhaseClock = field(default_factory=PhaseClock)  # the time each phase took


def dedupe_run(
    *, workspace: Workspace, entity: str, threshold: float = DEFAULT_THRESHOLD
) -> RunSummary:
    """Detect `entity` duplicates in the workspace and refresh its open pairs.

    A pair already decided (not a duplicate, merged) keeps its status whatever the new score;
    an open pair no longer found (its records changed) is dropped from the queue.
    """
    if entity not in ENTITIES:
        raise ServiceValidationError.single("entity", f"'{entity}' is not contact or company")
    spec = ENTITIES[entity]
    clock = PhaseClock()
    frame = spec.load()
    clock.lap("read")
    found = detect(frame, spec.spec, threshold=threshold, clock=clock)
    _pairs_store(workspace, entity, found)
    clock.lap("write")
    return RunSummary(entity, frame.height, found.candidates, len(found.a), clock)


def _pairs_store(workspace: Workspace, entity: str, found: Found) -> None:
    """Insert or refresh the found pairs; drop open pairs no longer found."""
    probability = found.probability.round(4).tolist()
    weight = found.weight.round(4).tolist()
    rows = zip(found.a.tolist(), found.b.tolist(), probability, weight, found.reasons, strict=True)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _pairs_copy(workspace, entity, rows)
        else:
            _pairs_bulk_create(workspace, entity, rows)


def _pairs_copy(workspace: Workspace, entity: str, rows: Iterable[FoundRow]) -> None:
    """PostgreSQL: the pairs by COPY into a temporary table, then one upsert from it and one
    delete of the open pairs missing from it (a million contacts' 90,000 pairs in seconds)."""
    # The table's name comes from the model, every value is a parameter.
    table = connection.ops.quote_name(DuplicatePair._meta.db_table)
    scope: dict[str, Any] = {"workspace": workspace.pk, "entity": entity, "open": PairStatus.OPEN}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE dedupe_found (a_id bigint, b_id bigint, "
            "probability double precision, match_weight double precision, reasons jsonb) "
            "ON COMMIT DROP"
        )
        with copy_in(cursor, "COPY dedupe_found FROM STDIN") as copy:
            for a, b, p, w, reasons in rows:
                copy.write_row((a, b, p, w, json.dumps(reasons)))
        cursor.execute(
            f"""DELETE FROM {table} pair WHERE pair.workspace_id = %(workspace)s
                AND pair.entity = %(entity)s AND pair.status = %(open)s
                AND NOT EXISTS (SELECT 1 FROM dedupe_found f
                                WHERE f.a_id = pair.a_id AND f.b_id = pair.b_id)""",  # noqa: S608
            scope,
        )
        cursor.execute(
            f"""INSERT INTO {table} (workspace_id, entity, a_id, b_id, probability,
                                     match_weight, reasons, status, created_at, updated_at)
                SELECT %(workspace)s, %(entity)s, a_id, b_id, probability, match_weight,
                       reasons, %(open)s, %(now)s, %(now)s FROM dedupe_found
                ON CONFLICT (workspace_id, entity, a_id, b_id) DO UPDATE
                SET probability = EXCLUDED.probability, match_weight = EXCLUDED.match_weight,
                    reasons = EXCLUDED.reasons, updated_at = EXCLUDED.updated_at""",  # noqa: S608
            {**scope, "now": timezone.now()},
        )
        cursor.execute("DROP TABLE dedupe_found")  # now, not at commit: a run may follow


def _pairs_bulk_create(workspace: Workspace, entity: str, rows: Iterable[FoundRow]) -> None:
    now = timezone.now()
    pairs = [
        DuplicatePair(
            workspace=workspace,
            entity=entity,
            a_id=a,
            b_id=b,
            probability=p,
            match_weight=w,
            reasons=reasons,
            created_at=now,
            updated_at=now,
        )
        for a, b, p, w, reasons in rows
    ]
    kept = {(r.a_id, r.b_id) for r in pairs}
    stale = [
        pk
        for pk, a, b in DuplicatePair.objects.filter(
            entity=entity, status=PairStatus.OPEN
        ).values_list("pk", "a_id", "b_id")
        if (a, b) not in kept
    ]
    for start in range(0, len(stale), BATCH):
        DuplicatePair.objects.filter(pk__in=stale[start : start + BATCH]).delete()
    DuplicatePair.objects.bulk_create(
        pairs,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["workspace", "entity", "a_id", "b_id"],
        update_fields=["probability", "match_weight", "reasons", "updated_at"],
    )


def _records_present(pair: DuplicatePair) -> None:
    """Refuse a decision on a pair one of whose records a merge or a delete removed."""
    gone = pair_records_gone(pair)
    if gone:
        raise StateConflict.single(
            "pair", f"{pair.entity} #{gone[0]} no longer exists (merged or deleted)"
        )


def _status_set(workspace: Workspace, actor: Any, pair: DuplicatePair, status: str) -> None:
    with transaction.atomic():
        before = pair.status
        pair.status = status
        pair.save(update_fields=["status", "updated_at"])
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=pair,
            changes={"status": [before, pair.status]},
        )


def pair_mark_not_duplicate(*, workspace: Workspace, actor: Any, pair: DuplicatePair) -> None:
    """Remember that the two records are distinct: no later run reopens the pair. Refused on
    a merged pair, or one whose record is gone: there is nothing left to tell apart."""
    if pair.status == PairStatus.NOT_DUPLICATE:
        return
    if pair.status == PairStatus.MERGED:
        raise StateConflict.single("pair", "the two records were merged already")
    _records_present(pair)
    _status_set(workspace, actor, pair, PairStatus.NOT_DUPLICATE)


def pair_reopen(*, workspace: Workspace, actor: Any, pair: DuplicatePair) -> None:
    """Undo "not a duplicate": the pair is back in the queue (and later runs refresh it)."""
    if pair.status != PairStatus.NOT_DUPLICATE:
        raise StateConflict.single("pair", "the pair is not marked “not a duplicate”")
    _records_present(pair)
    _status_set(workspace, actor, pair, PairStatus.OPEN)


def pairs_mark_merged(*, entity: str, removed_id: int, undone: bool) -> int:
    """A merge removed `removed_id`: its open pairs are closed (reopened if the merge is undone)."""
    involving = DuplicatePair.objects.filter(Q(a_id=removed_id) | Q(b_id=removed_id), entity=entity)
    if undone:
        return involving.filter(status=PairStatus.MERGED).update(
            status=PairStatus.OPEN, updated_at=timezone.now()
        )
    return involving.filter(status=PairStatus.OPEN).update(
        status=PairStatus.MERGED, updated_at=timezone.now()
    )


def dedupe_request(*, workspace: Workspace) -> None:
    """Queue a detection run of the workspace (after commit, in a worker)."""
    from rapport.dedupe.tasks import dedupe_workspace  # tasks import this module

    transaction.on_commit(lambda: dedupe_workspace.enqueue(workspace.pk))
