"""What every record endpoint shares: list parameters, the page envelope, the bulk upsert.

Contacts, companies and activities are different records but list and bulk-write the same
way; the per-entity modules keep only what differs (their schemas and which service to call).
"""

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from types import NoneType, UnionType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Generic,
    Literal,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
)

import pydantic
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema, Status
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    SkipValidation,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_serializer,
)
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticCustomError

from rapport.api.problem import (
    NO_SUCH_RECORD,
    InvalidQuery,
    ProblemFieldError,
    pydantic_field_errors,
)
from rapport.contacts import listing
from rapport.contacts.queries import MAX_PAGE, RecordFilter
from rapport.core.errors import FieldError, ServiceValidationError
from rapport.core.models import INT32_MAX, INT32_MIN

T = TypeVar("T")
W = TypeVar("W", bound="WriteSchema")
M = TypeVar("M", bound=models.Model)

MAX_BULK = 1000
CUSTOM_FILTER_PREFIX = "cf."


def as_utc(value: dt.datetime) -> dt.datetime:
    """A date-time without an offset is read as UTC, the zone everything is stored in."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _not_a_number(expected: str) -> BeforeValidator:
    """Pydantic reads a number, or a string of one, as Unix seconds: `created_after=2024`
    was 00:33:44 on 1 January 1970 and matched every record, `expected_close_before=0` a
    deal list's every deal. Refused by name instead."""

    def check(value: Any) -> Any:
        if not isinstance(value, int | float):
            try:
                float(value)
            except (TypeError, ValueError):
                return value
        raise PydanticCustomError("date_type", f"must be {expected}")

    return BeforeValidator(check)


UtcDatetime = Annotated[
    dt.datetime, _not_a_number("an ISO 8601 date or date-time"), AfterValidator(as_utc)
]
IsoDate = Annotated[dt.date, _not_a_number("an ISO 8601 date (YYYY-MM-DD)")]

# --- body types: the JSON type itself, nothing pydantic's lax mode would convert ----------
# A body is JSON, which has real booleans and numbers: `1` or "true" for a flag (hence
# `StrictBool` in bodies), "12" or `true` for a count are client bugs, refused by name rather
# than guessed at. Query strings are text, so their parameters keep the lax types (`QueryId`,
# plain `bool`).


def _json_number(value: Any) -> Any:
    """What JSON Schema calls an integer: a number without a fraction (`12`, and `12.0`,
    which pydantic then takes), never a string or a boolean (`Strict()` would refuse 12.0)."""
    if isinstance(value, str | bool):
        raise PydanticCustomError(
            "int_type",
            "must be a JSON integer, not {kind}",
            {"kind": ("a string" if isinstance(value, str) else "a boolean")},
        )
    return value


# Last in an `Annotated`, after any bounds: bounds placed after a before-validator reach the
# OpenAPI document under pydantic's names (`ge`), not JSON Schema's (`minimum`).
JSON_INTEGER = BeforeValidator(_json_number)

# A record's id, in the range of the databases' 64-bit keys: a larger number is refused by
# name rather than failing the request where SQLite cannot bind it.
MAX_ID = 2**63 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID), JSON_INTEGER]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]

# A whole number stored in a 32-bit column (`IntegerField`, `PositiveIntegerField`) on
# PostgreSQL, where a larger one fails the write (a 500). A service with a narrower range
# still checks it, naming it.
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX), JSON_INTEGER]
PositiveInt32 = Annotated[int, Field(ge=0, le=INT32_MAX), JSON_INTEGER]


def _a_record_could_have(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise PydanticCustomError(NO_SUCH_RECORD, "no record has this id")
    return value


# The same in a path, where an id no record can have answers 404 as an unknown one does.
PathId = Annotated[int, AfterValidator(_a_record_could_have)]

# A Decimal that JSON carries as a string, so no client parses money into a float.
DecimalStr = Annotated[
    Decimal,
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["1250.00"]}),
]


NUL_MESSAGE = "contains a NUL character (\\u0000), which cannot be stored"


