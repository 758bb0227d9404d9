"""The condition type registry: each kind of segment condition is one small unit.

A type names itself (`key`, the `"type"` of the JSON condition), validates its parameters with
a pydantic model, says which inputs the builder shows, and turns a validated condition into a
`Q` on `contacts.Contact` (usually an `Exists` over its own table). The compiler
(`marketing.definition`) knows none of them, so another app (campaign engagement) adds a type
by registering it from its `AppConfig.ready`.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from django.db.models import Q
from pydantic import BaseModel, ConfigDict

from rapport.core.errors import FieldError
from rapport.tenancy.models import Workspace


class Params(BaseModel):
    """A condition's parameters; unknown keys are refused so a typo shows at once."""

    model_config = ConfigDict(extra="forbid")
    type: str


@dataclass(frozen=True)
class Input:
    """One control of a condition in the builder. `choices` makes it a select (None: typed
    in); a select with nothing to choose shows `empty` instead, never a box to type in."""

    name: str
    label: str
    choices: list[tuple[str, str]] | None = None
    kind: str = "text"  # text, number, date
    shown_for_ops: tuple[str, ...] = ()  # only for these ops (empty: always)
    empty: str = ""

    @property
    def nothing_to_choose(self) -> bool:
        return self.choices == []

    @property
    def empty_note(self) -> str:
        return self.empty or f"Nothing to choose as {self.label.lower()} yet"


class ConditionType(ABC):
    key: ClassVar[str]
    label: ClassVar[str]
    params: ClassVar[type[Params]]

    def check(self, params: Any, *, workspace: Workspace) -> tuple[Any, list[FieldError]]:
        """Meaning beyond the schema (a tag that exists, a custom field's type); may fill in
        resolved values so that compiling needs no query. Fields are relative to the condition."""
        return params, []

    def from_form(self, values: dict[str, Any]) -> dict[str, Any]:
        """The builder's posted controls as the condition's JSON (most are the same)."""
        return values

    def to_form(self, condition: dict[str, Any]) -> dict[str, Any]:
        """The condition's JSON as the builder's control values."""
        return condition

    @abstractmethod
    def q(self, params: Any, *, workspace: Workspace) -> Q:
        """Contacts meeting the condition, as one SQL expression (no query runs here)."""

    @abstractmethod
    def inputs(self, *, workspace: Workspace, values: dict[str, Any]) -> list[Input]:
        """The builder's controls, given the values chosen so far (a field decides its ops)."""


_types: dict[str, ConditionType] = {}


C = TypeVar("C", bound=type[ConditionType])


def condition_type_register(cls: C) -> C:
    """Class decorator: the type joins the registry under its `key`."""
    if cls.key in _types:
        raise ValueError(f"condition type {cls.key!r} is registered twice")
    _types[cls.key] = cls()
    return cls


def condition_type_get(key: str) -> ConditionType | None:
    return _types.get(key)


def condition_types() -> list[ConditionType]:
    return list(_types.values())
