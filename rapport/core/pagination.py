"""Keyset (cursor) pagination: stable under inserts and as fast on page 1,000 as on page 1.

A page is found by "rows after the last row seen" in the sort order, with the primary key as
the tie-breaker, so a row inserted while a client pages never shifts or repeats another row.
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet

from rapport.core.errors import ServiceValidationError

T = TypeVar("T", bound=models.Model)


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool


@dataclass
class Page(Generic[T]):
    """`start`: how many rows come before the page's first (0 for the first page), carried
    in the cursors ("51–100 of 3,009"); None where a cursor does not say (one written before
    cursors did). A place to show, not a key: rows added or removed meanwhile shift it."""

    items: list[T]
    next_cursor: str | None
    prev_cursor: str | None
    start: int | None = 0


def _signature(keys: list[SortKey]) -> str:
    return ",".join(f"-{k.field}" if k.descending else k.field for k in keys)


def _encode(values: list[Any], direction: str, signature: str, offset: int | None) -> str:
    data: dict[str, Any] = {"v": values, "d": direction, "s": signature}
    if offset is not None:
        data["o"] = offset
    raw = json.dumps(data, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(cursor: str) -> int | None:
    """How many rows came before the cursor's row (`Page.start`), if the cursor says; only
    read after `cursor_position` took the cursor, and a place to show only, so an edited
    one is not refused but unknown."""
    padded = cursor + "=" * (-len(cursor) % 4)
    offset = json.loads(base64.urlsafe_b64decode(padded.encode())).get("o")
    return offset if type(offset) is int and offset >= 0 else None


def _decode(cursor: str, signature: str) -> tuple[list[Any], str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values, direction = data["v"], data["d"]
        if not isinstance(values, list) or direction not in ("next", "prev"):
            raise ValueError
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceValidationError.single("cursor", "is not a valid cursor") from exc
    if data.get("s") != signature:
        raise ServiceValidationError.single("cursor", "belongs to another sort order")
    return values, direction


def _typed(model: type[models.Model], field: str, value: Any) -> Any:
    """A cursor's value as the field stores it. Only what `_encode` writes is taken (an
    integer for integer keys, text for the others) and then checked as the field checks its
    values, so an edited cursor is refused by name rather than failing in the database."""
    if value is None:
        return None
    key = model._meta.pk if field == "pk" else model._meta.get_field(field)
    f = cast(models.Field, key.target_field if isinstance(key, models.ForeignKey) else key)
    if isinstance(f, (models.IntegerField, models.AutoField)):
        if type(value) is not int:
            raise TypeError(value)
    elif not isinstance(value, str) or "\x00" in value:
        raise TypeError(value)
    elif isinstance(f, models.DateTimeField):
        at = dt.datetime.fromisoformat(value)
        return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    else:
        value = f.to_python(value)
    f.run_validators(value)
    return value


def _nullable(model: type[models.Model], field: str) -> bool:
    return field != "pk" and bool(getattr(model._meta.get_field(field), "null", False))


def _order(key: SortKey, nullable: bool, nulls_last: bool) -> Any:
    """Plain ordering for NOT NULL keys (so indexes serve both directions); explicit NULL
    placement for nullable ones, which SQLite and PostgreSQL would otherwise put apart."""
    if not nullable:
        return f"-{key.field}" if key.descending else key.field
    expression = F(key.field)
    placement = {"nulls_last": True} if nulls_last else {"nulls_first": True}
    return expression.desc(**placement) if key.descending else expression.asc(**placement)


def _after(keys: list[SortKey], values: list[Any], nullable: list[bool], nulls_last: bool) -> Q:
    """Rows strictly after `values` in the order `keys` (lexicographic keyset condition).

    NULLs of a nullable key sort after every value when `nulls_last`, before them otherwise.
    """
    nothing = Q(pk__in=[])

    def equal(i: int) -> Q:
        field, value = keys[i].field, values[i]
        return Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})

    def beyond(i: int) -> Q:
        key, value = keys[i], values[i]
        if value is None:
            return nothing if nulls_last else Q(**{f"{key.field}__isnull": False})
        here = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
        return here | Q(**{f"{key.field}__isnull": True}) if nullable[i] and nulls_last else here

    condition = Q()
    for i in reversed(range(len(keys))):
        prefix = Q()
        for j in range(i):
            prefix &= equal(j)
        condition = (prefix & beyond(i)) | condition if i else beyond(i) | condition
    # Implied by the condition above, but PostgreSQL cannot derive it from the OR: with it, an
    # index on the sort keys starts its scan at the cursor instead of reading (and filtering)
    # every row before it, so page 1,000 costs what page 1 costs.
    first, value = keys[0], values[0]
    if value is not None and not nullable[0]:
        condition &= Q(**{f"{first.field}__{'lte' if first.descending else 'gte'}": value})
    return condition


def _with_pk(keys: list[SortKey]) -> list[SortKey]:
    return [*keys, SortKey("pk", keys[0].descending if keys else False)]


def cursor_position(
    model: type[models.Model], keys: list[SortKey], cursor: str
) -> tuple[list[SortKey], list[Any], str]:
    """Where a cursor of `paginate` for these sort keys points: the keys with the primary
    key, the row's values for them (typed as the fields store them) and "next" or "prev"."""
    keys = _with_pk(keys)
    raw_values, direction = _decode(cursor, _signature(keys))
    if len(raw_values) != len(keys):
        raise ServiceValidationError.single("cursor", "does not match this sort order")
    try:
        values = [_typed(model, k.field, v) for k, v in zip(keys, raw_values, strict=True)]
    except (ValueError, TypeError, OverflowError, ValidationError) as exc:
        raise ServiceValidationError.single("cursor", "is not a valid cursor") from exc
    return keys, values, direction


