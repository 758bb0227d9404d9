"""The step builder's form: one row of inputs per step, in page order, read back into the
list of step dicts the service validates (so the UI and the API share one set of rules)."""

from typing import Any

from django.http import QueryDict

# The inputs each step type shows; everything else in a row is ignored.
STEP_INPUTS: dict[str, tuple[str, ...]] = {
    "email": ("template_id",),
    "wait": ("days", "hours"),
    "branch": ("on", "then_step", "else_step"),
    "task": ("subject", "due_in_days"),
}
TEXT_INPUTS = {"on", "subject"}


def steps_from_post(post: QueryDict) -> list[dict[str, Any]]:
    steps = []
    for row in post.getlist("row"):
        kind = post.get(f"{row}-type", "")
        step: dict[str, Any] = {"type": kind}
        for name in STEP_INPUTS.get(kind, ()):
            raw = post.get(f"{row}-{name}", "").strip()
            if raw == "":
                continue  # a missing value is named by the validation, not guessed here
            step[name] = raw if name in TEXT_INPUTS else _number(raw)
        steps.append(step)
    return steps


def _number(raw: str) -> int | str:
    """Whole numbers as int; anything else is passed on for the validation to name."""
    try:
        return int(raw)
    except ValueError:
        return raw
