"""After-commit hooks: an app learns that records of another app changed, without that app
knowing it exists (lead scoring listens to contacts and activities, say).

Services call `records_changed` inside their transaction; listeners run once it commits,
so a listener never sees a change that was rolled back.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.db import connection, transaction

Listener = Callable[[int, list[int]], None]
_listeners: dict[str, list[Listener]] = {}
_with_actor: set[Listener] = set()


def on_records_changed(entity: str, *, with_actor: bool = False) -> Callable[[Listener], Listener]:
    """Register `fn(workspace_id, ids)` for changes to `app_label.model` records; `with_actor`:
    `fn(workspace_id, ids, actor=...)`, given who made the change, for a listener that writes
    audited changes of its own."""

    def register(fn: Listener) -> Listener:
        _listeners.setdefault(entity, []).append(fn)
        if with_actor:
            _with_actor.add(fn)
        return fn

    return register


class _Gathered:
    """A change announced inside `records_gathered`: a commit hook that does nothing, there
    so that a savepoint's rollback drops it, and the ids it carries with it."""

    def __init__(self, entity: str, workspace_id: int, ids: list[int], actor: Any) -> None:
        self.key = (entity, workspace_id, actor)
        self.ids = ids

    def __call__(self) -> None:
        pass


_gathering: ContextVar[list[_Gathered] | None] = ContextVar("records_gathering", default=None)


def gathering() -> object | None:
    """The `records_gathered` block the caller is in, if any (`tenancy.data_version` raises
    a workspace's version once for a whole block too)."""
    return _gathering.get()


def records_changed(*, entity: str, workspace_id: int, ids: list[int], actor: Any = None) -> None:
    """`actor`: who made the change (a user, or None for the system)."""
    gathered = _gathering.get()
    if gathered is not None and connection.in_atomic_block:
        gathered.append(_Gathered(entity, workspace_id, list(ids), actor))
        transaction.on_commit(gathered[-1])
        return
    for fn in _listeners.get(entity, []):
        given = {"actor": actor} if fn in _with_actor else {}
        transaction.on_commit(partial(fn, workspace_id, list(ids), **given))


@contextmanager
def records_gathered() -> Iterator[None]:
    """Inside a transaction: the changes announced within are announced again on the way
    out, once per entity and workspace, with the ids of those whose savepoints were kept.
    A chunk of an import writes a thousand rows, each through the services in a savepoint;
    the listeners then run once for the chunk (one scoring task, not a thousand)."""
    gathered: list[_Gathered] = []
    token = _gathering.set(gathered)
    try:
        yield
    finally:
        _gathering.reset(token)
    kept = {id(entry[1]) for entry in connection.run_on_commit}  # (savepoints, fn, robust)
    merged: dict[tuple[str, int, Any], dict[int, None]] = {}
    for announced in gathered:
        if id(announced) in kept:
            merged.setdefault(announced.key, {}).update(dict.fromkeys(announced.ids))
    for (entity, workspace_id, actor), ids in merged.items():
        records_changed(entity=entity, workspace_id=workspace_id, ids=list(ids), actor=actor)
