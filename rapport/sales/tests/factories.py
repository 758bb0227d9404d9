from typing import Any

from rapport.sales.models import Pipeline
from rapport.sales.services import pipeline_create
from rapport.tenancy.models import Workspace

STAGES: list[dict[str, Any]] = [
    {"name": "Qualify", "probability": 20},
    {"name": "Proposal", "probability": 60},
    {"name": "Won", "outcome": "won"},
    {"name": "Lost", "outcome": "lost"},
]


def make_pipeline(
    workspace: Workspace,
    actor: Any = None,
    name: str = "New business",
    stages: list[dict[str, Any]] | None = None,
) -> Pipeline:
    return pipeline_create(workspace=workspace, actor=actor, name=name, stages=stages or STAGES)


def stage_ids(pipeline: Pipeline) -> dict[str, int]:
    return {s.name: s.pk for s in pipeline.stages.all()}
