import pytest
from django.test import Client

from rapport.api.testing import ApiClient, problem_fields
from rapport.tenancy.models import ApiToken


@pytest.fixture
def api(workspace, member):
    return ApiClient.with_token(member, workspace)


def test_me_says_who_where_and_with_which_role(api, workspace):
    body = api.get("/me").json()

    assert body["user"]["username"] == "mia"
    assert body["workspace"]["slug"] == workspace.slug
    assert body["role"] == "member"
    assert "records:write" in body["scopes"]
    assert "records:delete" not in body["scopes"]


def test_a_new_token_is_shown_once_and_stored_hashed(api):
    created = api.post("/me/tokens", {"name": "CI"})

    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("rpt_")
    token = ApiToken.objects.get(pk=created.json()["id"])
    assert secret not in (token.key_hash, token.prefix)
    listed = api.get("/me/tokens").json()
    assert all("secret" not in t for t in listed)
    assert created.json()["id"] in {t["id"] for t in listed}
    new_client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert new_client.get("/api/v1/me").status_code == 200


def test_a_revoked_token_stops_working(api):
    created = api.post("/me/tokens", {"name": "old laptop"}).json()

    response = api.delete(f"/me/tokens/{created['id']}")

    assert response.status_code == 204
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is not None
    stale = Client(headers={"Authorization": f"Bearer {created['secret']}"})
    assert stale.get("/api/v1/me").status_code == 401


def test_another_users_token_cannot_be_revoked(api, workspace, owner):
    owners = ApiClient.with_token(owner, workspace)
    owners_token = owners.post("/me/tokens", {"name": "mine"}).json()

    response = api.delete(f"/me/tokens/{owners_token['id']}")

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=owners_token["id"]).revoked_at is None


def test_a_token_needs_a_name(api):
    response = api.post("/me/tokens", {"name": "  "})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


def test_a_token_with_an_unknown_key_is_refused_not_made(api):
    """A client asking for a narrower token (`scope`) must not get a full one unawares."""
    response = api.post("/me/tokens", {"name": "ci", "scope": "records:read"})

    assert response.status_code == 422
    assert set(problem_fields(response)) == {"scope"}
    assert [t["name"] for t in api.get("/me/tokens").json()] == ["tests"]
