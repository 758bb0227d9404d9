"""An admin shares company tickets on the customer portal from its settings page."""

import pytest
from playwright.sync_api import expect

from rapport.portal.queries import portal_settings_get
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_an_admin_turns_on_company_ticket_sharing(page, log_in, workspace, owner):
    log_in("olivia")
    page.get_by_role("link", name="Customer portal").click()
    expect(page.locator("#portal-url")).to_contain_text(f"/portal/{workspace.slug}/")
    expect(page.locator("#share-state")).to_have_text("Each contact sees only their own")
    page.get_by_label("Contacts also see their company's tickets").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved the portal settings.")).to_be_visible()
    expect(page.locator("#share-state")).to_have_text("Shared with colleagues")
    expect(page.get_by_label("Contacts also see their company's tickets")).to_be_checked()
    with workspace_scope(workspace):
        assert portal_settings_get(workspace=workspace).share_company_tickets is True
