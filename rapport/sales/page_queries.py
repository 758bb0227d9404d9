"""Reads the sales pages need beyond the API's: a deal's page, the board's currency."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from rapport.sales.models import Deal, DealContact, DealLine, DealStageChange, Stage


@dataclass
class StageStay:
    stage: Stage
    entered_at: dt.datetime
    left_at: dt.datetime | None  # None: the deal is still there
    actor_name: str

    @property
    def duration(self) -> dt.timedelta:
        return (self.left_at or timezone.now()) - self.entered_at


def stage_history(*, deal: Deal) -> list[StageStay]:
    """Each stage the deal entered, oldest first, with how long it stayed there."""
    changes = list(
        DealStageChange.objects.filter(deal=deal)
        .select_related("to_stage", "actor")
        .order_by("changed_at", "id")
    )
    stays = []
    for i, change in enumerate(changes):
        following = changes[i + 1].changed_at if i + 1 < len(changes) else None
        actor = change.actor
        name = (actor.get_full_name() or actor.get_username()) if actor else ""
        stays.append(StageStay(change.to_stage, change.changed_at, following, name))
    return stays


def deal_contacts(*, deal: Deal) -> QuerySet[DealContact]:
    return deal.contact_links.select_related("contact").order_by("id")


def deal_lines(*, deal: Deal) -> QuerySet[DealLine]:
    return deal.lines.select_related("product").order_by("id")
