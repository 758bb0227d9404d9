"""Errors that services raise and that the UI and API render, each naming its field."""

from dataclasses import dataclass, field
from typing import Self


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class ServiceValidationError(Exception):
    """Bad input to a service: nothing was written. `errors` names every bad field."""

    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @classmethod
    def single(cls, field_name: str, message: str) -> Self:
        return cls([FieldError(field_name, message)])

    def as_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.field, []).append(e.message)
        return out


class PermissionDenied(Exception):
    """The actor's role does not allow this action (403)."""


class StateConflict(ServiceValidationError):
    """The record's state refuses the action, whatever was sent (409): an import already
    started, an export not finished. Each error says what state the record is in and what
    state the action needs, so a client knows the same request cannot pass until it moves."""
