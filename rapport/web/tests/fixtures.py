"""Fixtures the UI tests share; a test module imports the ones it uses."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def plain_static_storage(settings: Any) -> None:
    """Pages link their CSS through `{% static %}`; tests run without `collectstatic`, so the
    hashed-name manifest the production storage reads does not exist."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def keep_pages(settings: Any) -> None:
    """The test settings turn page keeping off; a module testing what is kept imports this
    to turn it on for each of its tests."""
    settings.RAPPORT_KEEP_PAGES = True


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner: Any, workspace: Any) -> Client:
    return signed_in(owner)


@pytest.fixture
def member_client(member: Any) -> Client:
    return signed_in(member)


@pytest.fixture
def viewer_client(viewer: Any) -> Client:
    return signed_in(viewer)


@pytest.fixture
def outsider_client(outsider: Any, other_workspace: Any) -> Iterator[Client]:
    yield signed_in(outsider)
