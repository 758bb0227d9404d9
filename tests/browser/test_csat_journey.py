"""CSAT in the browser: an agent solves a ticket, the requester gets the survey mail, answers
it with one click, adds a comment and sees the thanks; the answer counts once."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.feedback.models import SurveyInvite
from rapport.feedback.queries import csat_summary
from rapport.service.models import Ticket
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser

COMMENT = "Quick and friendly help, the replacement arrived the next day. Thank you!"


def test_a_customer_answers_the_csat_survey_of_a_solved_ticket(
    page, browser, live_server, log_in, workspace, owner
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    ticket = make_ticket(
        workspace,
        owner,
        ann,
        subject="Broken charger in my order",
        body="The charger in order 1042 does not turn on.",
        assignee_id=owner.pk,
    )
    mail.outbox.clear()  # whatever opening the ticket sent is not under test here

    # The agent solves the ticket from its page.
    log_in("olivia")
    page.get_by_role("link", name="Tickets").click()
    page.get_by_role("link", name="My tickets").click()
    page.get_by_role("link", name=re.compile("Broken charger in my order")).click()
    expect(page.locator("#record-title")).to_contain_text("Broken charger in my order")
    page.get_by_label("Status").select_option("solved")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".ticket-head .badge").first).to_have_text(re.compile("Solved"))

    # The requester gets one survey mail, with one link per score.
    [survey_mail] = [m for m in mail.outbox if "How did we do?" in m.subject]
    assert survey_mail.to == ["ann@acme.io"]
    assert survey_mail.subject == f"[#{ticket.number}] How did we do?"
    links = dict(
        (int(score), url)
        for url, score in re.findall(r"(https?://\S+/feedback/\S+/(\d+)/)", survey_mail.body)
    )
    assert sorted(links) == [1, 2, 3, 4, 5]
    with workspace_scope(workspace):
        invite = SurveyInvite.objects.get()
        assert (invite.kind, invite.ticket_id, invite.contact_id) == ("csat", ticket.pk, ann.pk)
        assert invite.agent_id == owner.pk and invite.answered_at is None
        assert Ticket.objects.get(pk=ticket.pk).status == "solved"

    # The customer answers in a browser of their own (no session of the agent's).
    customer_context = browser.new_context(base_url=live_server.url)
    customer_context.set_default_timeout(10_000)
    customer = customer_context.new_page()
    try:
        customer.goto(urlsplit(links[4]).path)
        expect(customer.locator(".thanks")).to_have_text("Thank you! Your answer (4) was recorded.")
        # In the portal's look: its stylesheet and the survey's are served and applied.
        expect(customer.locator(".p-card")).to_have_css("border-radius", "12px")
        expect(customer.get_by_role("button", name="Send comment")).to_have_css(
            "border-radius", "999px"
        )
        customer.get_by_label(re.compile("Anything you would like to add")).fill(COMMENT)
        customer.get_by_role("button", name="Send comment").click()
        expect(customer.get_by_text("We received your comment too.")).to_be_visible()
        expect(customer.get_by_role("button", name="Send comment")).to_have_count(0)

        # Clicking the mail again, the same score or another one, changes nothing.
        customer.goto(urlsplit(links[4]).path)
        expect(customer.locator(".thanks")).to_contain_text("(4)")
        customer.goto(urlsplit(links[1]).path)
        expect(customer.locator(".thanks")).to_contain_text("(4)")
    finally:
        customer_context.close()

    with workspace_scope(workspace):
        invite = SurveyInvite.objects.get()
        assert invite.score == 4 and invite.answered_at is not None
        assert invite.comment == COMMENT and invite.commented_at is not None
        assert invite.sentiment is not None and invite.sentiment > 0.3
        [summary] = csat_summary()
        assert (summary.count, summary.average, summary.satisfied_pct) == (1, 4.0, 100.0)
        updates = AuditEntry.objects.filter(
            entity="feedback.surveyinvite", object_id=invite.pk, action="update"
        )
        assert sorted(tuple(e.changes) for e in updates) == [
            ("comment", "sentiment"),
            ("score",),
        ]

    # The agent's service dashboard counts the solved ticket and the answer, with its charts.
    page.get_by_role("link", name="Service dashboard").click()
    expect(page.locator("#kpis")).to_contain_text("4.0/5")
    for chart in ("#chart-volume", "#chart-times"):
        expect(page.locator(chart)).to_be_visible()
    # Chart.js drew on the canvas, once its script has loaded.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chart-volume'))"
    )
    # The comment is there with its sentiment, and the team's figures beside the agent's.
    comments = page.locator("#survey-comments")
    expect(comments).to_contain_text(COMMENT)
    expect(comments.locator("li").first).to_contain_text("Positive")
    expect(page.locator("#csat-teams")).to_contain_text("No team")
    comments.get_by_role("link", name="Negative").click()
    expect(page.locator("#survey-comments")).to_contain_text("No comments in this period.")
    expect(page.locator("#survey-comments").get_by_role("link", name="Negative")).to_have_attribute(
        "aria-current", "true"
    )
