"""The audit trail's company and user names, read by written statements
(`contacts.references`), are what the ORM read: this workspace's companies only, users by
full name else username, an unknown or impossible id unnamed; one query each."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import ScopeError

from rapport.audit.models import AuditEntry
from rapport.audit.references import describe_changes
from rapport.contacts.models import Company
from rapport.contacts.references import company_names, user_names
from rapport.contacts.tests.factories import make_company
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import user_create

pytestmark = pytest.mark.django_db

_HUGE = 2**70


def test_company_names_are_the_orms_in_this_workspace_only(workspace, other_workspace):
    ours = [make_company(workspace, name=n).pk for n in ("Acme <GmbH>", "Émile & Fils")]
    theirs = make_company(other_workspace, name="Globex").pk
    ids = {*ours, theirs, 987654321, -3, _HUGE}
    with workspace_scope(workspace):
        expected = dict(Company.objects.filter(pk__in=ids - {_HUGE}).values_list("pk", "name"))
        with CaptureQueriesContext(connection) as queries:
            names = company_names(ids)
    assert len(queries.captured_queries) == 1
    assert names == expected == {ours[0]: "Acme <GmbH>", ours[1]: "Émile & Fils"}
    with workspace_scope(other_workspace):
        assert company_names(ids) == {theirs: "Globex"}
        assert company_names({_HUGE}) == {}


def test_company_names_outside_a_scope_are_refused_as_before(workspace):
    pk = make_company(workspace, name="Acme").pk
    with pytest.raises(ScopeError):
        company_names({pk})


def test_user_names_are_the_orms(owner, outsider):
    named = user_create(username="ann", password="correct horse battery staple")
    named.first_name, named.last_name = "Ann", "Lee"
    named.save()
    first_only = user_create(username="bo", password="correct horse battery staple")
    first_only.first_name = "Bo"
    first_only.save()
    ids = {owner.pk, outsider.pk, named.pk, first_only.pk, 424242, _HUGE}
    expected = {
        u.pk: u.get_full_name() or u.get_username()
        for u in get_user_model().objects.filter(pk__in=ids - {_HUGE})
    }
    with CaptureQueriesContext(connection) as queries:
        names = user_names(ids)
    assert len(queries.captured_queries) == 1
    assert names == expected
    assert names[named.pk] == "Ann Lee" and names[first_only.pk] == "Bo"
    assert names[owner.pk] == "olivia"


def test_an_entry_names_its_owner_and_company(workspace, owner):
    company = make_company(workspace, name="Acme")
    entry = AuditEntry(
        changes={"owner": [None, owner.pk], "primary_company": [company.pk, 999999], "x": [1, 2]}
    )
    with workspace_scope(workspace):
        describe_changes([entry])
    assert entry.changes_display == {  # type: ignore[attr-defined]
        "owner": [None, "olivia"],
        "primary_company": ["Acme", "#999999 (deleted)"],
        "x": [1, 2],
    }
