"""The session's user and memberships in one query.

Every page runs Django's user query (`ModelBackend.get_user`) and then the middleware's
memberships query (`access.membership_resolve`): two round trips, about 0.5 ms of Python CPU
each however fast their SQL. `get_user` here reads the memberships with their workspace and
user joined, so the user comes with them; Django still verifies the session against the
user's password hash as usual. A user without a membership takes the plain user query.
The memberships are read on every request, never kept: a role change or a removed
membership shows on the next request, and the workspace's data version is always fresh.

That query is the same on every request but for the user's id: written once here
(`core.model_rows`), it costs a fifth of what the ORM spent building and compiling it
(about 1 ms of a page's CPU, kept page or not); `tests/test_backends.py` holds the two equal.
"""

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest

from rapport.core.model_rows import ModelRows
from rapport.tenancy.models import Membership, Workspace


@cache
def _memberships_select() -> tuple[str, ModelRows, ModelRows, ModelRows]:
    """The statement `Membership.objects.filter(user_id=...).select_related("workspace",
    "user").order_by("workspace__name")` sends (every field of the three), and its parts."""
    membership, workspace = ModelRows.of(Membership), ModelRows.of(Workspace)
    user = ModelRows.of(get_user_model())
    m, w, u = (rows.model._meta.db_table for rows in (membership, workspace, user))
    columns = membership.columns(m) + workspace.columns(w) + user.columns(u)
    sql = (
        f'SELECT {", ".join(columns)} FROM "{m}" '  # noqa: S608 (the models' own names)
        f'INNER JOIN "{w}" ON ("{m}"."workspace_id" = "{w}"."id") '
        f'INNER JOIN "{u}" ON ("{m}"."user_id" = "{u}"."id") '
        f'WHERE "{m}"."user_id" = %s ORDER BY "{w}"."name" ASC'
    )
    return sql, membership, workspace, user


def memberships_with_user(user_id: Any) -> list[Membership]:
    """The user's memberships by workspace name, each with its workspace and the one user."""
    sql, membership, workspace, user = _memberships_select()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.model._meta.pk.get_prep_value(user_id)])
        rows = cursor.fetchall()
    workspace_field = Membership._meta.get_field("workspace")
    user_field = Membership._meta.get_field("user")
    n_membership, n_workspace = len(membership.fields), len(workspace.fields)
    users: dict[Any, Any] = {}  # the one user, shared by its memberships
    out = []
    for row in rows:
        m = membership.instance(row[:n_membership])
        split = n_membership + n_workspace
        workspace_field.set_cached_value(m, workspace.instance(row[n_membership:split]))
        user_field.set_cached_value(m, user.shared(row[split:], users))
        out.append(m)
    return out


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
