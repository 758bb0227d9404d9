"""The base every customer-data model inherits: its workspace, timestamps, scoped manager."""

from typing import Any

from django.db import models
from django_scopes import ScopedManager

from rapport.core.errors import ServiceValidationError

# The range of an `IntegerField` on PostgreSQL, where it is a 32-bit column: a value outside
# it fails the write there (and past 64 bits on SQLite too).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# The largest ordering position (a `PositiveIntegerField`).
POSITION_MAX = INT32_MAX


def position_clean(value: Any) -> int:
    """An ordering position from a request: a whole number the column holds. A boolean is
    refused, though Python counts it an int: JSON `true` is no position 1."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= POSITION_MAX:
        raise ServiceValidationError.single(
            "position", f"must be a whole number from 0 to {POSITION_MAX}"
        )
    return value


class WorkspaceScopedModel(models.Model):
    """A row that belongs to exactly one workspace.

    `objects` is scoped: inside `workspace_scope(ws)` it filters by that workspace, and
    outside any scope it raises `ScopeError` instead of silently returning every tenant's
    rows. `unscoped` is for the few system paths (admin, migrations of data, benchmarks)
    that must see across workspaces, and is greppable.
    """

    workspace = models.ForeignKey("tenancy.Workspace", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=False)

    objects: models.Manager[Any] = ScopedManager(workspace="workspace")
    unscoped = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "unscoped"
        default_manager_name = "objects"


def workspace_key_unindexed() -> Any:
    """The `workspace` key without its own one-column index, for a model whose composite
    indexes all start with the workspace: any of them serves a lookup by workspace alone (and
    the cascade from a workspace's deletion), so the extra index only costs every insert an
    entry (docs/performance.md, "Import, sixth round")."""
    return models.ForeignKey(
        "tenancy.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
