"""The exporter registry: how each kind of record leaves Rapport as CSV, XLSX or vCard.

An app registers one `Exporter` per list it owns (contacts, companies, leads, deals, orders,
tickets). The exporter gives its columns (`values()` paths, so rows are tuples, never model
instances) and builds its queryset from the same query-string parameters as its list page,
through that list's own filter form, so an export holds exactly what the list shows. The
export framework (`data.export_formats`, `data.services.export_start`) knows none of them.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import QueryDict

from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.pagination import SortKey
from rapport.tenancy.models import Workspace

# Rows read from the database per round trip; also the unit in which CSV text is yielded.
CHUNK_ROWS = 2000
TAGS = "tags"  # a column path the framework fills per chunk from the record's tag link table


@dataclass(frozen=True)
class ExportColumn:
    header: str
    path: str  # a `values_list` path ("email", "owner__username", "custom_fields__tier"), or TAGS


@dataclass(frozen=True)
class ExportRequest:
    """Who asks, in which workspace, with which list parameters (the list's query string)."""

    workspace: Workspace
    user_id: int
    params: QueryDict


@dataclass(frozen=True)
class Exporter:
    entity: str  # the URL's name for it: "contacts"
    label: str
    model: type[Model]
    columns: Callable[[], list[ExportColumn]]  # called per export: custom fields may change
    queryset: Callable[[ExportRequest], QuerySet[Any]]  # filtered and ordered like the list
    # The vCard properties a contacts-like exporter fills, by column header.
    vcard: dict[str, str] = field(default_factory=dict)


_exporters: dict[str, Exporter] = {}


def exporter_register(exporter: Exporter) -> Exporter:
    _exporters[exporter.entity] = exporter
    return exporter


def exporter_get(entity: str) -> Exporter:
    try:
        return _exporters[entity]
    except KeyError:
        known = ", ".join(sorted(_exporters))
        raise ServiceValidationError.single(
            "entity", f"'{entity}' cannot be exported; one of: {known}"
        ) from None


def exporters() -> list[Exporter]:
    return [_exporters[k] for k in sorted(_exporters)]


F = TypeVar("F", bound=Form)


def form_cleaned(form: F) -> F:
    """The list's filter form, validated; a bad parameter is refused, naming it (the list page
    reports it and applies the rest, but an export must not silently widen)."""
    if not form.is_valid():
        raise ServiceValidationError(
            [FieldError(name, " ".join(map(str, msgs))) for name, msgs in form.errors.items()]
        )
    return form


def ordered(qs: QuerySet[Any], keys: Iterable[SortKey]) -> QuerySet[Any]:
    """The list's sort keys, with the primary key last so the order is total."""
    return qs.order_by(*[f"-{k.field}" if k.descending else k.field for k in keys], "pk")


FORMULA_STARTS = frozenset("=+-@\t\r")


def formula_safe(value: Any) -> Any:
    """Keeps a spreadsheet from running a text cell as a formula (CSV injection). Only text
    is touched: a number or a date is never run, and a negative amount stays a number."""
    if value.__class__ is str and value and value[0] in FORMULA_STARTS:
        return f"'{value}"
    return value


def export_rows(
    exporter: Exporter, qs: QuerySet[Any], columns: list[ExportColumn]
) -> Iterator[list[Any]]:
    """The rows as lists in column order, read `CHUNK_ROWS` at a time through a server-side
    cursor (`iterator`), so memory holds one chunk whatever the export's size."""
    paths = [c.path for c in columns]
    tag_at = paths.index(TAGS) if TAGS in paths else None
    fields = ["pk", *(p for p in paths if p != TAGS)]
    chunk: list[list[Any]] = []
    for values in qs.values_list(*fields).iterator(chunk_size=CHUNK_ROWS):
        chunk.append(list(values))
        if len(chunk) == CHUNK_ROWS:
            yield from _finish(exporter, chunk, tag_at)
            chunk = []
    yield from _finish(exporter, chunk, tag_at)


def _finish(exporter: Exporter, chunk: list[list[Any]], tag_at: int | None) -> list[list[Any]]:
    if tag_at is not None and chunk:
        names = _tag_names(exporter.model, [row[0] for row in chunk])
        for row in chunk:
            row.insert(tag_at + 1, ", ".join(names.get(row[0], ())))
    return [row[1:] for row in chunk]


def _tag_names(model: Any, ids: list[int]) -> dict[int, list[str]]:
    """One query on the tag link table for a chunk's records, by tag name."""
    through = model.tags.through
    owner_column = f"{model._meta.model_name}_id"
    names: dict[int, list[str]] = {}
    rows = (
        through.objects.filter(**{f"{owner_column}__in": ids})
        .order_by("tag__name", "tag_id")
        .values_list(owner_column, "tag__name")
    )
    for pk, name in rows:
        names.setdefault(pk, []).append(name)
    return names
