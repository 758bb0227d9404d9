"""A sequence's steps, validated by pydantic: each step type is one small model here.

Steps run in order; `branch` jumps to another step (by position, 1-based as the builder shows
them) depending on what the contact did with the last email of the sequence.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from rapport.core.errors import FieldError, ServiceValidationError


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmailStep(_Step):
    type: Literal["email"]
    template_id: int


class WaitStep(_Step):
    type: Literal["wait"]
    days: int = Field(ge=0, le=365)
    hours: int = Field(0, ge=0, le=23)


class BranchStep(_Step):
    type: Literal["branch"]
    on: Literal["opened", "clicked", "replied"]
    then_step: int = Field(ge=1, description="where to go when it happened (1-based)")
    else_step: int = Field(ge=1, description="where to go otherwise; past the end finishes")


class TaskStep(_Step):
    type: Literal["task"]
    subject: str = Field(min_length=1, max_length=200)
    due_in_days: int = Field(1, ge=0, le=365)


Step = Annotated[EmailStep | WaitStep | BranchStep | TaskStep, Field(discriminator="type")]
STEP_TYPES = ("email", "wait", "branch", "task")
_steps = TypeAdapter(list[Step])
MAX_STEPS = 50


def steps_parse(raw: object) -> list[Step]:
    """The steps, or every problem named by its place: `steps.2.days`."""
    try:
        steps = _steps.validate_python(raw)
    except ValidationError as exc:
        raise ServiceValidationError(
            [
                FieldError(
                    ".".join(
                        [
                            "steps",
                            *(_place(p) for p in e["loc"][:3] if p not in STEP_TYPES),
                            *(["type"] if e["type"].startswith("union_tag") else []),
                        ]
                    ),
                    e["msg"],
                )
                for e in exc.errors()
            ]
        ) from exc
    if len(steps) > MAX_STEPS:
        raise ServiceValidationError.single("steps", f"at most {MAX_STEPS} steps")
    return steps


def _place(part: object) -> str:
    return str(part + 1) if isinstance(part, int) else str(part)


def steps_dump(steps: list[Step]) -> list[dict]:
    return [s.model_dump() for s in steps]
