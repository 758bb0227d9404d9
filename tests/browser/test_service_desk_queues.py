"""The agent's desk in the browser: the own queue holds the work still to do, and a suggested
help article goes into the answer as a link the customer can open."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.knowledge.services import article_create
from rapport.service.services import ticket_set_status
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_my_queue_holds_unsolved_work_and_an_answer_links_a_help_article(
    page, log_in, workspace, owner
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    ticket = make_ticket(
        workspace,
        owner,
        ann,
        subject="Parcel is late",
        body="My parcel has not moved for a week",
        assignee_id=owner.pk,
    )
    done = make_ticket(workspace, owner, ann, subject="Old invoice question", assignee_id=owner.pk)
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=done, status="solved")
        article = article_create(
            workspace=workspace,
            actor=owner,
            data={
                "title": "Tracking a late parcel",
                "body_markdown": "Open the tracking link in your order confirmation.",
                "status": "published",
                "visibility": "public",
            },
        )
    log_in("olivia")

    page.get_by_role("link", name="Tickets").click()
    mine = page.get_by_role("link", name=re.compile("^My tickets"))
    expect(mine).to_have_attribute("aria-current", "page")
    expect(mine.locator(".chip-count")).to_have_text("1")
    table = page.locator("#ticket-table")
    expect(table).to_contain_text("Parcel is late")
    expect(table).not_to_contain_text("Old invoice question")
    expect(page.get_by_label("Status", exact=True)).to_have_value("unsolved")
    # Everything ever assigned is one choice away, and the queue stays marked.
    page.get_by_label("Status", exact=True).select_option(label="Any status")
    expect(table).to_contain_text("Old invoice question")
    expect(mine).to_have_attribute("aria-current", "page")

    page.get_by_role("link", name=re.compile("Parcel is late")).click()
    box = page.get_by_placeholder(re.compile("Write a reply"))
    box.fill("Sorry for the wait!")
    page.locator("#suggested").get_by_role(
        "button", name=re.compile("Tracking a late parcel")
    ).click()
    url = f"{page.url.split('/tickets/')[0]}/portal/{workspace.slug}/help/{article.slug}/"
    expect(box).to_have_value(f"Sorry for the wait!\nTracking a late parcel: {url}")
    expect(box).to_be_focused()
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash-success")).to_contain_text("Reply sent")
    [sent] = [m for m in mail.outbox if f"#{ticket.number}" in m.subject]
    assert url in sent.body

    # The customer's link opens the public article, with no sign-in.
    customer = page.context.browser.new_context(base_url=url)
    try:
        article_page = customer.new_page()
        article_page.goto(url)
        expect(article_page.get_by_role("heading", level=1)).to_have_text("Tracking a late parcel")
    finally:
        customer.close()


def test_the_knowledge_base_narrows_to_drafts_and_reads_helpfulness(page, log_in, workspace, owner):
    with workspace_scope(workspace):
        for title, status in (("Returns policy", "published"), ("New pricing", "draft")):
            article_create(
                workspace=workspace,
                actor=owner,
                data={"title": title, "body_markdown": "Text", "status": status},
            )
    log_in("olivia")
    page.get_by_role("link", name="Knowledge base").click()
    table = page.locator("#articles")
    expect(table).to_contain_text("Returns policy")
    expect(table).to_contain_text("No votes yet")
    page.get_by_label("Status").select_option(label="Draft")
    expect(page).to_have_url(re.compile(r"status=draft"))
    expect(table).to_contain_text("New pricing")
    expect(table).not_to_contain_text("Returns policy")


def test_the_customer_card_opens_every_ticket_of_the_customer(page, log_in, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    for i in range(6):
        done = make_ticket(workspace, owner, ann, subject=f"Earlier question {i}")
        with workspace_scope(workspace):
            ticket_set_status(workspace=workspace, actor=owner, ticket=done, status="closed")
    ticket = make_ticket(workspace, owner, ann, subject="Today's question")
    log_in("olivia")
    page.goto(f"/tickets/{ticket.pk}/")
    page.locator("#customer").get_by_role("link", name=re.compile("Every ticket of")).click()
    table = page.locator("#ticket-table")
    expect(table.locator("tbody tr")).to_have_count(7)
    expect(page.get_by_label("Status", exact=True)).to_have_value("any")
