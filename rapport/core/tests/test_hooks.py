"""Listeners hear of committed changes only; gathered announcements reach them once."""

import pytest
from django.db import transaction

from rapport.core import hooks
from rapport.core.hooks import records_changed, records_gathered

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """What a listener of the made-up entity "tests.thing" heard, call by call."""
    calls: list[tuple[int, list[int]]] = []
    monkeypatch.setitem(hooks._listeners, "tests.thing", [lambda ws, ids: calls.append((ws, ids))])
    return calls


def _announce(workspace_id, ids, *, bad=False):
    """A write in its savepoint, as an import's row: rolled back when `bad`."""
    try:
        with transaction.atomic():
            records_changed(entity="tests.thing", workspace_id=workspace_id, ids=ids)
            if bad:
                raise RuntimeError("a bad row")
    except RuntimeError:
        pass


def test_each_announcement_is_heard_after_the_commit(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _announce(1, [10])
        _announce(1, [11], bad=True)
        _announce(1, [12])
        assert heard == []
    assert heard == [(1, [10]), (1, [12])]


def test_gathered_announcements_are_heard_once_per_workspace_without_the_rolled_back(
    heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), records_gathered():
            _announce(1, [10])
            _announce(1, [11], bad=True)
            _announce(2, [20])
            _announce(1, [12, 10])
        assert heard == []
    assert heard == [(1, [10, 12]), (2, [20])]


def test_gathered_announcements_rolled_back_with_their_transaction_are_not_heard(
    heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic(), records_gathered():
                _announce(1, [10])
                raise RuntimeError("the chunk failed")
        except RuntimeError:
            pass
    assert heard == []
