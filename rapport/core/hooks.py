"""After-commit hooks: an app learns that records of another app changed, without that app
knowing it exists (lead scoring listens to contacts and activities, say).

Services call `records_changed` inside their transaction; listeners run once it commits,
so a listener never sees a change that was rolled back.
"""

from collections.abc import Callable
from functools import partial

from django.db import transaction

Listener = Callable[[int, list[int]], None]
_listeners: dict[str, list[Listener]] = {}


def on_records_changed(entity: str) -> Callable[[Listener], Listener]:
    """Register `fn(workspace_id, ids)` for changes to `app_label.model` records."""

    def register(fn: Listener) -> Listener:
        _listeners.setdefault(entity, []).append(fn)
        return fn

    return register


def records_changed(*, entity: str, workspace_id: int, ids: list[int]) -> None:
    for fn in _listeners.get(entity, []):
        transaction.on_commit(partial(fn, workspace_id, list(ids)))
