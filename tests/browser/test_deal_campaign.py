"""A web form embedded with a campaign's name where its id belongs: the lead is kept anyway,
the campaign's page offers to link it ("Link now"), the converted deal carries the campaign,
and the marketer moves the deal to another campaign in place."""

import pytest
from playwright.sync_api import expect

from rapport.campaigns.tests.factories import make_campaign
from rapport.sales.leads import web_form_create
from rapport.sales.models import Lead
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_badly_linked_lead_is_linked_now_and_its_deal_carries_the_campaign(
    page, log_in, workspace, owner
):
    spring = make_campaign(workspace, owner, name="Spring launch")
    make_campaign(workspace, owner, name="Autumn sale", template_id=spring.template_id)
    with workspace_scope(workspace):
        make_pipeline(workspace, owner)
        form = web_form_create(workspace=workspace, actor=owner, name="Website contact")

    page.goto(f"/forms/{form.key}/?campaign_id=Spring%20launch")
    page.get_by_label("First name").fill("Katherine")
    page.get_by_label("Email").fill("katherine@orbits.io")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    log_in("olivia")
    page.goto(f"/campaigns/{spring.pk}/")
    expect(page.locator('[data-kpi="leads"]')).to_have_text("0")
    expect(page.locator("#unlinked-leads")).to_contain_text("1 lead names “Spring launch”")
    page.get_by_role("button", name="Link now").click()
    expect(page.locator(".flash-success")).to_contain_text("Linked 1 lead.")
    expect(page.locator('[data-kpi="leads"]')).to_have_text("1")
    expect(page.locator("#unlinked-leads")).to_have_count(0)

    page.goto("/leads/")
    page.get_by_role("link", name="Katherine").click()
    expect(page.locator("#f-campaign")).to_contain_text("Spring launch")
    page.get_by_role("button", name="Convert lead").click()
    expect(page.locator(".flash-success")).to_contain_text("created deal")
    with workspace_scope(workspace):
        deal_id = Lead.objects.get().converted_deal_id

    page.goto(f"/deals/{deal_id}/")
    campaign = page.locator("#f-campaign")
    expect(campaign).to_contain_text("Spring launch")
    campaign.get_by_role("button").click()
    page.locator("#f-campaign select").select_option(label="Autumn sale")
    page.locator("#f-campaign").get_by_role("button", name="Save").click()
    expect(page.locator("#f-campaign .kv-value")).to_have_text("Autumn sale")
