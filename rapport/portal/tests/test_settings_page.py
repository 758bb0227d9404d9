"""The agent side's portal settings page: admins switch company sharing, others only read."""

import pytest

from rapport.audit.models import AuditEntry
from rapport.portal.queries import portal_settings_get
from rapport.portal.services import portal_settings_update
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
member_client = fixtures.member_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def sharing(workspace):
    with workspace_scope(workspace):
        return portal_settings_get(workspace=workspace).share_company_tickets


def test_an_admin_switches_company_sharing_on_and_off_and_each_change_is_audited(
    owner_client, workspace
):
    page = owner_client.get("/settings/portal/").content.decode()
    assert f"/portal/{workspace.slug}/" in page and "Each contact sees only their own" in page
    response = owner_client.post("/settings/portal/", {"share_company_tickets": "on"})
    assert response.status_code == 302 and sharing(workspace) is True
    assert "Shared with colleagues" in owner_client.get("/settings/portal/").content.decode()
    owner_client.post("/settings/portal/", {})
    assert sharing(workspace) is False
    with workspace_scope(workspace):
        changes = [
            e.changes["share_company_tickets"]
            for e in AuditEntry.objects.filter(entity="portal.portalsettings").order_by("id")
        ]
    assert changes == [[False, True], [True, False]]


def test_a_member_reads_the_page_but_cannot_change_it(member_client, workspace):
    page = member_client.get("/settings/portal/").content.decode()
    assert "Portal address" in page and 'name="share_company_tickets"' not in page
    assert (
        member_client.post("/settings/portal/", {"share_company_tickets": "on"}).status_code == 403
    )
    assert sharing(workspace) is False


def test_the_page_shows_only_the_own_workspace_setting(owner_client, workspace, other_workspace):
    with workspace_scope(other_workspace):
        portal_settings_update(workspace=other_workspace, actor=None, share_company_tickets=True)
    page = owner_client.get("/settings/portal/").content.decode()
    assert "Each contact sees only their own" in page
    assert f"/portal/{other_workspace.slug}/" not in page
