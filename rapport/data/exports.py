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

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import BooleanField, Expression, Model, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.forms import Form
from django.http import QueryDict

from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.pagination import SortKey
from rapport.data.importers import MULTI_VALUE_SEPARATOR
from rapport.tenancy.models import Workspace

# Rows read from the database per round trip; also the unit in which CSV text is yielded.
CHUNK_ROWS = 2000

# (record id, value) pairs of the chunk's records, in the order the values are to be listed.
LinkedQuery = Callable[[type[Model], list[int]], Iterable[tuple[int, Any]]]


@dataclass(frozen=True)
class LinkedValues:
    """A column of the values a record has in another table (its tags, a contact's further
    emails), read for a whole chunk of rows in one query, never one per row. The row holds
    them as a list; a file that has one cell per column joins them with `join`, the way the
    importer splits that column again."""

    query: LinkedQuery
    join: Callable[[list[Any]], str] = MULTI_VALUE_SEPARATOR.join


def names_joined(names: list[str]) -> str:
    """Names (tags, categories) in one cell. The rule, which the importer follows back
    (`contact_importers._tags`): ", " between them, as people type them, unless one holds a
    comma or semicolon, which would split it; then " ::: ", and a cell holding " ::: " is
    split on that alone."""
    if any("," in n or ";" in n for n in names):
        return MULTI_VALUE_SEPARATOR.join(names)
    return ", ".join(names)


def linked_to(qs: QuerySet[Any], column: str, ids: list[int]) -> QuerySet[Any]:
    """`qs` narrowed to the rows whose `column` is one of a chunk's `ids`. On PostgreSQL the
    ids go as one array parameter: as `__in`'s two thousand placeholders, Django's and
    psycopg's handling of them cost more than the query takes to run (docs/performance.md,
    exp13)."""
    if connection.vendor != "postgresql":
        return qs.filter(**{f"{column}__in": ids})
    quote = connection.ops.quote_name
    name = f"{quote(qs.model._meta.db_table)}.{quote(column)}"
    # identifiers from the model, quoted; the ids go as a parameter
    among = RawSQL(f"{name} = ANY(%s::bigint[])", [ids], output_field=BooleanField())  # noqa: S611
    return qs.filter(among)


def _tag_rows(model: type[Model], ids: list[int]) -> Iterable[tuple[int, Any]]:
    """The records' tag names from the tag link table, by name."""
    through: Any = model.tags.through  # type: ignore[attr-defined]
    owner_column = f"{model._meta.model_name}_id"
    return (
        linked_to(through.objects.all(), owner_column, ids)
        .order_by("tag__name", "tag_id")
        .values_list(owner_column, "tag__name")
    )


TAGS = LinkedValues(_tag_rows, names_joined)  # the record's tags, for any model with a `tags` link


@dataclass(frozen=True)
class ExportColumn:
    header: str
    # A `values_list` path ("email", "owner__username", "custom_fields__tier"), an
    # expression of the row (a subquery), or values from a linked table (TAGS).
    path: str | Expression | Subquery | LinkedValues


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
    # The list's filter form (unvalidated), whose labels and choices describe an export's
    # filters on the exports page, and the list's URL name, which the page links back to.
    form: Callable[[QueryDict], Form] | None = None
    list_url: str = ""
    # The URL's arguments, where the list's URL has some (the ticket queue's view).
    list_args: Callable[[dict[str, str]], list[str]] = lambda _filters: []
    # The query parameters `queryset` reads besides its form's fields (the ticket queue's
    # view, the segment whose members leave).
    params: frozenset[str] = frozenset()

    def known_params(self) -> set[str]:
        """Every query parameter this export reads: anything else is a mistake, refused by
        name over the API rather than exporting more than was meant."""
        form = self.form(QueryDict()) if self.form else None
        return {*(form.fields if form else ()), *self.params}

    def params_check(self, names: Iterable[str]) -> None:
        """Refuse by name each query parameter this export does not read (`background`
        aside, which asks for the background job): a misspelt filter would otherwise export
        every record, as the API refuses it (`api.records.refuse_unknown_params`)."""
        known = {*self.known_params(), "background"}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ServiceValidationError(
                [FieldError(name, "is not a parameter of this export") for name in unknown]
            )


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


# `{id: name}` of the ids a list parameter holds (an owner's user id), read in the workspace
# only: another workspace's id names nothing.
FilterNamer = Callable[[int, set[int]], dict[int, str]]
_filter_namers: dict[str, FilterNamer] = {}
# Parameters of a list's position, not of what it holds.
_NOT_FILTERS = frozenset({"sort", "cursor"})


def export_filter_names(*params: str) -> Callable[[FilterNamer], FilterNamer]:
    """Register `namer(workspace_id, ids) -> {id: name}` for these list parameters."""

    def register(fn: FilterNamer) -> FilterNamer:
        for name in params:
            _filter_namers[name] = fn
        return fn

    return register


