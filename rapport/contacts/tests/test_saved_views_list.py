"""A user's saved views read by the written statement (`saved_views_list`) are the ORM's
(`saved_views_for`): the same views, order and fields, this user's, list's and workspace's
only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.saved_views import saved_view_create, saved_views_for, saved_views_list
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
pytestmark = pytest.mark.django_db

_FIELDS = ("pk", "workspace_id", "user_id", "entity", "name", "params", "created_at", "updated_at")


def _fields(views):
    return [tuple(getattr(v, f) for f in _FIELDS) for v in views]


def _save(workspace, user, entity, name, params):
    with workspace_scope(workspace):
        saved_view_create(workspace=workspace, user=user, entity=entity, name=name, params=params)


def test_the_views_are_the_orms(workspace, other_workspace, owner, member, outsider):
    for name, params in [
        ("zeta", {"q": "Müller", "sort": "-name"}),
        ("Alpha", {"lifecycle_stage": "lead"}),
        ("émile", {}),
        ("alpha 2", {"tag": "<b>\"'&", "owner": "7"}),
    ]:
        _save(workspace, owner, "contact", name, params)
    _save(workspace, owner, "company", "companies of mine", {"tag": "vip"})
    _save(workspace, member, "contact", "the member's", {"q": "a"})
    _save(other_workspace, outsider, "contact", "theirs", {"q": "b"})
    _save(other_workspace, owner, "contact", "mine, elsewhere", {"q": "c"})
    for user, entity, count in [
        (owner, "contact", 4),
        (owner, "company", 1),
        (member, "contact", 1),
    ]:
        with workspace_scope(workspace):
            expected = list(saved_views_for(user=user, entity=entity))
            with CaptureQueriesContext(connection) as queries:
                views = saved_views_list(workspace=workspace, user=user, entity=entity)
        assert len(queries.captured_queries) == 1
        assert len(views) == count
        assert _fields(views) == _fields(expected)
        assert [type(v) for v in views] == [type(v) for v in expected]
    with workspace_scope(workspace):
        assert saved_views_list(workspace=workspace, user=owner, entity="ticket") == []
    # The same user's view in another workspace is read there, not here.
    views = saved_views_list(workspace=other_workspace, user=owner, entity="contact")
    assert [v.name for v in views] == ["mine, elsewhere"]


def test_the_list_page_links_the_views_by_name(owner_client, workspace, owner):
    _save(workspace, owner, "contact", "b leads", {"lifecycle_stage": "lead"})
    _save(workspace, owner, "contact", "a <vips>", {"tag": "vip & co"})
    html = owner_client.get("/contacts/").content.decode()
    assert html.index("a &lt;vips&gt;") < html.index("b leads")
    assert '<a href="/contacts/?tag=vip%20%26%20co">a &lt;vips&gt;</a>' in html
