"""The session's user and memberships in one query (`backends.MemberBackend`): what the
middleware reads stays fresh on every request, and signing in behaves as before; the query,
written once, reads what the ORM's `select_related` reads."""

from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.db import connection
from django.db.models import Model
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rapport.core.cache import SharedClientRedisCache
from rapport.tenancy.backends import live_token, memberships_with_user
from rapport.tenancy.models import ApiToken, Membership
from rapport.tenancy.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    membership_add,
    workspace_create,
)

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_a_page_reads_the_user_and_its_memberships_in_one_query(owner, workspace):
    client = Client()
    client.force_login(owner)
    queries = _queries(client, "/tasks/")
    assert not any('FROM "auth_user"' in q for q in queries)
    assert sum('FROM "tenancy_membership"' in q for q in queries) == 1


def _state(instance: Model) -> dict[str, Any]:
    return {
        "values": {k: v for k, v in instance.__dict__.items() if k != "_state"},
        "deferred": instance.get_deferred_fields(),
        "adding": instance._state.adding,
        "db": instance._state.db,
    }


def test_the_memberships_read_are_the_orms_in_one_query_without_the_compiler(
    owner, member, workspace, other_workspace, outsider
):
    membership_add(workspace=other_workspace, user=owner, role="viewer")
    workspace_create(name="Zeta <&> 'Ops'", owner=owner, default_region="DE")
    workspace_create(name="Outsiders' own", owner=outsider)
    reference = list(
        Membership.objects.filter(user_id=owner.pk)
        .select_related("workspace", "user")
        .order_by("workspace__name")
    )
    with (
        mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled")),
        CaptureQueriesContext(connection) as captured,
    ):
        read = memberships_with_user(owner.pk)
    assert len(captured.captured_queries) == 1
    assert [m.workspace.name for m in read] == ["Acme Sales", "Globex", "Zeta <&> 'Ops'"]
    assert [m.pk for m in read] == [m.pk for m in reference]
    for m, ref in zip(read, reference, strict=True):
        assert _state(m) == _state(ref)
        assert _state(m.workspace) == _state(ref.workspace)
        assert _state(m.user) == _state(ref.user)
        assert m.user is read[0].user  # one user for its memberships
    assert memberships_with_user(str(member.pk))[0].user == member  # the session's text id
    assert [m.workspace for m in memberships_with_user(member.pk)] == [workspace]


def test_a_user_without_memberships_reads_none(outsider):
    assert memberships_with_user(outsider.pk) == []


def test_the_token_read_is_the_orms_in_one_query_without_the_compiler(
    owner, member, workspace, other_workspace
):
    mine = Membership.objects.get(user=member, workspace=workspace)
    token, secret = api_token_create(membership=mine, name="ci <&>")
    revoked, revoked_secret = api_token_create(membership=mine, name="old")
    api_token_revoke(token=revoked)
    theirs = Membership.objects.get(workspace=other_workspace)
    api_token_create(membership=theirs, name="theirs")
    reference = (
        ApiToken.objects.select_related("membership__workspace", "membership__user")
        .filter(key_hash=token.key_hash, revoked_at__isnull=True)
        .first()
    )
    assert reference is not None
    with (
        mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled")),
        CaptureQueriesContext(connection) as captured,
    ):
        read = live_token(token.key_hash)
        assert live_token(revoked.key_hash) is None
        assert live_token("0" * 64) is None
    assert len(captured.captured_queries) == 3
    assert read is not None
    for a, b in (
        (read, reference),
        (read.membership, reference.membership),
        (read.membership.workspace, reference.membership.workspace),
        (read.membership.user, reference.membership.user),
    ):
        assert _state(a) == _state(b)
    assert api_token_authenticate(secret) == mine
    assert api_token_authenticate(revoked_secret) is None


def test_a_role_change_and_a_removed_membership_show_at_the_next_request(
    member, workspace, other_workspace
):
    client = Client()
    client.force_login(member)
    assert client.get("/settings/fields/").status_code == 403
    Membership.objects.filter(user=member, workspace=workspace).update(role="admin")
    assert client.get("/settings/fields/").status_code == 200
    Membership.objects.filter(user=member, workspace=workspace).delete()
    gone = client.get("/contacts/")
    assert gone.status_code == 403 and b"Acme Sales" not in gone.content


def test_a_deactivated_user_and_a_changed_password_end_the_session(owner, workspace):
    client = Client()
    client.force_login(owner)
    assert client.get("/tasks/").status_code == 200
    owner.set_password("another horse battery staple")
    owner.save()
    assert client.get("/tasks/").status_code == 302  # the session hash no longer matches
    client.force_login(owner)
    assert client.get("/tasks/").status_code == 200
    owner.is_active = False
    owner.save()
    assert client.get("/tasks/").status_code == 302


def test_a_session_signed_in_by_the_plain_backend_still_works(owner, workspace):
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/tasks/").status_code == 200


def test_signing_in_takes_the_member_backend_and_a_wrong_password_fails_once(owner, workspace):
    failed, logged_in = [], []
    user_login_failed.connect(lambda **kw: failed.append(kw), weak=False, dispatch_uid="t-f")
    user_logged_in.connect(lambda **kw: logged_in.append(kw), weak=False, dispatch_uid="t-l")
    try:
        assert authenticate(username="olivia", password="wrong") is None
        assert len(failed) == 1
        user = authenticate(username="olivia", password="correct horse battery staple")
        assert user == owner
        assert user.backend == "rapport.tenancy.backends.MemberBackend"  # type: ignore[attr-defined]
        client = Client()
        signed_in = client.post(
            "/login/", {"username": "olivia", "password": "correct horse battery staple"}
        )
        assert signed_in.status_code == 302
        assert client.session["_auth_user_backend"] == "rapport.tenancy.backends.MemberBackend"
        assert client.get("/tasks/").status_code == 200
    finally:
        user_login_failed.disconnect(dispatch_uid="t-f")
        user_logged_in.disconnect(dispatch_uid="t-l")


def test_the_redis_cache_builds_one_client_per_pool():
    cache = SharedClientRedisCache("redis://127.0.0.1:1/0", {})
    get_client = cache._cache.get_client  # type: ignore[attr-defined]
    client = get_client("k")
    assert get_client("other") is client
    assert get_client("k", write=True) is client  # one server: one pool