def model_names(model: type[Model], column: str = "name") -> FilterNamer:
    """A namer reading `column` of the workspace's `model` rows (its base manager: the
    workspace is given, not the request's)."""

    def names(workspace_id: int, ids: set[int]) -> dict[int, str]:
        rows = model._base_manager.filter(workspace_id=workspace_id, pk__in=ids)
        return dict(rows.values_list("pk", column))

    return names


def _filter_id(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


def filters_described(
    asked: list[tuple[Exporter, int, dict[str, str]]],
) -> list[list[tuple[str, str]]]:
    """For each `(exporter, workspace id, filters)`, the `(label, value)` of each filter, named
    as the record's field or the list's form names it ("Lifecycle stage", "Churned"), an id
    by its name in the workspace ("Owner", "Ann Lee"), else as given. Each namer is asked
    once per workspace for all the ids it names: a page of exports costs one lookup per kind
    of id, not one per filter."""
    wanted: dict[tuple[FilterNamer, int], set[int]] = {}
    for _exporter, workspace_id, filters in asked:
        for param, value in filters.items():
            namer, pk = _filter_namers.get(param), _filter_id(value)
            if namer is not None and pk is not None:
                wanted.setdefault((namer, workspace_id), set()).add(pk)
    names = {key: key[0](key[1], ids) for key, ids in wanted.items()}

    def names_of(param: str, workspace_id: int) -> dict[int, str]:
        namer = _filter_namers.get(param)
        return names.get((namer, workspace_id), {}) if namer else {}

    form_fields: dict[str, dict[str, Any]] = {}
    shown = []
    for exporter, workspace_id, filters in asked:
        if exporter.entity not in form_fields:
            form = exporter.form(QueryDict()) if exporter.form else None
            form_fields[exporter.entity] = form.fields if form else {}
        shown.append(
            [
                _described(
                    exporter.model,
                    form_fields[exporter.entity],
                    (param, value),
                    names_of(param, workspace_id),
                )
                for param, value in filters.items()
                if param not in _NOT_FILTERS
            ]
        )
    return shown


def _described(
    model: type[Model], form_fields: dict[str, Any], asked: tuple[str, str], names: dict[int, str]
) -> tuple[str, str]:
    param, value = asked
    described: Any = _model_field(model, param) or form_fields.get(param)
    label = getattr(described, "verbose_name", None) or getattr(described, "label", None)
    text = str(dict(getattr(described, "choices", None) or ()).get(value, value))
    if param in _filter_namers:
        pk = _filter_id(value)
        text = names.get(pk, f"#{value} (unknown)") if pk else value
    return str(label or param.removesuffix("_id")).replace("_", " ").capitalize(), text


def _model_field(model: type[Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


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


# A spreadsheet runs a text cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = frozenset("=+-@\t\r")


def formula_safe(value: Any) -> Any:
    """Keeps a spreadsheet from running a text cell as a formula (CSV injection). Only text
    is touched: a number or a date is never run, and a negative amount stays a number."""
    if value.__class__ is str and value and value[0] in FORMULA_STARTS:
        return f"'{value}"
    return value


def formula_safe_undone(text: str) -> str:
    """A cell read back from a file: the `'` that `formula_safe` put before a formula's first
    character taken off again (and only that one: "'t Hooft" keeps its apostrophe)."""
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def export_rows(
    exporter: Exporter, qs: QuerySet[Any], columns: list[ExportColumn]
) -> Iterator[list[Any]]:
    """The rows as lists in column order, read `CHUNK_ROWS` at a time through a server-side
    cursor (`iterator`), so memory holds one chunk whatever the export's size. A
    `LinkedValues` cell holds a list, filled with one query per such column and chunk."""
    linked = [(at, c.path) for at, c in enumerate(columns) if isinstance(c.path, LinkedValues)]
    fields = ["pk", *(c.path for c in columns if not isinstance(c.path, LinkedValues))]
    chunk: list[list[Any]] = []
    for values in qs.values_list(*fields).iterator(chunk_size=CHUNK_ROWS):
        chunk.append(list(values))
        if len(chunk) == CHUNK_ROWS:
            yield from _finish(exporter, chunk, linked)
            chunk = []
    yield from _finish(exporter, chunk, linked)


def _finish(
    exporter: Exporter, chunk: list[list[Any]], linked: list[tuple[int, LinkedValues]]
) -> list[list[Any]]:
    if not chunk:
        return []
    ids = [row[0] for row in chunk]
    for at, column in linked:  # by position, so each insertion lands where its column is
        found: dict[int, list[Any]] = {}
        for pk, value in column.query(exporter.model, ids):
            found.setdefault(pk, []).append(value)
        for row in chunk:
            row.insert(at + 1, found.get(row[0], []))
    return [row[1:] for row in chunk]
