"""PostgreSQL's statements are prepared per connection unless turned off
(`DATABASE_PREPARED_STATEMENTS`); SQLite takes no such option."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).resolve().parents[3] / "config" / "settings.py"
POSTGRES = "postgres://postgres@127.0.0.1:5432/rapport"


def _database(monkeypatch, url, prepared=None):
    monkeypatch.setenv("DATABASE_URL", url)
    if prepared is None:
        monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    else:
        monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", prepared)
    return runpy.run_path(str(SETTINGS))["DATABASES"]["default"]


def test_postgresql_binds_on_the_server_and_prepares_repeated_statements(monkeypatch):
    options = _database(monkeypatch, POSTGRES)["OPTIONS"]
    assert options == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off(monkeypatch):
    assert _database(monkeypatch, POSTGRES, "false").get("OPTIONS", {}) == {}


def test_sqlite_takes_neither(monkeypatch):
    options = _database(monkeypatch, "sqlite:////tmp/rapport-settings-test.sqlite3")["OPTIONS"]
    assert "server_side_binding" not in options and "prepare_threshold" not in options


def test_a_malformed_value_is_refused_by_name(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_PREPARED_STATEMENTS"):
        _database(monkeypatch, POSTGRES, "maybe")
