"""The merge handler registry: how each app moves its rows from a merged-away record.

When two contacts (or companies) are merged, every row that points at the one going away
must end up pointing at the survivor, or the deletion would take it along. The merge app
knows none of those rows: each app registers, in its own `merge_handlers` module, a handler
per relation it owns. A handler moves the rows and returns a JSON log of what it did; undo
hands the log back. `rapport/merge/tests/test_registry.py` walks Django's model graph and
fails for any foreign key to a contact or company that no handler covers.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from rapport.merge.snapshots import row_restore, row_snapshot
from rapport.tenancy.models import Workspace

Log = dict[str, Any]
CONTACT = "contacts.contact"
COMPANY = "contacts.company"


@dataclass(frozen=True)
class MergePair:
    workspace: Workspace
    survivor: models.Model
    other: models.Model  # the record merged away (during undo: restored, with its old id)


class MergeHandler(ABC):
    key: str  # unique in the registry, stored in merge records: never rename
    entity: str  # CONTACT or COMPANY
    label: str  # plural, for "3 orders will move"
    covers: tuple[str, ...]  # the relations it moves, as "app_label.model.field"

    @abstractmethod
    def count(self, record: models.Model) -> int:
        """How many rows point at `record` (shown before a merge)."""

    @abstractmethod
    def move(self, pair: MergePair) -> Log:
        """Point the rows of `pair.other` at `pair.survivor`; return what undo needs."""

    @abstractmethod
    def undo(self, pair: MergePair, log: Log) -> None:
        """Put back what `move` did; rows deleted since are passed over."""


def relation_label(model: type[models.Model], field: str) -> str:
    return f"{model._meta.label_lower}.{field}"


class RelationMove(MergeHandler):
    """Moves the rows of `model` whose foreign key `field` points at the merged-away record.

    `unique_with` names the columns that are unique together with `field` (`("activity",)`
    for an activity link; `()` for a one-to-one): a row of the other record that duplicates
    one the survivor already has is deleted instead, and its snapshot kept for undo. `None`
    means nothing is unique. When a deleted duplicate had the boolean `keep_flag` at
    `keep_value` (a primary flag set; an attendee link's `via_attendee` unset, i.e. chosen),
    the survivor's row it duplicated takes that value.
    """

    def __init__(
        self,
        model: type[models.Model],
        field: str,
        *,
        label: str,
        unique_with: tuple[str, ...] | None = None,
        keep_flag: str = "",
        keep_value: bool = True,
    ) -> None:
        self.model = model
        self.field = field
        self.label = label
        self.unique_with = unique_with
        self.keep_flag = keep_flag
        self.keep_value = keep_value
        related = model._meta.get_field(field).related_model
        self.entity = related._meta.label_lower  # type: ignore[union-attr]
        self.key = relation_label(model, field)
        self.covers = (self.key,)

    @property
    def _manager(self) -> models.Manager[Any]:
        return self.model._default_manager

    def rows(self, record: models.Model) -> models.QuerySet[Any]:
        """The rows of this relation pointing at `record` (what a merge moves, what a
        person's data export and erasure read)."""
        qs = self._manager.filter(**{self.field: record})
        if self.model is type(record):
            # A company's subsidiaries: the survivor never becomes its own parent.
            qs = qs.exclude(pk=record.pk)
        return qs

    def count(self, record: models.Model) -> int:
        return self.rows(record).count()

    def move(self, pair: MergePair) -> Log:
        rows = self.rows(pair.other)
        if self.model is type(pair.other):
            rows = rows.exclude(pk=pair.survivor.pk)
        if self.unique_with is None:
            ids = list(rows.values_list("pk", flat=True))
            self._manager.filter(pk__in=ids).update(**{self.field: pair.survivor})
            return {"moved": ids}
        columns = [getattr(self.model._meta.get_field(f), "attname", f) for f in self.unique_with]
        kept = {
            tuple(row[1:]): row[0] for row in self.rows(pair.survivor).values_list("pk", *columns)
        }
        moved: list[int] = []
        removed: list[dict[str, Any]] = []
        flag_to: list[int] = []
        for row in rows.order_by("pk"):
            duplicate_of = kept.get(tuple(getattr(row, c) for c in columns))
            if duplicate_of is None:
                moved.append(row.pk)
                continue
            removed.append(row_snapshot(row))
            if self.keep_flag and getattr(row, self.keep_flag) == self.keep_value:
                flag_to.append(duplicate_of)
        self._manager.filter(pk__in=[r["pk"] for r in removed]).delete()
        self._manager.filter(pk__in=moved).update(**{self.field: pair.survivor})
        raised: list[int] = []  # the survivor's rows given `keep_value`
        if self.keep_flag:
            other = {self.keep_flag: not self.keep_value}
            unflagged = self._manager.filter(pk__in=flag_to, **other)
            raised = list(unflagged.values_list("pk", flat=True))
            unflagged.update(**{self.keep_flag: self.keep_value})
        return {"moved": moved, "removed": removed, "raised": raised}

    def undo(self, pair: MergePair, log: Log) -> None:
        # Only rows still on the survivor go back: one re-pointed by hand since stays put.
        back = self._manager.filter(pk__in=log.get("moved", []), **{self.field: pair.survivor})
        back.update(**{self.field: pair.other})
        if self.keep_flag:
            raised = self._manager.filter(pk__in=log.get("raised", []))
            raised.update(**{self.keep_flag: not self.keep_value})
        for snapshot in log.get("removed", []):
            row_restore(snapshot)


_handlers: dict[str, MergeHandler] = {}


def merge_handler_register(handler: MergeHandler) -> MergeHandler:
    if handler.entity not in (CONTACT, COMPANY):
        raise ValueError(f"merge handlers are for contacts or companies, not {handler.entity}")
    _handlers[handler.key] = handler
    return handler


def merge_handlers(entity: str) -> list[MergeHandler]:
    """The handlers for one kind of record, in registration order (undo runs them reversed)."""
    return [h for h in _handlers.values() if h.entity == entity]


def merge_handler_get(key: str) -> MergeHandler | None:
    return _handlers.get(key)


def covered_relations() -> set[str]:
    return {relation for h in _handlers.values() for relation in h.covers}


def relations_to(targets: Iterable[type[models.Model]]) -> set[str]:
    """Every foreign key (link tables included) pointing at one of `targets`."""
    from django.apps import apps

    wanted = set(targets)
    return {
        relation_label(model, field.name)
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.related_model in wanted
    }
