"""Segments and lists made through the services, as users make them."""

from typing import Any

from rapport.marketing.models import Segment
from rapport.marketing.services import segment_create
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


def make_segment(workspace: Workspace, actor: Any = None, **data: Any) -> Segment:
    data.setdefault("name", "VIPs")
    with workspace_scope(workspace):
        return segment_create(workspace=workspace, actor=actor, data=data)


def group(*rules: dict[str, Any], op: str = "and") -> dict[str, Any]:
    return {"op": op, "rules": list(rules)}