def paginate(qs: QuerySet[T], *, keys: list[SortKey], cursor: str | None, limit: int) -> Page[T]:
    model = qs.model
    direction = "next"
    walk = full = _with_pk(keys)
    nullable = [_nullable(model, k.field) for k in full]
    if cursor:
        full, values, direction = cursor_position(model, keys, cursor)
        if direction == "prev":
            walk = [SortKey(k.field, not k.descending) for k in full]
        qs = qs.filter(_after(walk, values, nullable, nulls_last=direction == "next"))
    ordering = [
        _order(k, n, nulls_last=direction == "next") for k, n in zip(walk, nullable, strict=True)
    ]
    rows = list(qs.order_by(*ordering)[: limit + 1])
    return page_of(rows, keys=keys, cursor=cursor, direction=direction, limit=limit)


def page_of(
    rows: list[T], *, keys: list[SortKey], cursor: str | None, direction: str, limit: int
) -> Page[T]:
    """The page of `paginate` from up to `limit + 1` rows read elsewhere as it reads them:
    after the cursor (if any) in its direction, ordered by the keys, then the primary key in
    the first key's direction (all reversed for "prev"). For a caller that reads its rows
    without a queryset."""
    keys = _with_pk(keys)
    signature = _signature(keys)
    more = len(rows) > limit
    rows = rows[:limit]
    if direction == "prev":
        rows.reverse()

    has_next = more if direction == "next" else bool(cursor)
    has_prev = bool(cursor) if direction == "next" else more
    start = _start(cursor, direction, len(rows), more)

    def cursor_of(row: T, d: str, offset: int | None) -> str:
        return _encode([getattr(row, k.field) for k in keys], d, signature, offset)

    last = None if start is None else start + len(rows) - 1
    return Page(
        items=rows,
        next_cursor=cursor_of(rows[-1], "next", last) if rows and has_next else None,
        prev_cursor=cursor_of(rows[0], "prev", start) if rows and has_prev else None,
        start=start,
    )


def _start(cursor: str | None, direction: str, count: int, more: bool) -> int | None:
    """`Page.start` of a page of `count` rows read from `cursor` in `direction`: after the
    cursor's row going forward; going back, `count` before it, or 0 where no row is left
    before the page (`more` is false)."""
    if not cursor:
        return 0
    offset = _offset(cursor)
    if offset is None:
        return None
    if direction == "next":
        return offset + 1
    return max(offset - count, 0) if more else 0
