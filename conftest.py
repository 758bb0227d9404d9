"""Fixtures shared by every test: two workspaces, and users of each role.

`workspace` is the one under test; `other_workspace` belongs to an outsider whose data must
never show up. `scoped` runs the test body inside the workspace's query scope.
"""

import os

import pytest

os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")


@pytest.fixture
def owner(db):
    from rapport.tenancy.services import user_create

    return user_create(username="olivia", password="correct horse battery staple", email="o@x.io")


@pytest.fixture
def workspace(owner):
    from rapport.tenancy.services import workspace_create

    return workspace_create(name="Acme Sales", owner=owner, default_region="US")


def _member(workspace, username: str, role: str):
    from rapport.tenancy.services import membership_add, user_create

    user = user_create(username=username, password="correct horse battery staple")
    membership_add(workspace=workspace, user=user, role=role)
    return user


@pytest.fixture
def member(workspace):
    return _member(workspace, "mia", "member")


@pytest.fixture
def viewer(workspace):
    return _member(workspace, "victor", "viewer")


@pytest.fixture
def admin_user(workspace):
    return _member(workspace, "ada", "admin")


@pytest.fixture
def outsider(db):
    from rapport.tenancy.services import user_create

    return user_create(username="oscar", password="correct horse battery staple")


@pytest.fixture
def other_workspace(outsider):
    from rapport.tenancy.services import workspace_create

    return workspace_create(name="Globex", owner=outsider, default_region="GB")


@pytest.fixture
def scoped(workspace):
    from rapport.tenancy.access import workspace_scope

    with workspace_scope(workspace):
        yield workspace


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and other cached counters must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ours(request, workspace, owner):
    """The world under test, built by the test module's `world(workspace, user, *, name)`."""
    return request.module.world(workspace, owner, name="Zelda")


@pytest.fixture
def theirs(request, other_workspace, outsider):
    """The outsider's world, built the same way: what `ours` must never see."""
    return request.module.world(other_workspace, outsider, name="Yorick")


@pytest.fixture(params=["outsider looks at ours", "we look at theirs"])
def sides(request, ours, theirs):
    """(the looker, the world that must stay invisible to them), both ways round. Access test
    modules define `world(...)`, or their own `ours` and `theirs` when they need more."""
    return (theirs, ours) if request.param == "outsider looks at ours" else (ours, theirs)
