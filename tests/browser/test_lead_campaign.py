"""A visitor arrives on the web form from a campaign's link: the lead is credited to the
campaign, the marketer sees it on the lead and moves it to another campaign in place, and the
campaign reports count it."""

import pytest
from playwright.sync_api import expect

from rapport.campaigns.tests.factories import make_campaign
from rapport.sales.leads import web_form_create
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_lead_from_a_campaign_link_is_credited_and_can_be_moved(page, log_in, workspace, owner):
    spring = make_campaign(workspace, owner, name="Spring launch")
    autumn = make_campaign(workspace, owner, name="Autumn sale", template_id=spring.template_id)
    with workspace_scope(workspace):
        form = web_form_create(workspace=workspace, actor=owner, name="Website contact")

    page.goto(f"/forms/{form.key}/?campaign_id={spring.pk}")
    page.get_by_label("First name").fill("Katherine")
    page.get_by_label("Email").fill("katherine@orbits.io")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    log_in("olivia")
    page.goto(f"/campaigns/{spring.pk}/")
    expect(page.locator('[data-kpi="leads"]')).to_have_text("1")
    page.goto("/leads/")
    page.get_by_role("link", name="Katherine").click()
    campaign = page.locator("#f-campaign")
    expect(campaign).to_contain_text("Spring launch")
    campaign.get_by_role("button").click()
    page.locator("#f-campaign select").select_option(label="Autumn sale")
    page.locator("#f-campaign").get_by_role("button", name="Save").click()
    expect(page.locator("#f-campaign .kv-value")).to_have_text("Autumn sale")

    page.goto(f"/campaigns/{autumn.pk}/")
    expect(page.locator('[data-kpi="leads"]')).to_have_text("1")
    page.goto(f"/campaigns/{spring.pk}/")  # a draft left with nothing to report shows none
    expect(page.locator("#audience-estimate")).to_be_visible()
    expect(page.locator('[data-kpi="leads"]')).to_have_count(0)