def nul_at(value: Any, path: str) -> str | None:
    """Where in a JSON value a string holds the NUL character, if anywhere: PostgreSQL cannot
    store one in text (the request would fail there) and SQLite would, so both refuse it."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        value = list(value.items())
    elif isinstance(value, list):
        value = list(enumerate(value))
    else:
        return None
    return next(filter(None, (nul_at(v, f"{path}.{k}") for k, v in value)), None)


def refuse_nul(value: Any, info: ValidationInfo) -> Any:
    """A `field_validator("*", mode="before")` naming where in the field the NUL is."""
    field = str(info.field_name)
    if (where := nul_at(value, field)) is not None:
        at = f" (at {where})" if where != field else ""
        raise PydanticCustomError("nul_character", NUL_MESSAGE + at)
    return value


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "cannot be null; leave it out to keep its value")
    return value


# An optional body field with no empty value (a stage, a flag): absent keeps the stored one,
# null is refused by name, and the OpenAPI document does not offer null. Pydantic sees one
# type (its default None is never validated), not a union whose members it would report
# apart; type checkers see the None the field holds when absent.
if TYPE_CHECKING:
    NonNull = Annotated[T | None, BeforeValidator(_not_null)]
else:
    NonNull = Annotated[T, BeforeValidator(_not_null)]


class WriteSchema(BaseModel):
    """A request body for a service. Unknown keys are refused by name, not silently dropped.

    Pydantic checks the JSON types; the service then checks meaning (a valid email, an owner
    in this workspace) and both report errors the same way, so a client sees one format.
    """

    model_config = ConfigDict(extra="forbid")
    _no_nul = field_validator("*", mode="before")(refuse_nul)

    def service_data(self) -> dict[str, Any]:
        """Only the keys the client sent: PATCH leaves the others as they are."""
        return self.model_dump(exclude_unset=True)


def create_body(*required: str, one_of: Sequence[str] = ()) -> Callable[[type[W]], type[W]]:
    """Make a POST body of a class deriving from its PATCH body (every field optional): the
    same fields and checks, with `required` ones required (and never null), so a client
    reads in the OpenAPI document what a create needs and the two bodies cannot drift apart.

        @create_body("name")
        class CompanyCreate(CompanyWrite):
            "..."

    `one_of` documents a rule over several fields ("a name or an email") as an `anyOf` of
    `required`; the service enforces it, naming the field, since pydantic could not say
    which of them a client meant to send.
    """

    def derive(schema: type[W]) -> type[W]:
        namespace: dict[str, Any] = {
            "__module__": schema.__module__,
            "__qualname__": schema.__qualname__,
            "__doc__": schema.__doc__,
            "__annotations__": {},
        }
        for key in required:
            info = schema.model_fields[key]
            annotation: Any = info.annotation
            if get_origin(annotation) in (Union, UnionType):
                annotation = Union[tuple(a for a in get_args(annotation) if a is not NoneType)]  # noqa: UP007
            if info.metadata:  # the field's own checks: a `NonNull` validator, bounds
                annotation = Annotated[(annotation, *info.metadata)]
            namespace["__annotations__"][key] = annotation
            namespace[key] = Field(description=info.description)
        if one_of:
            any_of = [{"required": [key]} for key in one_of]
            namespace["model_config"] = ConfigDict(json_schema_extra={"anyOf": cast(Any, any_of)})
        return cast(type[W], type(schema.__name__, (schema,), namespace))

    return derive


class PageOut(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")
    prev_cursor: str | None = Field(description="pass as `cursor` for the previous page")


class CountedPageOut(PageOut[T], Generic[T]):
    """A page of a list that can count its matches (`?count=true`), as its web page does."""

    count: int | None = Field(
        None,
        description=f"with `count=true` only: how many records the filters match, at most "
        f"{listing.COUNT_CAP:,} (then `count_capped` is true); null when the database gave up "
        f"counting (PostgreSQL stops a count after {listing.COUNT_TIMEOUT_MS} ms)",
    )
    count_capped: bool | None = Field(
        None, description="with `count=true` only: more records match than `count` says"
    )

    @model_serializer(mode="wrap")
    def _count_when_asked(self, handler: SerializerFunctionWrapHandler):
        # No return type: pydantic would document the page as that type, a bare dict.
        # Not asked, the answer is the plain page it always was, without null members.
        data: dict[str, Any] = handler(self)
        if "count" not in self.model_fields_set:
            data.pop("count", None)
            data.pop("count_capped", None)
        return data


def page_count(n: int | None) -> dict[str, Any]:
    """A list answer's `count` and `count_capped`, from the list page's own count
    (`listing.capped_count`: up to one past the cap, None when PostgreSQL gave up)."""
    if n is None:
        return {"count": None, "count_capped": False}
    return {"count": min(n, listing.COUNT_CAP), "count_capped": n > listing.COUNT_CAP}


def enumerated(values: Callable[[], Iterable[str]]) -> Callable[[JsonDict], None]:
    """The `json_schema_extra` of a text parameter the service checks against a registry or
    a set of keys (refusing others by name): the document lists them, read when it is built
    (every app has joined its registry by then). Absent is no filter, so "" is not offered
    as a default."""

    def extra(schema: JsonDict) -> None:
        schema["enum"] = list(values())
        schema.pop("default", None)

    return extra


AT = "an ISO 8601 date or date-time, UTC without an offset"


class PageParams(Schema):
    cursor: str | None = Field(
        None, description="a page's `next_cursor` or `prev_cursor`, with the same sort"
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE, description=f"records per page, 1 to {MAX_PAGE}")
    _no_nul = field_validator("*", mode="before")(refuse_nul)


class RecordListParams(PageParams):
    """Filters shared by contact and company lists; custom fields come as `cf.<key>=value`."""

    q: str = Field("", description="search by name, email, phone or company")
    owner_id: QueryId | None = Field(None, description="records this member owns")
    tag: str = Field("", description="records with this tag (its name)")
    created_after: UtcDatetime | None = Field(None, description=f"created at or after; {AT}")
    created_before: UtcDatetime | None = Field(None, description=f"created before; {AT}")
    updated_after: UtcDatetime | None = Field(None, description=f"updated at or after; {AT}")
    updated_before: UtcDatetime | None = Field(None, description=f"updated before; {AT}")
    sort: str = Field("name", description="name, created or updated; prefix - to reverse")
    count: bool = Field(
        False,
        description="also answer how many records the filters match (`count`, `count_capped`): "
        "one more query, as the list's web page runs",
    )


CUSTOM_FILTER_HELP = (
    "Filter on custom field values with `cf.<key>=<value>` query parameters, e.g. "
    "`cf.region=EMEA`; the value is read as the field's type, and a multiple-choice field "
    "matches records having that choice."
)


def refuse_unknown_params(
    request: HttpRequest,
    params: type[BaseModel] | Collection[str] | None,
    *,
    custom: bool = False,
    of: str = "this list",
) -> None:
    """A misspelt filter (`ownerid=3`) would list every record, unfiltered, as if it had
    matched: refused by name instead, as an unknown key in a body is. `params` is the
    parameters' schema or their names; `custom` admits the `cf.<key>` filters; `of` names
    what the parameters are of in the message."""
    if isinstance(params, type):
        known: Collection[str] = set(params.model_fields)
    else:
        known = params or ()
    unknown = [
        name
        for name in request.GET
        if name not in known and not (custom and name.startswith(CUSTOM_FILTER_PREFIX))
    ]
    if unknown:
        raise InvalidQuery([FieldError(name, f"is not a parameter of {of}") for name in unknown])


def custom_filters(request: HttpRequest) -> dict[str, str]:
    """The `cf.<key>=value` parameters; ninja cannot declare parameters with open names."""
    found: dict[str, str] = {}
    for name in request.GET:
        if not name.startswith(CUSTOM_FILTER_PREFIX):
            continue
        key = name.removeprefix(CUSTOM_FILTER_PREFIX)
        if not key:
            raise InvalidQuery([FieldError(name, "needs a custom field key after 'cf.'")])
        if nul_at(request.GET[name], name) is not None:
            raise InvalidQuery([FieldError(name, NUL_MESSAGE)])
        found[key] = request.GET[name]
    return found


def record_filter(request: HttpRequest, params: RecordListParams) -> RecordFilter:
    refuse_unknown_params(request, type(params), custom=True)
    fields = params.model_dump(exclude={"cursor", "limit", "sort", "count"})
    return RecordFilter(**fields, custom=custom_filters(request))


def created(request: HttpRequest, response: HttpResponse, record: M) -> Status[M]:
    """A 201 naming the new record's URL in `Location` (the collection's path and its id)."""
    response["Location"] = f"{request.path.rstrip('/')}/{record.pk}"
    return Status(201, record)


@contextmanager
def query_errors() -> Iterator[None]:
    """A service refusing a list's parameters is a bad query string (400), not a bad body."""
    try:
        yield
    except InvalidQuery:
        raise
    except ServiceValidationError as exc:
        raise InvalidQuery(exc.errors) from exc


