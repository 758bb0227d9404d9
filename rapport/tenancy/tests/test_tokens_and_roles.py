import hashlib

import pytest
from django.conf import settings
from django.test import RequestFactory

from rapport.tenancy.access import membership_resolve
from rapport.tenancy.models import ApiToken, Membership
from rapport.tenancy.roles import RECORDS_DELETE, RECORDS_WRITE, SETTINGS_WRITE
from rapport.tenancy.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    workspace_create,
)


def test_production_hashes_passwords_with_argon2():
    import importlib

    prod = importlib.import_module("config.settings")
    assert prod.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTH_USER_MODEL == "auth.User"


def test_a_token_is_stored_only_as_a_hash(workspace, owner):
    membership = Membership.objects.get(user=owner)
    token, secret = api_token_create(membership=membership, name="zapier")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("rpt_")
    assert secret not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_a_token_authenticates_and_records_its_last_use(workspace, owner):
    membership = Membership.objects.get(user=owner)
    token, secret = api_token_create(membership=membership, name="cli")
    assert token.last_used_at is None
    assert api_token_authenticate(secret) == membership
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_or_unknown_token_authenticates_nobody(workspace, owner):
    membership = Membership.objects.get(user=owner)
    token, secret = api_token_create(membership=membership, name="cli")
    api_token_revoke(token=token)
    assert api_token_authenticate(secret) is None
    assert api_token_authenticate("rpt_made-up") is None
    assert api_token_authenticate("garbage") is None


def test_a_token_of_an_inactive_user_authenticates_nobody(workspace, owner):
    _, secret = api_token_create(membership=Membership.objects.get(user=owner), name="cli")
    owner.is_active = False
    owner.save()
    assert api_token_authenticate(secret) is None


def test_the_session_picks_the_chosen_workspace_and_never_a_foreign_one(
    workspace, owner, other_workspace
):
    second = workspace_create(name="Second", owner=owner)
    request = RequestFactory().get("/")
    request.user = owner
    request.session = {"workspace_id": second.pk}  # type: ignore[assignment]
    chosen = membership_resolve(request)
    assert chosen is not None and chosen.workspace == second
    request.session = {"workspace_id": other_workspace.pk}  # type: ignore[assignment]
    fallback = membership_resolve(request)
    assert fallback is not None and fallback.workspace == workspace  # one of theirs


@pytest.mark.parametrize(
    "role,scope,allowed",
    [
        ("viewer", RECORDS_WRITE, False),
        ("member", RECORDS_WRITE, True),
        ("member", RECORDS_DELETE, False),
        ("manager", RECORDS_DELETE, True),
        ("manager", SETTINGS_WRITE, False),
        ("admin", SETTINGS_WRITE, True),
        ("owner", SETTINGS_WRITE, True),
    ],
)
def test_roles_grant_their_scopes(role, scope, allowed):
    assert Membership(role=role).has_scope(scope) is allowed
