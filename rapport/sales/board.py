"""The kanban board's drop: a deal moved to a stage, between two cards.

A card's place is its `position` (a float, ordered with the id as tie-breaker). A drop puts
the card halfway between its new neighbours. Deals that were never dragged share a position
(0), ordered by id; a drop between two such cards first spreads that tied run over the gap up
to the next distinct position, keeping its order, so there is room for the card.

Positions are board layout, not record data: spreading a tied run is not audited, while the
moved deal's stage change is, through `deal_move`.
"""

from django.db import transaction

from rapport.contacts.services import Actor
from rapport.core.errors import ServiceValidationError
from rapport.sales.models import Deal, Stage
from rapport.sales.services import deal_move
from rapport.tenancy.models import Workspace

STEP = 1.0


def _position_of(deal_id: int | None, stage: Stage, moving: Deal) -> float | None:
    if deal_id is None or deal_id == moving.pk:
        return None
    position = (
        Deal.objects.filter(pk=deal_id, stage=stage).values_list("position", flat=True).first()
    )
    if position is None:
        raise ServiceValidationError.single("position", "the neighbouring card is not there")
    return position


def _spread_tie(stage: Stage, position: float, moving: Deal) -> None:
    """Give the deals of `stage` sharing `position` distinct, ordered positions in the gap up
    to the next position of the column (or steps of STEP after the last one)."""
    column = Deal.objects.filter(stage=stage).exclude(pk=moving.pk)
    tied = list(column.filter(position=position).order_by("id").only("id", "position"))
    following = (
        column.filter(position__gt=position)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    step = STEP if following is None else (following - position) / (len(tied) + 1)
    for i, deal in enumerate(tied):
        deal.position = position + i * step
    Deal.objects.bulk_update(tied, ["position"])


def _slot(stage: Stage, moving: Deal, above_id: int | None, below_id: int | None) -> float:
    above = _position_of(above_id, stage, moving)
    below = _position_of(below_id, stage, moving)
    if above is not None and below is not None and above >= below:
        _spread_tie(stage, above, moving)
        above = _position_of(above_id, stage, moving)
        below = _position_of(below_id, stage, moving)
    if above is None and below is None:
        return moving.position
    if above is None:
        return below - STEP  # type: ignore[operator]
    if below is None:
        return above + STEP
    return (above + below) / 2


def deal_place(
    *,
    workspace: Workspace,
    actor: Actor,
    deal: Deal,
    stage_id: int,
    above_id: int | None = None,
    below_id: int | None = None,
    lost_reason: str = "",
) -> Deal:
    """Drop `deal` into the stage `stage_id` of its pipeline, between the cards `above_id` and
    `below_id` (either may be None: the top or the bottom of the column).

    The stage change goes through `deal_move` (validation, stage history, audit, the order a
    won deal becomes); a refused move changes nothing, positions included.
    """
    stage = Stage.objects.filter(pk=stage_id, pipeline_id=deal.pipeline_id).first()
    if stage is None:
        raise ServiceValidationError.single("stage_id", "is not a stage of the deal's pipeline")
    with transaction.atomic():
        position = _slot(stage, deal, above_id, below_id)
        return deal_move(
            workspace=workspace,
            actor=actor,
            deal=deal,
            stage_id=stage.pk,
            position=position,
            lost_reason=lost_reason,
        )
