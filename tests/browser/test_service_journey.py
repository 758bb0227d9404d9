"""The service desk in the browser: an agent answers a ticket; a customer signs in to the
portal with the mailed link, opens a ticket and reads the agent's answer."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.knowledge.services import article_create
from rapport.sales.services import product_create
from rapport.service.models import Ticket, TicketAttachment
from rapport.service.services import ticket_reply
from rapport.service.tests.factories import make_calendar, make_policy, make_ticket
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4 packing list"


def test_an_agent_answers_a_ticket(page, log_in, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    make_policy(
        workspace,
        owner,
        make_calendar(
            workspace,
            owner,
            weekly_hours={
                day: ["00:00-00:00"] for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            },
        ),
    )
    ticket = make_ticket(
        workspace, owner, ann, subject="Parcel never arrived", body="Order 1042 is a week late"
    )
    log_in("olivia")

    page.get_by_role("link", name="Tickets").click()
    page.get_by_role("link", name="Unassigned").click()
    page.get_by_role("link", name=re.compile("Parcel never arrived")).click()
    expect(page.locator("#record-title")).to_contain_text("Parcel never arrived")
    expect(page.locator("#sla")).to_contain_text("On track")

    # A refused file: the reason shows, the draft stays, nothing is sent.
    page.get_by_placeholder(re.compile("Write a reply")).fill("Sorry! It ships today.")
    page.get_by_label("Attach files").set_input_files(
        [{"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\x90"}]
    )
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#reply")).to_contain_text("are not accepted")
    expect(page.get_by_placeholder(re.compile("Write a reply"))).to_have_value(
        "Sorry! It ships today."
    )
    assert mail.outbox == []

    # An internal note first, then the public answer with the packing list.
    page.get_by_placeholder(re.compile("Write a reply")).fill("Courier confirmed the delay")
    page.locator(".kind-internal").click()
    page.get_by_label("Attach files").set_input_files([])
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg-internal")).to_contain_text("Courier confirmed the delay")
    assert mail.outbox == []

    page.get_by_placeholder(re.compile("Write a reply")).fill("Sorry! It ships today.")
    page.locator(".kind-public").click()
    page.get_by_label("Attach files").set_input_files(
        [{"name": "packing.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash-success")).to_contain_text("Reply sent")
    reply = page.locator(".msg-agent.msg-public").last
    expect(reply).to_contain_text("Sorry! It ships today.")
    expect(reply).to_contain_text("packing.pdf")
    expect(page.locator("#sla")).to_contain_text("Met")
    assert [m.to for m in mail.outbox] == [["ann@acme.io"]]

    # Waiting on the customer now: the status changes from the side panel.
    page.get_by_label("Status").select_option("pending")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".ticket-head .badge").first).to_have_text("Pending (on customer)")
    # The SLA history under the clocks tells the story so far.
    history = page.locator("#sla-history li")
    expect(history).to_have_count(4)
    expect(history.nth(0)).to_contain_text("Policy applied")
    expect(history.nth(2)).to_contain_text("Met")
    expect(history.nth(2)).to_contain_text("First response")
    expect(history.nth(3)).to_contain_text("Paused (pending on customer)")
    with workspace_scope(workspace):
        saved = Ticket.objects.get(pk=ticket.pk)
        assert saved.status == "pending" and saved.first_responded_at is not None
        assert TicketAttachment.objects.get().name == "packing.pdf"


def test_an_agent_answers_from_the_keyboard_and_solves_in_one_step(page, log_in, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    ticket = make_ticket(workspace, owner, ann, subject="Invoice copy", body="Please resend it")
    log_in("olivia")
    page.goto(f"/tickets/{ticket.pk}/")

    page.get_by_label("After sending").select_option(label="Set to Solved")
    box = page.get_by_placeholder(re.compile("Write a reply"))
    box.fill("Attached to this mail again.")
    box.press("Control+Enter")
    expect(page.locator(".flash-success")).to_contain_text("the ticket is now solved")
    expect(page.locator(".ticket-head .badge").first).to_have_text("Solved")
    expect(page.locator(".msg-agent.msg-public").last).to_contain_text("Attached to this mail")
    # The chooser is back to keeping the status for the next message.
    expect(page.get_by_label("After sending")).to_have_value("")
    assert [m.to for m in mail.outbox if "Invoice copy" in m.subject] == [["ann@acme.io"]]
    with workspace_scope(workspace):
        assert Ticket.objects.get(pk=ticket.pk).solved_at is not None

    # The reply's words find the ticket from the list's search box.
    make_ticket(workspace, owner, ann, subject="Other question", body="Something else")
    page.goto("/tickets/all/")
    page.get_by_label("Search tickets").fill("this mail again")
    table = page.locator("#ticket-table")
    expect(table).not_to_contain_text("Other question")
    expect(table).to_contain_text("Invoice copy")


def test_an_agent_files_a_complaint_under_a_product_and_a_known_cause(
    page, log_in, workspace, owner, other_workspace, outsider
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    with workspace_scope(workspace):
        kettle = product_create(
            workspace=workspace, actor=owner, data={"sku": "K-2", "name": "Steel kettle"}
        )
        product_create(workspace=workspace, actor=owner, data={"sku": "K-9", "name": "Iron"})
    with workspace_scope(other_workspace):
        product_create(
            workspace=other_workspace, actor=outsider, data={"sku": "G-1", "name": "Kettle"}
        )
    make_ticket(workspace, owner, ann, ticket_type="complaint", root_cause="Faulty part")
    ticket = make_ticket(workspace, owner, ann, subject="Kettle leaks", body="Water on the counter")
    log_in("olivia")
    page.goto(f"/tickets/{ticket.pk}/")

    panel = page.locator("#properties")
    panel.get_by_label("Type").select_option("complaint")
    # The product box offers this workspace's matching products as the agent types.
    product = panel.get_by_label("Product")
    product.press_sequentially("kett")
    expect(page.locator("#product-options option")).to_have_count(1)
    expect(page.locator("#product-options option")).to_have_attribute("value", "Steel kettle (K-2)")
    product.fill("Steel kettle (K-2)")
    # The cause used before is offered as the agent types it.
    cause = panel.get_by_label("Root cause")
    expect(cause).to_have_attribute("list", "root-causes")
    expect(page.locator("#root-causes option")).to_have_attribute("value", "Faulty part")
    cause.fill("faulty part")
    panel.get_by_label("Resolution").fill("Sent a new kettle")
    panel.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Saved ticket #{ticket.number}")
    expect(panel.get_by_label("Product")).to_have_value("Steel kettle (K-2)")
    with workspace_scope(workspace):
        assert Ticket.objects.get(pk=ticket.pk).product_id == kettle.pk
    expect(panel.get_by_label("Root cause")).to_have_value("Faulty part")

    page.get_by_role("link", name="Service dashboard").click()
    by_product = page.locator("#complaints-by-product tr", has_text="Steel kettle")
    expect(by_product.locator("td").nth(1)).to_have_text("1")
    expect(page.locator("#complaints-by-cause")).to_contain_text("Faulty part")
    page.get_by_text("Every month, cause and product").click()  # the detail, folded away
    expect(page.locator("#complaints tr", has_text="Steel kettle")).to_contain_text("Faulty part")


def test_an_agent_solves_a_complaint_only_with_its_cause_and_resolution(
    page, log_in, workspace, owner
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    ticket = make_ticket(
        workspace, owner, ann, subject="Driver was rude", body="Shouted", ticket_type="complaint"
    )
    log_in("olivia")
    page.goto(f"/tickets/{ticket.pk}/")

    # Solving from the side panel without a cause: each missing field says so, nothing moves.
    panel = page.locator("#properties")
    panel.get_by_label("Status").select_option("solved")
    panel.get_by_role("button", name="Save changes").click()
    expect(panel).to_contain_text("a complaint needs a root cause before it is solved")
    expect(panel).to_contain_text("a complaint needs a resolution before it is solved")
    expect(panel.get_by_label("Status")).to_have_value("solved")
    expect(page.locator(".ticket-head .badge").first).to_have_text("New")

    # Answering and solving in one step: the reply stays while the cause is missing.
    reply = page.locator("#reply")
    reply.get_by_placeholder(re.compile("Write a reply")).fill("Sorry, we spoke to the courier.")
    reply.get_by_label("After sending").select_option(label="Set to Solved")
    reply.get_by_label("Resolution").fill("Apologised; courier warned")
    reply.get_by_role("button", name="Send").click()
    expect(reply).to_contain_text("a complaint needs a root cause before it is solved")
    expect(reply.get_by_placeholder(re.compile("Write a reply"))).to_have_value(
        "Sorry, we spoke to the courier."
    )
    assert mail.outbox == []

    reply.get_by_label("Root cause").fill("Courier conduct")
    reply.get_by_role("button", name="Send").click()
    expect(page.locator(".flash-success")).to_contain_text("the ticket is now solved")
    expect(page.locator(".ticket-head .badge").first).to_have_text("Solved")
    expect(panel.get_by_label("Root cause")).to_have_value("Courier conduct")
    expect(panel.get_by_label("Resolution")).to_have_value("Apologised; courier warned")
    assert [m.to for m in mail.outbox if "spoke to the courier" in m.body] == [["ann@acme.io"]]


def test_an_agent_opens_a_ticket_for_a_new_caller_with_a_file(page, log_in, workspace):
    log_in("olivia")
    page.goto("/tickets/new/")
    page.get_by_label("Requester's email").fill("bea@")
    page.get_by_label("Subject").fill("Invoice twice")
    page.get_by_label("Request", exact=True).fill("Charged twice for order 77")
    page.get_by_label("Attach files").set_input_files(
        [{"name": "statement.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Open ticket").click()
    expect(page.locator("#field-requester_email")).to_contain_text("is not a valid email")
    expect(page.get_by_label("Subject")).to_have_value("Invoice twice")
    with workspace_scope(workspace):
        assert not Ticket.objects.exists()

    page.get_by_label("Requester's email").fill("Bea.Ng@Example.com")
    page.get_by_label("Attach files").set_input_files(
        [{"name": "statement.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Open ticket").click()
    expect(page.locator(".flash-success")).to_contain_text("bea.ng@example.com is a new contact")
    expect(page.locator("#record-title")).to_contain_text("Invoice twice")
    expect(page.locator(".msg").first).to_contain_text("statement.pdf")
    expect(page.locator("#customer")).to_contain_text("bea.ng@example.com")


def test_a_lead_lists_breached_tickets_of_one_agent_and_keeps_the_view(
    page, log_in, workspace, owner, member
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    for subject, assignee, breached in [
        ("Mia overdue", member, True),
        ("Mia on time", member, False),
        ("Olivia overdue", owner, True),
    ]:
        ticket = make_ticket(workspace, owner, ann, subject=subject, assignee_id=assignee.pk)
        if breached:
            with workspace_scope(workspace):
                Ticket.objects.filter(pk=ticket.pk).update(sla_breached_at=ticket.created_at)
    log_in("olivia")
    page.goto("/tickets/all/")
    table = page.locator("#ticket-table")
    expect(table).to_contain_text("Mia on time")

    page.get_by_label("Assignee").select_option(label="mia")
    page.get_by_label("SLA").select_option("breached")
    expect(table).not_to_contain_text("Mia on time")
    expect(table).not_to_contain_text("Olivia overdue")
    expect(table).to_contain_text("Mia overdue")

    page.locator("summary", has_text="Save view").click()
    page.get_by_label("Name this view").fill("Mia's breaches")
    page.get_by_role("button", name="Save current filters").click()
    saved = page.get_by_role("link", name="Mia's breaches")
    expect(saved).to_be_visible()
    page.get_by_role("link", name="All tickets").click()
    expect(page.get_by_label("SLA")).to_have_value("")
    page.get_by_role("link", name="Mia's breaches").click()
    expect(page.get_by_label("SLA")).to_have_value("breached")
    expect(page.locator("#ticket-table")).to_contain_text("Mia overdue")
    expect(page.locator("#ticket-table")).not_to_contain_text("Mia on time")


def test_a_customer_signs_in_opens_a_ticket_and_reads_the_answer(page, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    with workspace_scope(workspace):
        article_create(
            workspace=workspace,
            actor=owner,
            data={
                "title": "Tracking a late parcel",
                "body_markdown": "Use the tracking link in your order mail.",
                "status": "published",
                "visibility": "public",
            },
        )

    page.goto(f"/portal/{workspace.slug}/")
    page.get_by_label("Your email address").fill("ann@acme.io")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator("#link-sent")).to_contain_text("If that address is known to us")
    [message] = mail.outbox
    found = re.search(r"https?://\S+/portal/\S+/link/\S+/", message.body)
    assert found, message.body
    link = found.group(0)

    page.goto(link)
    page.get_by_role("button", name="Continue to my requests").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()

    page.get_by_role("link", name="New request").first.click()
    # Typing starts once the page has loaded: before htmx has run, the keystrokes ask nothing.
    page.wait_for_url(re.compile(r"/tickets/new/$"))
    page.get_by_label("What do you need help with?").fill("My parcel is late")
    page.get_by_label("Details").fill("Ordered two weeks ago, tracking shows nothing.")
    # The suggestions arrive after a 400 ms pause in typing and a search: allow for a busy
    # two-core CI machine rather than the default five seconds.
    expect(page.locator("#suggestions")).to_contain_text("Tracking a late parcel", timeout=20_000)
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".p-flash")).to_contain_text("your request is ticket #1")

    with workspace_scope(workspace):
        ticket = Ticket.objects.get()
        assert ticket.requester == ann and ticket.channel == "portal"
        ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="It left today!")
        ticket_reply(
            workspace=workspace, actor=owner, ticket=ticket, body="Check stock", kind="internal"
        )

    page.reload()
    expect(page.locator(".p-msg-team")).to_contain_text("It left today!")
    expect(page.locator("#conversation")).not_to_contain_text("Check stock")
    page.get_by_label("Your reply").fill("Great, thanks!")
    page.get_by_label("Attach files").set_input_files(
        [{"name": "label.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\nlabel"}]
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".p-msg-customer").last).to_contain_text("Great, thanks!")
    expect(page.locator(".p-msg-customer").last).to_contain_text("label.png")

    # The link was single use.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()

    # The help centre shows its articles before anything is searched, and opens one.
    page.get_by_role("link", name="Help articles").click()
    page.locator("#help-sections").get_by_role("link", name="Tracking a late parcel").click()
    expect(page.locator("body")).to_contain_text("Use the tracking link in your order mail.")
