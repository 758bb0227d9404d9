"""Conditions on logged activities: "no call in the last 90 days", "a meeting since 1 May"."""

import datetime as dt
from typing import Any, Literal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from pydantic import Field

from rapport.activities.models import ActivityContact, ActivityKind
from rapport.core.errors import FieldError
from rapport.marketing.conditions.registry import (
    ConditionType,
    Input,
    Params,
    condition_type_register,
)
from rapport.tenancy.models import Workspace

WHEN = [("within_days", "in the last N days"), ("since", "since a date"), ("ever", "ever")]


class ActivityParams(Params):
    op: Literal["has", "has_not"] = "has"
    kind: ActivityKind | Literal["any"] = "any"
    when: Literal["within_days", "since", "ever"] = "ever"
    days: int | None = Field(None, ge=1, le=36500)
    since: dt.date | None = None


@condition_type_register
class ActivityCondition(ConditionType):
    key = "activity"
    label = "Activity"
    params = ActivityParams

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        if params.when == "within_days" and params.days is None:
            return params, [FieldError("days", "is required")]
        if params.when == "since" and params.since is None:
            return params, [FieldError("since", "is required")]
        if params.when != "within_days":
            params.days = None
        if params.when != "since":
            params.since = None
        return params, []

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        links = ActivityContact.objects.filter(contact_id=OuterRef("pk"))
        if params.kind != "any":
            links = links.filter(activity__kind=params.kind)
        if params.when == "within_days":
            cutoff = timezone.now() - dt.timedelta(days=params.days)
            links = links.filter(activity__occurred_at__gte=cutoff)
        elif params.when == "since":
            start = dt.datetime.combine(params.since, dt.time(), tzinfo=dt.UTC)
            links = links.filter(activity__occurred_at__gte=start)
        return Q(Exists(links)) if params.op == "has" else ~Q(Exists(links))

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        kinds = [("any", "any activity"), *ActivityKind.choices]
        out = [
            Input("op", "Comparison", [("has", "has"), ("has_not", "has no")]),
            Input("kind", "Kind", kinds),
            Input("when", "When", WHEN),
        ]
        if values.get("when") == "within_days":
            out.append(Input("days", "Days", kind="number"))
        elif values.get("when") == "since":
            out.append(Input("since", "Since", kind="date"))
        return out
