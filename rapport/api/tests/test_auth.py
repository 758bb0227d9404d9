import json

import pytest
from django.test import Client
from django.utils import timezone

from rapport.api.testing import ApiClient, problem_fields
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import SESSION_WORKSPACE_KEY, workspace_scope
from rapport.tenancy.models import ApiToken, Membership
from rapport.tenancy.services import api_token_create, api_token_revoke, membership_add


def _contact_count(workspace) -> int:
    with workspace_scope(workspace):
        return Contact.objects.count()


def _token(user, workspace) -> tuple[ApiToken, str]:
    membership = Membership.objects.get(user=user, workspace=workspace)
    return api_token_create(membership=membership, name="script")


def test_it_answers_401_without_credentials(workspace):
    response = Client().get("/api/v1/contacts")

    assert response.status_code == 401
    problem_fields(response)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_accepts_a_bearer_token(workspace, owner):
    make_contact(workspace, first_name="Ann")
    _, secret = _token(owner, workspace)

    response = Client().get("/api/v1/contacts", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200
    assert [c["first_name"] for c in response.json()["items"]] == ["Ann"]


def test_it_refuses_a_revoked_token(workspace, owner):
    token, secret = _token(owner, workspace)
    api_token_revoke(token=token)

    response = Client().get("/api/v1/contacts", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 401
    problem_fields(response)


def test_it_refuses_an_unknown_token(workspace):
    response = Client().get("/api/v1/me", headers={"Authorization": "Bearer rpt_made-up"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    "header, says",
    [
        (None, "Send an API token"),
        ("Token rpt_abc", "must read 'Bearer <token>'"),
        ("rpt_abc", "must read 'Bearer <token>'"),
        ("Bearer rpt_made-up", "unknown or revoked"),
    ],
)
def test_a_401_says_what_was_wrong_with_the_credentials(workspace, header, says):
    headers = {"Authorization": header} if header else {}

    response = Client().get("/api/v1/contacts", headers=headers)

    assert response.status_code == 401
    problem_fields(response)
    assert says in response.json()["detail"]


def test_it_records_when_a_token_was_last_used(workspace, owner):
    token, secret = _token(owner, workspace)
    assert token.last_used_at is None

    Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timezone.timedelta(seconds=10)


def test_a_failed_token_does_not_fall_back_to_the_session(workspace, owner):
    client = Client()
    client.force_login(owner)

    response = client.get("/api/v1/me", headers={"Authorization": "Bearer rpt_revoked-or-wrong"})

    assert response.status_code == 401


def test_a_session_reads_without_a_csrf_token(workspace, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["user"]["username"] == "olivia"


def test_a_session_write_without_the_csrf_token_is_refused(workspace, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(
        "/api/v1/contacts", data=json.dumps({"first_name": "Eve"}), content_type="application/json"
    )

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert _contact_count(workspace) == 0


def test_a_session_write_with_the_csrf_token_is_accepted(workspace, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get("/api/v1/docs")  # the docs page sets the csrftoken cookie, as the web UI does
    csrf = client.cookies["csrftoken"].value

    response = client.post(
        "/api/v1/contacts",
        data=json.dumps({"first_name": "Eve"}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    assert response.status_code == 201, response.content
    assert _contact_count(workspace) == 1


def test_a_token_write_needs_no_csrf_token(workspace, owner):
    _, secret = _token(owner, workspace)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/contacts",
        data=json.dumps({"first_name": "Eve"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 201


def test_a_session_acts_in_the_workspace_chosen_in_the_session(workspace, owner, other_workspace):
    membership_add(workspace=other_workspace, user=owner, role="member")
    make_contact(other_workspace, first_name="Globex person")
    make_contact(workspace, first_name="Acme person")
    client = Client()
    client.force_login(owner)
    session = client.session
    session[SESSION_WORKSPACE_KEY] = other_workspace.pk
    session.save()

    response = client.get("/api/v1/contacts")

    assert [c["first_name"] for c in response.json()["items"]] == ["Globex person"]
    assert client.get("/api/v1/me").json()["role"] == "member"


def test_a_token_acts_in_its_own_workspace_whatever_the_session_says(
    workspace, owner, other_workspace
):
    membership_add(workspace=other_workspace, user=owner, role="member")
    make_contact(workspace, first_name="Acme person")
    api = ApiClient.with_token(owner, workspace)
    api.client.force_login(owner)
    session = api.client.session
    session[SESSION_WORKSPACE_KEY] = other_workspace.pk
    session.save()

    response = api.get("/contacts")

    assert [c["first_name"] for c in response.json()["items"]] == ["Acme person"]


def test_a_logged_in_user_without_a_workspace_is_forbidden(outsider, db):
    Membership.objects.filter(user=outsider).delete()
    client = Client()
    client.force_login(outsider)

    response = client.get("/api/v1/me")

    assert response.status_code == 403
    problem_fields(response)


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_schema_and_docs_need_no_login(path, db):
    assert Client().get(path).status_code == 200