# --- bulk ------------------------------------------------------------------------------


class BulkIn(Schema, Generic[W]):
    model_config = ConfigDict(extra="forbid")  # strict like every body: `item` for `items` fails

    # Items are validated one by one in `bulk_write`, so a bad item fails alone instead of
    # failing the request; SkipValidation keeps the item schema in the OpenAPI document.
    items: list[SkipValidation[W]] = Field(
        ...,
        max_length=MAX_BULK,
        description=f"up to {MAX_BULK} records, each written or refused on its own",
    )


class BulkItemResult(Schema):
    index: int
    status: Literal["created", "updated", "error"]
    id: int | None
    errors: list[ProblemFieldError]


class BulkOut(Schema):
    created: int
    updated: int
    failed: int
    results: list[BulkItemResult]


def _error(index: int, errors: list[FieldError]) -> BulkItemResult:
    return BulkItemResult(
        index=index,
        status="error",
        id=None,
        errors=[ProblemFieldError(field=e.field, message=e.message) for e in errors],
    )


def bulk_write(
    items: list[Any],
    *,
    schema: type[W],
    write: Callable[[dict[str, Any]], tuple[M, bool]],
) -> BulkOut:
    """Write each item in its own savepoint; one item's failure writes nothing of it and leaves
    the others alone. `write` returns the record and whether it was created. The result says,
    per item index, what happened."""
    results: list[BulkItemResult] = []
    for index, raw in enumerate(items):
        try:
            data = schema.model_validate(raw).service_data()
        except pydantic.ValidationError as exc:
            results.append(_error(index, pydantic_field_errors(exc.errors(), whole="item")))
            continue
        try:
            with transaction.atomic():
                record, created = write(data)
        except ServiceValidationError as exc:
            results.append(_error(index, exc.errors))
            continue
        except ObjectDoesNotExist:
            results.append(_error(index, [FieldError("id", "no such record in this workspace")]))
            continue
        except IntegrityError:
            # A concurrent write took a unique value between validation and insert.
            results.append(_error(index, [FieldError("item", "conflicts with another record")]))
            continue
        results.append(
            BulkItemResult(
                index=index,
                status="created" if created else "updated",
                id=record.pk,
                errors=[],
            )
        )
    return BulkOut(
        created=sum(r.status == "created" for r in results),
        updated=sum(r.status == "updated" for r in results),
        failed=sum(r.status == "error" for r in results),
        results=results,
    )


def bulk_upsert(
    items: list[Any],
    *,
    schema: type[W],
    create: Callable[[dict[str, Any]], M],
    update: Callable[[int, dict[str, Any]], M],
) -> BulkOut:
    """`bulk_write` for records matched by `id`: an item with one updates, without creates."""

    def write(data: dict[str, Any]) -> tuple[M, bool]:
        record_id = data.pop("id", None)
        if record_id is None:
            return create(data), True
        return update(record_id, data), False

    return bulk_write(items, schema=schema, write=write)
