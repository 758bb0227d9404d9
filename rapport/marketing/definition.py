"""Segment definitions: a tree of AND/OR groups whose leaves are registered conditions.

    {"op": "and", "rules": [
        {"type": "tag", "op": "has", "tag": "vip"},
        {"op": "or", "rules": [{"type": "lifecycle_stage", "op": "is", "stage": "lead"}, ...]}]}

`definition_clean` validates a tree (every bad condition reported by its path, such as
`definition.rules.1.rules.0.stage`) and returns it normalised; `definition_q` compiles a
clean tree into one `Q` on contacts without running a query. An empty definition matches
every contact, so a new segment starts as "everyone" and narrows as conditions are added; an
empty group inside it is left out.
"""

from typing import Any, Literal

from django.db.models import Q
from pydantic import BaseModel, ValidationError

from rapport.api.problem import pydantic_field_errors
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.marketing.conditions.registry import condition_type_get
from rapport.tenancy.models import Workspace

MAX_DEPTH = 5
MAX_CONDITIONS = 50
Tree = dict[str, Any]


class _Group(BaseModel):
    op: Literal["and", "or"] = "and"
    rules: list[dict[str, Any]] = []


def empty_definition() -> Tree:
    return {"op": "and", "rules": []}


def is_group(node: dict[str, Any]) -> bool:
    return "type" not in node


class _Cleaner:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.errors: list[FieldError] = []
        self.conditions = 0

    def group(self, raw: Any, path: str, depth: int) -> Tree:
        if not isinstance(raw, dict):
            self.errors.append(FieldError(path, "must be a group or a condition object"))
            return empty_definition()
        if depth > MAX_DEPTH:
            self.errors.append(FieldError(path, f"groups nest at most {MAX_DEPTH} deep"))
            return empty_definition()
        try:
            group = _Group.model_validate(raw)
        except ValidationError as exc:
            self.errors.extend(self._relative(exc, path))
            return empty_definition()
        extra = set(raw) - {"op", "rules"}
        if extra:
            self.errors.append(FieldError(path, f"unknown keys: {', '.join(sorted(extra))}"))
        rules = []
        for i, rule in enumerate(group.rules):
            child = f"{path}.rules.{i}"
            rules.append(
                self.condition(rule, child)
                if "type" in rule
                else self.group(rule, child, depth + 1)
            )
        return {"op": group.op, "rules": rules}

    def condition(self, raw: dict[str, Any], path: str) -> Tree:
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.errors.append(
                FieldError(path, f"a segment has at most {MAX_CONDITIONS} conditions")
            )
        condition_type = condition_type_get(str(raw["type"]))
        if condition_type is None:
            self.errors.append(
                FieldError(f"{path}.type", f"unknown condition type {raw['type']!r}")
            )
            return raw
        try:
            params = condition_type.params.model_validate(raw)
        except ValidationError as exc:
            self.errors.extend(self._relative(exc, path))
            return raw
        params, errors = condition_type.check(params, workspace=self.workspace)
        self.errors.extend(FieldError(f"{path}.{e.field}", e.message) for e in errors)
        return dict(params.model_dump(mode="json", exclude_none=True))

    @staticmethod
    def _relative(exc: ValidationError, path: str) -> list[FieldError]:
        return [
            FieldError(f"{path}.{e.field}" if e.field != "?" else path, e.message)
            for e in pydantic_field_errors(exc.errors(), whole="?")
        ]


def definition_clean(raw: Any, *, workspace: Workspace, field: str = "definition") -> Tree:
    """The tree validated and normalised; every bad group or condition is named by its path.
    Runs the few lookups conditions need (tags, custom fields), inside the workspace scope."""
    cleaner = _Cleaner(workspace)
    tree = cleaner.group(raw, field, 1)
    if cleaner.errors:
        raise ServiceValidationError(cleaner.errors)
    return tree


def definition_q(tree: Tree, *, workspace: Workspace) -> Q:
    """One `Q` for a tree `definition_clean` accepted (stored segments are): no query runs."""
    parts = []
    for rule in tree.get("rules", []):
        if is_group(rule):
            parts.append(definition_q(rule, workspace=workspace))
            continue
        condition_type = condition_type_get(rule["type"])
        if condition_type is None:
            # A type whose app was removed: the segment matches nobody rather than everybody.
            return Q(pk__in=[])
        parts.append(
            condition_type.q(condition_type.params.model_validate(rule), workspace=workspace)
        )
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = (combined & part) if tree.get("op", "and") == "and" else (combined | part)
    return combined
