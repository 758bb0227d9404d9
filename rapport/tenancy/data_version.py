"""Pages kept in the cache per workspace, and the version that makes them stale.

Every committed change of a workspace's data raises `Workspace.data_version`
(`data_changed`, called by the audit writer, which every write of customer data passes, and by
the few writes that are not audited: members, saved views). A kept page's key holds the
workspace id and the version the request read with its membership, before it read any data;
so a page kept under a version holds data at least as new as that version, and once a change
commits, every page kept before it is under an old key and is never served again.

The version is raised after the commit, not inside the write's transaction, so writes never
queue on the workspace row; a request that reads the old version in the instant between the
commit and the raise reads the new data too, and keeps it under the old key, which is harmless.

Django's cache framework keeps the pages: Redis when `REDIS_URL` is set (shared by every
worker), else each process's memory, which is still right because the version comes from the
database on every request. `RAPPORT_KEEP_PAGES` turns keeping off (the test settings do).
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from rapport.core.hooks import gathering
from rapport.tenancy.models import Workspace

T = TypeVar("T")

# Long enough to serve a busy list many times, short enough that what no version tracks (a
# user's display name, changed in the admin) shows within minutes.
KEEP_SECONDS = 600


class _PendingRaise:
    """The workspaces changed at one transaction level (or in one `records_gathered`
    block), raised once each when it commits."""

    def __init__(self) -> None:
        self.workspace_ids: set[int] = set()
        self.savepoints = tuple(connection.savepoint_ids)
        self.gathering = gathering()
        self.at = -1  # its place among the commit hooks
        self.done = False

    def __call__(self) -> None:
        self.done = True
        for workspace_id in sorted(self.workspace_ids):
            Workspace.objects.filter(pk=workspace_id).update(data_version=F("data_version") + 1)


def _pending_raise() -> _PendingRaise | None:
    """The raise registered at this transaction level, while it is still to run (a rollback
    drops it from the commit hooks). Inside `records_gathered`, the one registered there at
    any level: one still in the hooks was registered above this level or in a savepoint
    since released, so it commits with this change (an import chunk's rows, each in its
    savepoint, raise once)."""
    pending = getattr(connection, "_rapport_pending_raise", None)
    if pending is None or pending.done:
        return None
    gathered = pending.gathering is not None and pending.gathering is gathering()
    if pending.savepoints != tuple(connection.savepoint_ids) and not gathered:
        return None
    # Where it was registered: a rollback that spared it spared every hook before it (the
    # savepoint rolled back would have held it too), so it is there or gone. Looking it up
    # among the hooks instead made a long import chunk's row writes quadratic.
    hooks = connection.run_on_commit  # (savepoints, fn, robust)
    return pending if pending.at < len(hooks) and hooks[pending.at][1] is pending else None


def data_changed(*, workspace_id: int) -> None:
    """Raise the workspace's data version once the current transaction commits (at once
    outside a transaction). The changes made at one level of a transaction (a service's
    audit entries, say) raise each workspace once."""
    pending = _pending_raise() if connection.in_atomic_block else None
    if pending is not None:
        pending.workspace_ids.add(workspace_id)
        return
    pending = _PendingRaise()
    pending.workspace_ids.add(workspace_id)
    connection._rapport_pending_raise = pending  # type: ignore[attr-defined]
    transaction.on_commit(pending)
    pending.at = len(connection.run_on_commit) - 1


def kept(
    *, workspace: Workspace, name: str, inputs: tuple[object, ...], build: Callable[[], T]
) -> T:
    """`build()`, kept under (workspace, its data version, name, inputs, time zone).

    `inputs` must hold everything else the result depends on (the query string, a role where
    the rendering differs by role). The workspace id is always in the key, and so is the
    active time zone: members of one workspace may see its times in different zones.
    """
    if not getattr(settings, "RAPPORT_KEEP_PAGES", True):
        return build()
    zone = timezone.get_current_timezone_name()
    digest = hashlib.sha256(repr((inputs, zone)).encode()).hexdigest()[:32]
    key = f"rapport:{name}:w{workspace.pk}:v{workspace.data_version}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, KEEP_SECONDS)
    return value
