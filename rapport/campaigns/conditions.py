"""A segment condition on email engagement: "opened any campaign in the last 30 days",
"never clicked campaign X". Joins marketing's condition registry from this app."""

import datetime as dt
from typing import Any, Literal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from pydantic import Field

from rapport.campaigns.models import Campaign, EventKind, TrackingEvent
from rapport.core.errors import FieldError
from rapport.marketing.conditions.registry import (
    ConditionType,
    Input,
    Params,
    condition_type_register,
)
from rapport.tenancy.models import Workspace

ACTIONS = [
    (EventKind.OPEN.value, "opened"),
    (EventKind.CLICK.value, "clicked"),
    (EventKind.UNSUBSCRIBE.value, "unsubscribed from"),
    (EventKind.BOUNCE.value, "bounced on"),
]


class EngagementParams(Params):
    op: Literal["has", "has_not"] = "has"
    action: Literal["open", "click", "unsubscribe", "bounce"] = "open"
    campaign: str = Field("any", description='a campaign id, or "any"')
    days: int | None = Field(None, ge=1, le=36500, description="within the last N days")


@condition_type_register
class EngagementCondition(ConditionType):
    key = "email_engagement"
    label = "Email engagement"
    params = EngagementParams

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        if params.campaign != "any" and not (
            params.campaign.isdigit() and Campaign.objects.filter(pk=int(params.campaign)).exists()
        ):
            return params, [FieldError("campaign", "is not a campaign of this workspace")]
        return params, []

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        events = TrackingEvent.objects.filter(contact_id=OuterRef("pk"), kind=params.action)
        if params.campaign != "any":
            events = events.filter(campaign_id=int(params.campaign))
        if params.days:
            events = events.filter(at__gte=timezone.now() - dt.timedelta(days=params.days))
        return Q(Exists(events)) if params.op == "has" else ~Q(Exists(events))

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        campaigns = [
            ("any", "any campaign"),
            *((str(c.pk), c.name) for c in Campaign.objects.all()),
        ]
        return [
            Input("op", "Comparison", [("has", "has"), ("has_not", "has not")]),
            Input("action", "Action", ACTIONS),
            Input("campaign", "Campaign", campaigns),
            Input("days", "In the last N days (empty: ever)", kind="number"),
        ]
