"""Logging in opens the workspace the user last switched to, while they are still a member
there; otherwise the first by name, as before."""

from typing import Any

import pytest
from django.test import Client

from rapport.tenancy.models import Membership
from rapport.tenancy.services import membership_add, workspace_create
from rapport.web.tests import fixtures

plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def zeta(owner):
    """A second workspace of the owner's, after "Acme Sales" by name."""
    return workspace_create(name="Zeta Works", owner=owner)


def _logged_in() -> Client:
    client = Client()
    response = client.post("/login/", {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 302
    return client


def _workspace_shown(client: Client) -> str:
    request: Any = client.get("/tasks/").wsgi_request
    return request.workspace.name


def _switch(client: Client, workspace) -> None:
    assert client.post("/workspace/switch/", {"workspace": workspace.pk}).status_code == 302


def test_a_login_opens_the_workspace_last_switched_to(workspace, zeta):
    first = _logged_in()
    assert _workspace_shown(first) == "Acme Sales"
    _switch(first, zeta)
    assert _workspace_shown(_logged_in()) == "Zeta Works"
    _switch(first, workspace)
    assert _workspace_shown(_logged_in()) == "Acme Sales"


def test_a_session_keeps_its_workspace_when_another_switches(workspace, zeta):
    here, there = _logged_in(), _logged_in()
    _switch(there, zeta)
    assert _workspace_shown(here) == "Acme Sales"


def test_a_login_falls_back_to_the_first_workspace_when_no_longer_a_member(
    owner, workspace, zeta, member
):
    _switch(_logged_in(), zeta)
    Membership.objects.filter(user=owner, workspace=zeta).delete()
    assert _workspace_shown(_logged_in()) == "Acme Sales"


def test_a_login_falls_back_when_the_last_workspace_is_deleted(owner, workspace, zeta):
    _switch(_logged_in(), zeta)
    zeta.delete()
    assert _workspace_shown(_logged_in()) == "Acme Sales"


def test_the_switch_is_remembered_for_that_user_only(owner, workspace, zeta, member):
    membership_add(workspace=zeta, user=member, role="member")
    _switch(_logged_in(), zeta)
    client = Client()
    client.post("/login/", {"username": "mia", "password": PASSWORD})
    assert _workspace_shown(client) == "Acme Sales"
