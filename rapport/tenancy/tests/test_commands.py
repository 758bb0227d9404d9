import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from rapport.tenancy.models import Membership, Workspace


def test_createworkspace_and_createuser_set_up_a_tenant(db, monkeypatch, capsys):
    monkeypatch.setenv("RAPPORT_PASSWORD", "a long enough passphrase 42")
    call_command("createuser", "lena", "--email", "lena@x.io")
    call_command(
        "createworkspace", "Northwind", "--owner", "lena", "--region", "DE", "--currency", "EUR"
    )
    ws = Workspace.objects.get(slug="northwind")
    assert (ws.default_region, ws.base_currency) == ("DE", "EUR")
    call_command("createuser", "max", "--workspace", "northwind", "--role", "viewer")
    roles = dict(Membership.objects.filter(workspace=ws).values_list("user__username", "role"))
    assert roles == {"lena": "owner", "max": "viewer"}
    assert (
        get_user_model().objects.get(username="max").check_password("a long enough passphrase 42")
    )


def test_createuser_refuses_a_weak_password_and_an_unknown_workspace(db, monkeypatch):
    monkeypatch.setenv("RAPPORT_PASSWORD", "123")
    with pytest.raises(CommandError, match="password"):
        call_command("createuser", "weak")
    monkeypatch.setenv("RAPPORT_PASSWORD", "a long enough passphrase 42")
    with pytest.raises(CommandError, match="no workspace"):
        call_command("createuser", "lost", "--workspace", "nope")
    assert not get_user_model().objects.exists()


def test_createworkspace_names_a_bad_currency(db):
    with pytest.raises(CommandError, match="base_currency"):
        call_command("createworkspace", "X", "--currency", "ZZZ")
