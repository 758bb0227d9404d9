"""Bulk actions on the ticket list in the browser: ticking rows shows the bar with their count,
the header box ticks the whole page, and two ticked tickets are assigned to an agent in one
step, the list coming back saying so."""

import re

import pytest
from playwright.sync_api import expect

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.service.models import Ticket
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.services import membership_add, user_create

pytestmark = pytest.mark.browser


def test_two_ticked_tickets_are_assigned_to_an_agent_in_one_step(page, log_in, workspace, owner):
    sam = user_create(username="sam", password="x" * 12, first_name="Sam", last_name="Reed")
    membership_add(workspace=workspace, user=sam, role="member")
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    late = make_ticket(workspace, owner, ann, subject="Parcel is late")
    broken = make_ticket(workspace, owner, ann, subject="Lid arrived broken")
    other = make_ticket(workspace, owner, ann, subject="Invoice copy", ticket_type="complaint")
    log_in("olivia")

    page.get_by_role("link", name="Tickets").click()
    page.get_by_role("link", name=re.compile("^All tickets")).click()
    table = page.locator("#ticket-table")
    expect(table).to_contain_text("Invoice copy")
    bar = page.locator("#bulk-bar")
    expect(bar).to_be_hidden()  # nothing ticked yet

    # The header box ticks every row of the page, and clears them again.
    select_all = page.get_by_label("Select all tickets on this page")
    select_all.check()
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("3 ticked")
    select_all.uncheck()
    expect(bar).to_be_hidden()

    page.get_by_label(f"Select ticket #{late.number}").check()
    expect(bar).to_contain_text("1 ticked")
    page.get_by_label(f"Select ticket #{broken.number}").check()
    expect(bar).to_contain_text("2 ticked")
    bar.get_by_label("Assign to").select_option(label="Sam Reed")
    with page.expect_response(re.compile(r"/tickets/bulk/$")) as posted:
        bar.get_by_role("button", name="Assign").click()
    # htmx sent it, and sends the browser back to the list it came from.
    assert posted.value.headers["hx-redirect"] == "/tickets/all/?status=any"

    expect(page.locator(".flash-success")).to_have_text("2 tickets assigned to Sam Reed.")
    expect(page).to_have_url(re.compile(r"/tickets/all/"))
    expect(table.get_by_role("row").filter(has_text="Parcel is late")).to_contain_text("Sam Reed")
    expect(table.get_by_role("row").filter(has_text="Lid arrived broken")).to_contain_text(
        "Sam Reed"
    )
    expect(table.get_by_role("row").filter(has_text="Invoice copy")).not_to_contain_text("Sam")
    expect(bar).to_be_hidden()  # the reloaded list has nothing ticked

    # A complaint without its root cause is not solved; the two others are, and all are named.
    select_all.check()
    bar.get_by_label("Set status").select_option(label="Solved")
    bar.get_by_role("button", name="Set status").click()
    flash = page.locator(".flash-warning")
    expect(flash).to_contain_text("2 tickets set to solved")
    expect(flash).to_contain_text(
        f"#{other.number} not set to solved: a complaint needs a root cause before it is solved"
    )
    rows = table.get_by_role("row")
    expect(rows.filter(has_text="Parcel is late").locator("[class*=status-]")).to_have_text(
        "Solved"
    )
    expect(rows.filter(has_text="Invoice copy").locator("[class*=status-]")).to_have_text("New")
    assert {t.pk: (t.assignee_id, t.status) for t in Ticket.unscoped.all()} == {
        late.pk: (sam.pk, "solved"),
        broken.pk: (sam.pk, "solved"),
        other.pk: (None, "new"),
    }
    assert (
        AuditEntry.unscoped.filter(entity="service.ticket", action="update", actor=owner).count()
        == 4
    )  # two assigned, then the same two solved
