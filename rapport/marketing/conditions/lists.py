"""Membership of a static list: a web form's sign-ups or a hand-kept list become a segment
that campaigns target and sequences are entered by (`enter_segment`)."""

from typing import Any, Literal

from django.db.models import Exists, OuterRef, Q

from rapport.core.errors import FieldError
from rapport.marketing.conditions.registry import (
    ConditionType,
    Input,
    Params,
    condition_type_register,
)
from rapport.marketing.models import StaticList, StaticListMember
from rapport.tenancy.models import Workspace


def list_ids_named(tree: dict[str, Any]) -> set[int]:
    """The static lists a stored definition's list conditions name, at any depth."""
    found: set[int] = set()
    for rule in tree.get("rules", []):
        if "type" not in rule:
            found |= list_ids_named(rule)
        elif rule["type"] == ListCondition.key and isinstance(rule.get("list_id"), int):
            found.add(rule["list_id"])
    return found


class ListParams(Params):
    op: Literal["on", "not_on"] = "on"
    list_id: int


@condition_type_register
class ListCondition(ConditionType):
    key = "static_list"
    label = "Static list"
    params = ListParams

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        if not StaticList.unscoped.filter(pk=params.list_id, workspace=workspace).exists():
            return params, [FieldError("list_id", "is not a static list of this workspace")]
        return params, []

    def q(self, params: Any, *, workspace: Workspace) -> Q:
        on = Exists(
            StaticListMember.unscoped.filter(
                workspace=workspace, static_list_id=params.list_id, contact_id=OuterRef("pk")
            )
        )
        return Q(on) if params.op == "on" else ~Q(on)

    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        lists = StaticList.unscoped.filter(workspace=workspace).order_by("name", "id")
        return [
            Input("op", "Comparison", [("on", "is on"), ("not_on", "is not on")]),
            Input(
                "list_id",
                "List",
                [(str(sl.pk), sl.name) for sl in lists],
                empty="No lists yet — create one first",
            ),
        ]
