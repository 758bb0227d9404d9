"""The login page after a wrong password: the username kept, the focus on the password, which
the announced error describes."""

import re

import pytest
from django.test import Client

from rapport.web.tests import fixtures

plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def _input(html: str, name: str) -> str:
    found = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)
    assert found is not None
    return found[0]


def test_a_fresh_page_focuses_the_username():
    html = Client().get("/login/").content.decode()
    assert " autofocus" in _input(html, "username")
    assert " autofocus" not in _input(html, "password")


def test_a_wrong_password_keeps_the_username_and_focuses_the_password(workspace):
    response = Client().post("/login/", {"username": "olivia", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    username, password = _input(html, "username"), _input(html, "password")
    assert 'value="olivia"' in username and " autofocus" not in username
    assert " autofocus" in password and 'aria-invalid="true"' in password
    assert 'aria-describedby="login-error"' in password
    assert re.search(r'<div class="alert alert-error" role="alert" id="login-error">', html)
