import datetime as dt

import pytest
import time_machine
from django.db import connection

from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.service.models import Ticket
from rapport.service.queries import (
    TicketFilter,
    customer_tickets,
    sla_at_risk,
    ticket_list,
    ticket_queryset,
)
from rapport.service.search import tickets_matching
from rapport.service.services import (
    calendar_create,
    sla_policy_create,
    team_create,
    ticket_create,
    ticket_reply,
    ticket_set_status,
)
from rapport.tenancy.access import workspace_scope


def make(ws, actor, requester, **extra):
    return ticket_create(
        workspace=ws,
        actor=actor,
        data={
            "subject": extra.pop("subject", "Help"),
            "body": "b",
            "requester_id": requester.pk,
            **extra,
        },
    )


def subjects(f: TicketFilter) -> set[str]:
    return {t.subject for t in ticket_list(f=f).items}


def test_the_agent_views(scoped, owner, member):
    ann = make_contact(scoped, owner)
    team = team_create(
        workspace=scoped, actor=owner, name="T", assignment="manual", member_ids=[member.pk]
    )
    make(scoped, owner, ann, subject="mine", assignee_id=owner.pk)
    make(scoped, owner, ann, subject="theirs", assignee_id=member.pk, team_id=team.pk)
    make(scoped, owner, ann, subject="nobody")
    done = make(scoped, owner, ann, subject="done")
    ticket_set_status(workspace=scoped, actor=owner, ticket=done, status="solved")
    assert subjects(TicketFilter(view="mine", user_id=owner.pk)) == {"mine"}
    assert subjects(TicketFilter(view="unassigned")) == {"nobody"}
    assert subjects(TicketFilter(view="team", team_id=team.pk)) == {"theirs"}
    assert subjects(TicketFilter(status="unsolved")) == {"mine", "theirs", "nobody"}
    assert subjects(TicketFilter(status="open")) == set()  # none was answered yet
    assert subjects(TicketFilter(q=f"#{done.number}")) == {"done"}
    with pytest.raises(ServiceValidationError):
        ticket_list(f=TicketFilter(view="team"))


def test_the_breach_list_shows_overdue_and_nearly_due_but_not_paused(scoped, owner):
    calendar = calendar_create(
        workspace=scoped,
        actor=owner,
        data={
            "name": "24/7",
            "timezone": "UTC",
            "weekly_hours": {
                d: ["00:00-00:00"] for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            },
        },
    )
    sla_policy_create(
        workspace=scoped,
        actor=owner,
        data={
            "name": "p",
            "calendar_id": calendar.pk,
            "targets": {
                "normal": {"first_response": 60, "resolution": 240},
                "low": {"first_response": 600, "resolution": 6000},
            },
        },
    )
    ann = make_contact(scoped, owner)
    t0 = dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC)
    with time_machine.travel(t0, tick=False):
        late = make(scoped, owner, ann, subject="late")
        answered = make(scoped, owner, ann, subject="answered")
        ticket_reply(workspace=scoped, actor=owner, ticket=answered, body="hi")
        make(scoped, owner, ann, subject="relaxed", priority="low")
        waiting = make(scoped, owner, ann, subject="waiting")
        ticket_reply(workspace=scoped, actor=owner, ticket=waiting, body="hi")
        ticket_set_status(workspace=scoped, actor=owner, ticket=waiting, status="pending")
    risky = sla_at_risk(now=t0 + dt.timedelta(minutes=30))
    assert [t.subject for t in risky] == ["late"]  # first response due 10:00, within the hour
    risky = sla_at_risk(now=t0 + dt.timedelta(hours=3, minutes=30))
    assert {t.subject for t in risky} == {"late", "answered"}
    assert late in risky


def test_customer_context_covers_the_company(scoped, owner):
    acme = make_company(scoped, owner, name="Acme")
    ann = make_contact(scoped, owner, company_ids=[acme.pk])
    bob = make_contact(scoped, owner, first_name="Bob", company_ids=[acme.pk])
    stranger = make_contact(scoped, owner, first_name="Cy")
    current = make(scoped, owner, ann, subject="current")
    make(scoped, owner, bob, subject="colleague")
    make(scoped, owner, stranger, subject="other")
    context = customer_tickets(contact_id=ann.pk, company_id=acme.pk, exclude_id=current.pk)
    assert [t.subject for t in context] == ["colleague"]


