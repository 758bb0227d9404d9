import pytest
from django_scopes import ScopeError

from rapport.activities.models import Activity
from rapport.audit.models import AuditEntry
from rapport.contacts.models import Company, Contact, ContactEmail, Tag
from rapport.contacts.queries import RecordFilter, contact_get, contact_list
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.tenancy.access import workspace_scope


@pytest.fixture
def two_tenants(workspace, owner, other_workspace, outsider):
    ours = make_contact(
        workspace, owner, first_name="Ours", emails=["ours@example.com"], tags=["shared-name"]
    )
    theirs = make_contact(
        other_workspace,
        outsider,
        first_name="Theirs",
        emails=["theirs@example.com"],
        tags=["shared-name"],
    )
    make_activity(workspace, owner, contact_ids=[ours.pk])
    make_activity(other_workspace, outsider, contact_ids=[theirs.pk])
    make_company(other_workspace, outsider, name="Theirs Inc")
    return ours, theirs


@pytest.mark.parametrize("model", [Contact, Company, ContactEmail, Tag, Activity, AuditEntry])
def test_a_query_outside_any_workspace_scope_raises_instead_of_leaking(two_tenants, model):
    with pytest.raises(ScopeError):
        list(model.objects.all())


@pytest.mark.parametrize("model", [Contact, ContactEmail, Tag, Activity, AuditEntry])
def test_inside_a_scope_only_that_workspaces_rows_exist(two_tenants, workspace, model):
    with workspace_scope(workspace):
        rows = list(model.objects.all())
    assert rows
    assert {r.workspace_id for r in rows} == {workspace.pk}


def test_another_workspaces_record_is_not_found(two_tenants, workspace):
    _, theirs = two_tenants
    with workspace_scope(workspace), pytest.raises(Contact.DoesNotExist):
        contact_get(contact_id=theirs.pk)


def test_search_never_returns_another_workspaces_contact(two_tenants, workspace):
    with workspace_scope(workspace):
        for q in ["theirs", "theirs@example.com", "Theirs Inc"]:
            assert contact_list(f=RecordFilter(q=q), region="US").items == []


def test_a_tag_filter_does_not_cross_workspaces(two_tenants, workspace):
    ours, _ = two_tenants
    with workspace_scope(workspace):
        page = contact_list(f=RecordFilter(tag="shared-name"), region="US")
    assert [c.pk for c in page.items] == [ours.pk]


def test_related_managers_stay_in_the_scope(two_tenants, workspace):
    ours, _ = two_tenants
    with workspace_scope(workspace):
        assert [e.email for e in ours.emails.all()] == ["ours@example.com"]
