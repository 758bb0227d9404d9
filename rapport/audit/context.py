"""Which door a change came through (ui, api, admin, cli), set once at the edge."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_source: ContextVar[str] = ContextVar("audit_source", default="system")

# The doors set across the code base, for the audit log's filter.
SOURCES = (
    "ui",
    "api",
    "admin",
    "cli",
    "import",
    "export",
    "email",
    "portal",
    "webform",
    "campaign",
    "sequence",
    "survey",
    "task",
    "system",
)


@contextmanager
def audit_source(source: str) -> Iterator[None]:
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def current_source() -> str:
    return _source.get()
