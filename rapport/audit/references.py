"""Names for the ids an audit entry holds: "owner 3 → 7" reads "Ann Lee → Bo Chen".

Apps register how to name the records a changed field points at; the timeline resolves all
entries of a page with one query per kind of record. A record that no longer exists keeps
its id, marked as deleted.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from rapport.audit.labels import change_rows, custom_field_labels
from rapport.audit.models import AuditEntry

Namer = Callable[[set[int]], dict[int, str]]
_namers: dict[str, Namer] = {}


def audit_reference(*fields: str) -> Callable[[Namer], Namer]:
    """Register `namer(ids) -> {id: name}` for changes of these field names."""

    def register(fn: Namer) -> Namer:
        for name in fields:
            _namers[name] = fn
        return fn

    return register


def _ids(value: Any) -> Iterable[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        yield value
    elif isinstance(value, list):
        yield from (v for v in value if isinstance(v, int) and not isinstance(v, bool))


def _named(value: Any, names: dict[int, str]) -> Any:
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return names.get(value, f"#{value} (deleted)")
    return value


def describe_changes(entries: list[AuditEntry]) -> None:
    """Set `entry.changes_display`: the changes with referenced ids replaced by names; and
    `entry.change_rows`: those as a reader sees them, by label (`audit.labels`)."""
    wanted: dict[Namer, set[int]] = defaultdict(set)
    for entry in entries:
        for name, pair in entry.changes.items():
            if name in _namers:
                for value in pair:
                    wanted[_namers[name]].update(_ids(value))
    names = {namer: namer(ids) for namer, ids in wanted.items() if ids}
    for entry in entries:
        entry.changes_display = {  # type: ignore[attr-defined]
            name: [_named(v, names[_namers[name]]) for v in pair]
            if name in _namers and _namers[name] in names
            else pair
            for name, pair in entry.changes.items()
        }
    labels = custom_field_labels(entries)
    for entry in entries:
        entry.change_rows = change_rows(entry, labels)  # type: ignore[attr-defined]
