"""The segment builder's form: the condition tree as flat form fields, and back.

A node's fields are named by its path: the root group is `r` (`r.op`), its children `r.0`,
`r.1`…, a condition's controls `r.0.type`, `r.0.stage`. Every change posts the whole form;
the server rebuilds the tree, applies the button's action (`add:r.1`, `group:r`,
`remove:r.0`) and renders the builder again with the new count, so the page holds no state
of its own and never disagrees with what will be saved.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from rapport.core.errors import FieldError
from rapport.marketing.conditions.registry import (
    ConditionType,
    Input,
    condition_type_get,
    condition_types,
)
from rapport.marketing.definition import Tree, empty_definition, is_group
from rapport.tenancy.models import Workspace

ROOT = "r"
DEFAULT_CONDITION = {"type": "contact_field"}


@dataclass
class ConditionNode:
    is_group = False
    path: str
    condition_type: ConditionType
    inputs: list[tuple[Input, str]]  # each control with its current value


@dataclass
class GroupNode:
    is_group = True
    path: str
    op: str
    children: list["GroupNode | ConditionNode"] = field(default_factory=list)
    is_root: bool = False


def _controls(ct: ConditionType, raw: dict[str, Any], *, workspace: Workspace) -> dict[str, str]:
    """The values of the type's current controls: stale keys (from another type or field) are
    dropped and a select without a valid value takes its first choice, so what is shown is
    what is counted."""
    values = {k: str(v) for k, v in raw.items() if v not in (None, "")}
    for _ in range(2):  # a choice can change which controls follow (field → its ops)
        kept = {}
        for control in ct.inputs(workspace=workspace, values=values):
            value = values.get(control.name, "")
            if control.choices and value not in {c for c, _ in control.choices}:
                value = control.choices[0][0]
            if value != "":
                kept[control.name] = value
        values = kept
    return values


def _condition_from_form(prefix: str, post: QueryDict, *, workspace: Workspace) -> Tree:
    ct = condition_type_get(post.get(f"{prefix}.type", ""))
    if ct is None:
        ct = condition_type_get(DEFAULT_CONDITION["type"])
        assert ct is not None
    raw = {
        key[len(prefix) + 1 :]: post.get(key)
        for key in post
        if key.startswith(f"{prefix}.") and "." not in key[len(prefix) + 1 :]
    }
    return {"type": ct.key, **ct.from_form(_controls(ct, raw, workspace=workspace))}


def _children(prefix: str, post: QueryDict) -> list[int]:
    out = set()
    for key in post:
        if key.startswith(f"{prefix}."):
            head = key[len(prefix) + 1 :].split(".")[0]
            if head.isdigit():
                out.add(int(head))
    return sorted(out)


def tree_from_form(post: QueryDict, *, workspace: Workspace, prefix: str = ROOT) -> Tree:
    rules = []
    for i in _children(prefix, post):
        child = f"{prefix}.{i}"
        if f"{child}.type" in post:
            rules.append(_condition_from_form(child, post, workspace=workspace))
        else:
            rules.append(tree_from_form(post, workspace=workspace, prefix=child))
    op = post.get(f"{prefix}.op", "and")
    return {"op": op if op in ("and", "or") else "and", "rules": rules}


def _group_at(tree: Tree, path: str) -> tuple[Tree, int | None]:
    """The group holding the node at `path`, and the node's index (None: `path` is a group
    and the group itself is returned)."""
    parts = path.split(".")[1:]
    node = tree
    for i, part in enumerate(parts):
        index = int(part)
        if index >= len(node["rules"]):
            break
        if i == len(parts) - 1:
            return node, index
        node = node["rules"][index]
    return node, None


def tree_apply(tree: Tree, action: str) -> Tree:
    """Apply a builder button: `add:<group>`, `group:<group>` or `remove:<node>`."""
    verb, _, path = action.partition(":")
    if not path.startswith(ROOT):
        return tree
    if verb == "remove" and path != ROOT:
        parent, index = _group_at(tree, path)
        if index is not None:
            del parent["rules"][index]
        return tree
    parent, index = _group_at(tree, path)
    target = parent["rules"][index] if index is not None else parent
    if not is_group(target):
        return tree
    if verb == "add":
        target["rules"].append(dict(DEFAULT_CONDITION))
    elif verb == "group":
        target["rules"].append({"op": "or", "rules": [dict(DEFAULT_CONDITION)]})
    return tree


def tree_nodes(tree: Tree | None, *, workspace: Workspace, path: str = ROOT) -> GroupNode:
    """The tree as nodes the template renders, each control with its value."""
    tree = tree or empty_definition()
    group = GroupNode(path=path, op=tree.get("op", "and"), is_root=path == ROOT)
    for i, rule in enumerate(tree.get("rules", [])):
        child = f"{path}.{i}"
        if is_group(rule):
            group.children.append(tree_nodes(rule, workspace=workspace, path=child))
            continue
        ct = condition_type_get(rule.get("type", ""))
        if ct is None:
            continue
        values = _controls(ct, ct.to_form(rule), workspace=workspace)
        inputs = [
            (c, values.get(c.name, "")) for c in ct.inputs(workspace=workspace, values=values)
        ]
        group.children.append(ConditionNode(path=child, condition_type=ct, inputs=inputs))
    return group


_BLANK = re.compile(r"\bN\b")  # where a choice's label takes the number that follows it


def _condition_words(node: ConditionNode) -> str:
    """ "Lifecycle stage is Customer": the type's label, then each control as it reads; a
    number fills the N of the choice before it ("in the last 90 days")."""
    words = [node.condition_type.label]
    for control, value in node.inputs:
        shown = dict(control.choices or []).get(value, value)
        if not shown:
            continue
        if not control.choices and _BLANK.search(words[-1]):
            words[-1] = _BLANK.sub(str(shown), words[-1])
        else:
            words.append(str(shown) if control.choices else f"“{shown}”")
    return " ".join(words)


def tree_sentence(group: GroupNode) -> str:
    """The definition in one line for the segment's page: groups joined by their and/or,
    nested ones in brackets; no condition at all reads "Every contact"."""
    parts = [
        f"({tree_sentence(n)})" if isinstance(n, GroupNode) else _condition_words(n)
        for n in group.children
    ]
    return f" {group.op} ".join(p for p in parts if p != "(Every contact)") or "Every contact"


def _empty_notes(group: GroupNode, field: str) -> dict[str, str]:
    notes: dict[str, str] = {}
    for node in group.children:
        if isinstance(node, GroupNode):
            notes |= _empty_notes(node, field)
            continue
        where = field + "".join(f".rules.{i}" for i in node.path.split(".")[1:])
        for control, _ in node.inputs:
            if control.nothing_to_choose:
                notes[f"{where}.{control.name}"] = control.empty_note
    return notes


def with_empty_notes(
    errors: list[FieldError], root: GroupNode, *, field: str = "definition"
) -> list[FieldError]:
    """The validation's errors, a select with nothing to choose saying what the builder shows
    in its place ("No lists yet — create one first") rather than "Field required"."""
    notes = _empty_notes(root, field)
    return [FieldError(e.field, notes.get(e.field, e.message)) for e in errors]


def type_choices() -> list[tuple[str, str]]:
    return [(ct.key, ct.label) for ct in condition_types()]
