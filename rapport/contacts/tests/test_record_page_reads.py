"""A record page's reads in written statements are the ORM's: the quick-add forms' members
(`queries.member_names`, as `forms.members_of`) and the custom field definitions
(`queries.custom_fields_of`, as `custom_field_list`), this workspace's only, in the same
order, one query each."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.forms import members_of
from rapport.contacts.queries import custom_field_list, custom_fields_of, member_names
from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_user
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add

pytestmark = pytest.mark.django_db


def test_the_members_are_the_orms(workspace, other_workspace, owner, member):
    for user in (
        make_user("zed", "Émile", "Zola"),
        make_user("amy"),
        make_user("bob", "Bob"),
        make_user("al", "Bob"),
    ):
        membership_add(workspace=workspace, user=user, role="member")
    membership_add(workspace=workspace, user=make_user("gone", "Al", active=False), role="member")
    membership_add(workspace=other_workspace, user=make_user("stranger", "Sam"), role="member")
    expected = tuple(members_of(workspace).values_list("pk", "first_name", "last_name", "username"))
    with CaptureQueriesContext(connection) as queries:
        members = member_names(workspace)
    assert len(queries.captured_queries) == 1
    assert members == expected
    assert [m[3] for m in members] == ["amy", "mia", "olivia", "al", "bob", "zed"]


def _define(workspace, owner, entity, key, **data):
    with workspace_scope(workspace):
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={"entity": entity, "key": key, "label": key.title(), **data},
        )


_FIELDS = (
    "pk",
    "workspace_id",
    "entity",
    "key",
    "label",
    "field_type",
    "choices",
    "required",
    "position",
    "created_at",
    "updated_at",
)


def test_the_definitions_are_the_orms(workspace, other_workspace, owner, outsider):
    _define(
        workspace, owner, "contact", "tier", field_type="choice", choices=["A", "B"], position=2
    )
    _define(workspace, owner, "contact", "notes", field_type="text", position=1, required=True)
    _define(workspace, owner, "contact", "score", field_type="number", position=1)
    _define(workspace, owner, "company", "revenue", field_type="decimal")
    _define(other_workspace, outsider, "contact", "theirs", field_type="text")
    for entity, keys in [("contact", ["notes", "score", "tier"]), ("company", ["revenue"])]:
        with workspace_scope(workspace):
            expected = list(custom_field_list(entity=entity))
            with CaptureQueriesContext(connection) as queries:
                found = custom_fields_of(workspace=workspace, entity=entity)
        assert len(queries.captured_queries) == 1
        assert [d.key for d in found] == keys
        assert [[getattr(d, f) for f in _FIELDS] for d in found] == [
            [getattr(d, f) for f in _FIELDS] for d in expected
        ]
    found = custom_fields_of(workspace=other_workspace, entity="contact")
    assert [d.key for d in found] == ["theirs"]