def test_search_finds_words_of_the_conversation_of_this_workspace_only(
    scoped, owner, other_workspace, outsider
):
    ann = make_contact(scoped, owner)
    printer = make(scoped, owner, ann, subject="Printer jams")
    noted = make(scoped, owner, ann, subject="Invoice question")
    make(scoped, owner, ann, subject="Unrelated")
    ticket_reply(workspace=scoped, actor=owner, ticket=printer, body="Try the Tray 2 lever.")
    ticket_reply(
        workspace=scoped, actor=owner, ticket=noted, body="Refund ref ZX-81", kind="internal"
    )
    with workspace_scope(other_workspace):
        bob = make_contact(other_workspace, outsider)
        theirs = make(other_workspace, outsider, bob, subject="Theirs")
        ticket_reply(
            workspace=other_workspace, actor=outsider, ticket=theirs, body="tray 2 is stuck too"
        )

    assert subjects(TicketFilter(q="tray 2")) == {"Printer jams"}
    assert subjects(TicketFilter(q="zx-81")) == {"Invoice question"}
    assert subjects(TicketFilter(q="printer")) == {"Printer jams"}
    assert subjects(TicketFilter(q=f"#{noted.number}")) == {"Invoice question"}


SEARCHES = {
    # every word typed begins a word, case-insensitive, in any order
    "REFUND": {"Money back"},
    "überw refunded": {"Money back"},
    "refunds": set(),
    # never inside a word, on either database
    "fund": set(),
    "weisung": set(),
    "afé": set(),
    # accents as typed
    "CAFÉ": {"Café order"},
    "uberw": set(),
    # punctuation, underscores, addresses and links separate words
    "zx-81": {"Money back"},
    "81": {"Money back"},
    "orders shop": {"Money back"},
    "extra": {"Café order"},
    "brûl": {"Café order"},
    "example": {"Money back", "Printer"},
    "anna": {"Printer"},
    # the words anywhere in one ticket: its subject, its messages, its internal notes
    "tray lever": {"Printer"},
    "printer lever": {"Printer"},
    "tray anna": {"Printer"},
    "money überw": {"Money back"},
    "café crème extra": {"Café order"},
    "other prefund bistrocafé": {"Other"},
    # but never across tickets
    "tray refund": set(),
    "printer café": set(),
    "...": set(),
}


@pytest.mark.parametrize("text", SEARCHES)
def test_search_finds_the_same_beginnings_of_words_on_every_database(scoped, owner, text):
    """The one fixture and the one answer for SQLite and PostgreSQL (CI runs both)."""
    ann = make_contact(scoped, owner)
    money = make(scoped, owner, ann, subject="Money back")
    cafe = make(scoped, owner, ann, subject="Café order")
    printer = make(scoped, owner, ann, subject="Printer")
    make(scoped, owner, ann, subject="Other", body="prefund bistrocafé")
    for ticket, body, kind in (
        (money, "Refunded the Überweisung: https://shop.example.com/orders/ZX-81", "public"),
        (cafe, "Crème brûlée_extra, don't", "public"),
        (printer, "Tray 2 lever", "public"),
        (printer, "Called anna@example.org", "internal"),
    ):
        ticket_reply(workspace=scoped, actor=owner, ticket=ticket, body=body, kind=kind)
    assert subjects(TicketFilter(q=text)) == SEARCHES[text]


def settle_search_index(cursor) -> None:
    """Statistics, and the GIN index's pending list merged: rows inserted a moment ago wait
    there (until autovacuum), and the planner's cost of the index depends on its length."""
    cursor.execute("SELECT gin_clean_pending_list('ticket_search_words_idx'::regclass)")
    cursor.execute("ANALYZE service_ticket")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_on_postgresql_ticket_search_reads_the_search_document_index(scoped, owner):
    ann = make_contact(scoped, owner)
    ticket = make(scoped, owner, ann, subject="Printer jams")
    Ticket.objects.bulk_create(
        Ticket(workspace=scoped, number=10_000 + n, subject=f"Filler {n}", requester=ann)
        for n in range(3000)
    )
    ticket_reply(workspace=scoped, actor=owner, ticket=ticket, body="Refund ref ZX-81")
    with connection.cursor() as cursor:
        settle_search_index(cursor)
        # Neither a scan of the table nor a walk of another index: the GIN must serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    found = Ticket.objects.filter(tickets_matching("zx-81 refun printer"))
    assert "ticket_search_words_idx" in found.explain()
    assert [t.subject for t in found] == ["Printer jams"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans are PostgreSQL's")
def test_on_postgresql_a_word_in_most_tickets_can_stop_at_the_newest_page(scoped, owner):
    """The page of a word in every ticket can be read off the index on the last update,
    newest first, stopping at 51 rows: no sort of every match. (Whether the planner walks
    it or reads the GIN depends on how common the word is: docs/performance.md shows both
    at 100,000 tickets; with a few thousand here its choice would be a coin toss.)"""
    ann = make_contact(scoped, owner)
    Ticket.objects.bulk_create(
        Ticket(workspace=scoped, number=n, subject=f"Filler {n}", requester=ann)
        for n in range(1, 5001)
    )
    with connection.cursor() as cursor:
        settle_search_index(cursor)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    page = ticket_queryset(TicketFilter(q="filler")).order_by("-updated_at", "-id")[:51]
    plan = page.explain()
    assert "ticket_updated_idx" in plan and "Sort" not in plan
    assert len(page) == 51
