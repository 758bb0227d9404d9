"""A marketer writes a template, watches the preview follow as a chosen contact, saves it, and
creates a campaign whose report page draws its funnel."""

import pytest
from playwright.sync_api import expect

from rapport.campaigns.models import Campaign
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_template_previews_as_a_contact_and_a_campaign_reports(page, log_in, workspace, owner):
    make_contact(workspace, first_name="Ann", emails=["ann@client.example"])
    make_contact(workspace, first_name="<b>Bo</b>", emails=["bo@client.example"])
    log_in("olivia")
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="New template").click()

    page.get_by_label("Name").fill("Spring")
    page.get_by_label("Subject").fill("Hello {{ contact.first_name or 'there' }}")
    page.get_by_label("HTML body").fill("<p>Hi {{ contact.first_name }}</p>")
    expect(page.locator("#preview-subject")).to_have_text("Hello <b>Bo</b>")
    page.locator("#preview-contact").select_option(label="Ann Lee · ann@client.example")
    expect(page.locator("#preview-subject")).to_have_text("Hello Ann")
    frame = page.frame_locator("iframe.preview-html")
    expect(frame.locator("p")).to_have_text("Hi Ann")

    page.get_by_label("Subject").fill("Hello {{ contact.first_name ")
    expect(page.locator("#preview")).to_contain_text("subject: line 1")
    page.get_by_label("Subject").fill("Hello {{ contact.first_name }}")
    page.get_by_role("button", name="Create template").click()
    expect(page.get_by_text("Saved “Spring”.")).to_be_visible()

    page.goto(page.url.split("/campaigns/")[0] + "/campaigns/new/")
    page.get_by_label("Name").fill("Spring launch")
    page.get_by_label("Cost").fill("120")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.locator("#field-template")).to_contain_text("This field is required.")  # no default
    page.get_by_label("Template").select_option(label="Spring")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.get_by_role("heading", name="Spring launch")).to_be_visible()
    expect(page.locator("#campaign-status")).to_have_text("Draft")
    # Nobody is chosen yet: the draft asks for an audience instead of an empty report.
    expect(page.locator("#audience-estimate")).to_contain_text("Choose a segment or a list")
    expect(page.locator("#report")).to_have_count(0)
    with workspace_scope(workspace):
        assert Campaign.objects.get().template.name == "Spring"
