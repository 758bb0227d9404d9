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
    so that a savepoint's rollback drops it, and what it announces. `to`: which listeners it is
    for (those taking the actor, the others, or None: all)."""

    def __init__(
        self, entity: str, workspace_id: int, ids: list[int], actor: Any, to: bool | None
    ) -> None:
        self.entity = entity
        self.workspace_id = workspace_id
        self.ids = ids
        self.actor = actor
        self.to = to

    def __call__(self) -> None:
        pass


_gathering: ContextVar[list[_Gathered] | None] = ContextVar("records_gathering", default=None)


def gathering() -> object | None:
    """The `records_gathered` block the caller is in, if any (`tenancy.data_version` raises
    a workspace's version once for a whole block too)."""
    return _gathering.get()


def records_changed(*, entity: str, workspace_id: int, ids: list[int], actor: Any = None) -> None:
    """`actor`: who made the change (a user, or None for the system)."""
    _announce(entity, workspace_id, ids, actor, None)


def _announce(entity: str, workspace_id: int, ids: list[int], actor: Any, to: bool | None) -> None:
    """Schedule the listeners (`to`: only those taking the actor, only the others, or all)."""
    gathered = _gathering.get()
    if gathered is not None and connection.in_atomic_block:
        gathered.append(_Gathered(entity, workspace_id, list(ids), actor, to))
        transaction.on_commit(gathered[-1])
        return
    for fn in _listeners.get(entity, []):
        takes_actor = fn in _with_actor
        if to is None or to == takes_actor:
            given = {"actor": actor} if takes_actor else {}
            transaction.on_commit(partial(fn, workspace_id, list(ids), **given))


@contextmanager
def records_gathered() -> Iterator[None]:
    """Inside a transaction: the changes announced within are announced again on the way
    out, once per entity and workspace, with the ids of those whose savepoints were kept.
    A chunk of an import writes a thousand rows, each through the services in a savepoint;
    the listeners then run once for the chunk (one scoring task, not a thousand). Listeners
    taking the actor run once per entity, workspace and actor (the demo writes as three users)."""
    gathered: list[_Gathered] = []
    token = _gathering.set(gathered)
    try:
        yield
    finally:
        _gathering.reset(token)
    kept = {id(entry[1]) for entry in connection.run_on_commit}  # (savepoints, fn, robust)
    plain: dict[tuple[str, int, Any], dict[int, None]] = {}
    by_actor: dict[tuple[str, int, Any], dict[int, None]] = {}
    for announced in gathered:
        if id(announced) not in kept:
            continue
        ids = dict.fromkeys(announced.ids)
        if announced.to is not True:
            plain.setdefault((announced.entity, announced.workspace_id, None), {}).update(ids)
        if announced.to is not False:
            key = (announced.entity, announced.workspace_id, announced.actor)
            by_actor.setdefault(key, {}).update(ids)
    for to, merged in ((False, plain), (True, by_actor)):
        for (entity, workspace_id, actor), ids in merged.items():
            _announce(entity, workspace_id, list(ids), actor, to)
