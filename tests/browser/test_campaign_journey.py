"""The marketer's journey: build a segment and see its count, send a campaign to it, the
recipient opens the tracked link, and the click shows on the contact's timeline and in the
campaign's report."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from rapport.campaigns.tests.factories import make_template, opt_in
from rapport.contacts.tests.factories import make_contact
from rapport.web.tests.browser import htmx_settled

pytestmark = pytest.mark.browser


def test_a_campaign_to_a_segment_is_clicked_and_reported(
    page, browser, log_in, workspace, owner, live_server, settings
):
    settings.RAPPORT_PUBLIC_URL = live_server.url  # the links in the mail lead here
    ann = make_contact(
        workspace, first_name="Ann", emails=["ann@client.example"], lifecycle_stage="lead"
    )
    bob = make_contact(
        workspace, first_name="Bob", emails=["bob@client.example"], lifecycle_stage="customer"
    )
    opt_in(workspace, ann, bob)
    make_template(
        workspace,
        owner,
        name="Spring",
        body_html=(
            "<p>Hi {{ contact.first_name }}</p>"
            f'<a href="{live_server.url}/login/?from=spring">See the range</a>'
        ),
    )
    log_in("olivia")

    page.goto("/marketing/segments/new/")
    count = page.locator("#segment-count")
    expect(count).to_have_text("2 contacts match")
    page.get_by_label("Name").fill("Leads")
    page.get_by_role("button", name="Add condition").click()
    htmx_settled(page)
    page.get_by_label("Condition type").select_option("lifecycle_stage")
    htmx_settled(page)
    page.get_by_label("Stage").select_option("lead")
    expect(count).to_have_text(re.compile(r"^1 contacts? match"))
    page.get_by_role("button", name="Save segment").click()
    expect(page.locator("#segment-title")).to_have_text("Leads")

    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("Spring launch")
    page.get_by_label("Template").select_option(label="Spring")
    page.get_by_label("Send to segment").select_option(label="Leads")
    page.get_by_label("Cost").fill("10")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.locator("#audience")).to_contain_text("Leads")
    expect(page.locator('[data-audience="reachable"]')).to_have_text("1")  # counted after
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("Sending to 1 recipient.")).to_be_visible()
    expect(page.locator('[data-kpi="sent"]')).to_have_text("1")
    page.wait_for_function(  # the funnel is drawn once Chart.js has loaded
        "() => window.Chart && !!Chart.getChart(document.getElementById('chart-funnel'))"
    )

    assert [m.to for m in mail.outbox] == [["ann@client.example"]]
    html = mail.outbox[0].alternatives[0][0]
    link = re.search(r'href="([^"]*/t/c/[^"]+)"', html).group(1).replace("&amp;", "&")

    recipient = browser.new_context()  # Ann, in her own mail client: no session
    landed = recipient.new_page()
    landed.goto(link)
    assert landed.url == f"{live_server.url}/login/?from=spring"
    recipient.close()

    page.reload()
    expect(page.locator('[data-kpi="clicked"]')).to_have_text("1")
    page.goto(f"/contacts/{ann.pk}/")
    expect(page.locator(".tl-campaign").first).to_contain_text("Clicked campaign Spring launch")
