"""The check a lead's or a deal's `campaign_id` passes, shared by both services."""

from typing import Any

from rapport.campaigns.models import Campaign
from rapport.contacts.services import _Collector
from rapport.tenancy.models import Workspace


def campaign_id_clean(workspace: Workspace, value: Any, c: _Collector) -> int | None:
    """A campaign of the record's own workspace, filtered explicitly rather than left to the
    scope, so a record never links across workspaces whatever scope the caller runs in."""
    if value is None:
        return None
    is_id = isinstance(value, int) and not isinstance(value, bool)
    if not (is_id and Campaign.objects.filter(workspace=workspace, pk=value).exists()):
        c.add("campaign_id", "is not a campaign of this workspace")
        return None
    return int(value)
