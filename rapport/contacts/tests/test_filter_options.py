"""The list's filter choices (members, tags) read in one statement, as the ORM read them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.forms import members_of, user_label
from rapport.contacts.models import LifecycleStage, Tag
from rapport.contacts.queries import filter_options
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import membership_add, user_create

pytestmark = pytest.mark.django_db


def _user(username, first="", last="", *, active=True):
    user = user_create(username=username, password="correct horse battery staple")
    user.first_name, user.last_name, user.is_active = first, last, active
    user.save()
    return user


def test_the_choices_are_the_members_and_tags_of_this_workspace_only(
    workspace, other_workspace, owner, member
):
    for user in (_user("zed", "Émile", "Zola"), _user("amy", "", ""), _user("bob", "Bob", "")):
        membership_add(workspace=workspace, user=user, role="member")
    membership_add(
        workspace=workspace, user=_user("gone", "Al", "Gone", active=False), role="member"
    )
    membership_add(workspace=other_workspace, user=_user("stranger", "Sam", "S"), role="member")
    make_contact(workspace, tags=["vip", "Lead", "<b>"])
    make_contact(other_workspace, tags=["theirs"])
    with workspace_scope(workspace):
        expected_owners = [(u.pk, user_label(u)) for u in members_of(workspace)]
        expected_tags = [(n, n) for n in Tag.objects.values_list("name", flat=True)]
        with CaptureQueriesContext(connection) as queries:
            options = filter_options(workspace)
    assert len(queries.captured_queries) == 1
    assert options["owner"] == expected_owners
    assert {label for _, label in options["owner"]} == {"Émile Zola", "amy", "Bob", "olivia", "mia"}
    assert options["tag"] == expected_tags
    assert sorted(name for name, _ in options["tag"]) == sorted(["vip", "Lead", "<b>"])
    assert options["lifecycle_stage"] == [(v, str(label)) for v, label in LifecycleStage.choices]


def test_a_workspace_without_tags_offers_its_members(workspace, owner):
    assert filter_options(workspace)["tag"] == []
    assert filter_options(workspace)["owner"] == [(owner.pk, "olivia")]
