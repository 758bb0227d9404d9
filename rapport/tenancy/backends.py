"""The session's user and memberships in one query.

Every page runs Django's user query (`ModelBackend.get_user`) and then the middleware's
memberships query (`access.membership_resolve`): two round trips, about 0.5 ms of Python CPU
each however fast their SQL. `get_user` here reads the memberships with their workspace and
user joined, so the user comes with them; Django still verifies the session against the
user's password hash as usual. A user without a membership takes the plain user query.
The memberships are read on every request, never kept: a role change or a removed
membership shows on the next request, and the workspace's data version is always fresh.

That query is the same on every request but for the user's id, and an API request's token
read (`live_token`) but for the token's hash: written once here (`core.model_rows`), each
costs a fifth of what the ORM spent building and compiling it (about 1 ms of a request's CPU,
kept page or not); `tests/test_backends.py` holds them equal to the ORM's.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model
from django.http import HttpRequest

from rapport.core.model_rows import ModelRows
from rapport.core.timestamps import c_timestamps
from rapport.tenancy.models import ApiToken, Membership, UserPreference, Workspace


def _parts(*models: type[Model]) -> tuple[ModelRows, ...]:
    return tuple(ModelRows.of(model) for model in models)


def _columns(parts: Sequence[ModelRows]) -> str:
    return ", ".join(c for rows in parts for c in rows.columns(rows.model._meta.db_table))


def _instances(parts: Sequence[ModelRows], row: Sequence[Any]) -> list[Any]:
    """One instance per model of a row read with `_columns(parts)`."""
    out, start = [], 0
    for rows in parts:
        out.append(rows.instance(row[start : start + len(rows.fields)]))
        start += len(rows.fields)
    return out


def _cache_relations(membership: Membership, workspace: Workspace, user: Any) -> Membership:
    """As `select_related("workspace", "user")` leaves a membership."""
    Membership._meta.get_field("workspace").set_cached_value(membership, workspace)
    Membership._meta.get_field("user").set_cached_value(membership, user)
    return membership


_M, _W, _P = Membership._meta.db_table, Workspace._meta.db_table, UserPreference._meta.db_table


@cache
def _memberships_select() -> tuple[str, tuple[ModelRows, ...]]:
    """The statement `Membership.objects.filter(user_id=...).select_related("workspace",
    "user", "user__preference").order_by("workspace__name")` sends (every field of the four;
    the user's preference, their time zone, by an outer join: most users have none)."""
    parts = _parts(Membership, Workspace, get_user_model(), UserPreference)
    u = get_user_model()._meta.db_table
    sql = (
        f'SELECT {_columns(parts)} FROM "{_M}" '  # noqa: S608 (the models' own names)
        f'INNER JOIN "{_W}" ON ("{_M}"."workspace_id" = "{_W}"."id") '
        f'INNER JOIN "{u}" ON ("{_M}"."user_id" = "{u}"."id") '
        f'LEFT OUTER JOIN "{_P}" ON ("{u}"."id" = "{_P}"."user_id") '
        f'WHERE "{_M}"."user_id" = %s ORDER BY "{_W}"."name" ASC'
    )
    return sql, parts


def memberships_with_user(user_id: Any) -> list[Membership]:
    """The user's memberships by workspace name, each with its workspace and the one user,
    who comes with their preference (None cached where they have none, as `select_related`
    leaves it)."""
    sql, parts = _memberships_select()
    preference_rows = parts[-1]
    with connection.cursor() as cursor:
        c_timestamps(cursor)
        cursor.execute(sql, [get_user_model()._meta.pk.get_prep_value(user_id)])
        rows = cursor.fetchall()
    out: list[Membership] = []
    for row in rows:
        membership, workspace, user = _instances(parts[:-1], row)
        if out:
            user = out[0].user
        else:
            values = row[-len(preference_rows.fields) :]
            preference = None if values[0] is None else preference_rows.instance(values)
            if preference is not None:
                UserPreference._meta.get_field("user").set_cached_value(preference, user)
            UserPreference._meta.get_field("user").remote_field.set_cached_value(user, preference)
        out.append(_cache_relations(membership, workspace, user))
    return out


@cache
def _token_select() -> tuple[str, tuple[ModelRows, ...]]:
    """The statement `ApiToken.objects.select_related("membership__workspace",
    "membership__user").filter(key_hash=..., revoked_at__isnull=True).first()` sends."""
    parts = _parts(ApiToken, Membership, Workspace, get_user_model())
    t, u = ApiToken._meta.db_table, get_user_model()._meta.db_table
    sql = (
        f'SELECT {_columns(parts)} FROM "{t}" '  # noqa: S608 (the models' own names)
        f'INNER JOIN "{_M}" ON ("{t}"."membership_id" = "{_M}"."id") '
        f'INNER JOIN "{_W}" ON ("{_M}"."workspace_id" = "{_W}"."id") '
        f'INNER JOIN "{u}" ON ("{_M}"."user_id" = "{u}"."id") '
        f'WHERE ("{t}"."key_hash" = %s AND "{t}"."revoked_at" IS NULL) '
        f'ORDER BY "{t}"."id" ASC LIMIT 1'
    )
    return sql, parts


def live_token(key_hash: str) -> ApiToken | None:
    """The unrevoked token of this hash with its membership, workspace and user (as
    `select_related` reads them), or None: what every API request reads first."""
    sql, parts = _token_select()
    with connection.cursor() as cursor:
        c_timestamps(cursor)
        cursor.execute(sql, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    token, membership, workspace, user = _instances(parts, row)
    ApiToken._meta.get_field("membership").set_cached_value(
        token, _cache_relations(membership, workspace, user)
    )
    return token


class MemberBackend(ModelBackend):
    """`ModelBackend` whose `get_user` brings the user's memberships (one query)."""

    def get_user(self, user_id: Any) -> Any:
        from rapport.tenancy.access import remember_memberships

        rows = memberships_with_user(user_id)
        if not rows:
            return super().get_user(user_id)
        user = rows[0].user
        remember_memberships(user, rows)
        return user if self.user_can_authenticate(user) else None

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username, password, **kwargs)
        if user is None and username is not None and password is not None:
            # `ModelBackend` follows only for sessions made before this backend; stop here so
            # a wrong password is hashed once, not once per backend.
            raise PermissionDenied
        return user
