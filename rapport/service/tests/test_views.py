"""The agent desk's pages: lists, new ticket, ticket page (reply, notes, files, properties),
SLA at risk, dashboard and knowledge base; who may see and change what."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.feedback.models import SurveyInvite
from rapport.feedback.services import survey_answer, survey_comment
from rapport.knowledge.models import Article
from rapport.knowledge.services import article_create, article_vote, category_create
from rapport.sales.models import Product
from rapport.sales.services import product_create
from rapport.service.models import Ticket, TicketAttachment, TicketMessage
from rapport.service.reports import complaint_report
from rapport.service.services import team_create, ticket_reply, ticket_set_status
from rapport.service.tests.factories import make_calendar, make_policy, make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
outsider_client = fixtures.outsider_client
owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a small report"
MONDAY_9 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])


@pytest.fixture
def ticket(workspace, owner, ann):
    return make_ticket(workspace, owner, ann, subject="Printer on fire", body="Smoke everywhere")


@pytest.fixture
def article(workspace, owner):
    with workspace_scope(workspace):
        return article_create(
            workspace=workspace,
            actor=owner,
            data={
                "title": "Printer fire safety",
                "body_markdown": "# Steps\n\nUnplug the **printer**.<script>alert(1)</script>",
                "status": "published",
                "visibility": "public",
            },
        )


@pytest.fixture
def theirs(other_workspace, outsider):
    contact = make_contact(other_workspace, first_name="Secret", emails=["secret@globex.io"])
    return make_ticket(other_workspace, outsider, contact, subject="Globex secret ticket")


def reload(workspace, obj):
    with workspace_scope(workspace):
        return type(obj).objects.get(pk=obj.pk)


def messages_of(workspace, ticket):
    with workspace_scope(workspace):
        return list(TicketMessage.objects.filter(ticket=ticket).order_by("pk"))


# --- lists ------------------------------------------------------------------------------------


def test_the_views_split_tickets_by_assignee(owner_client, workspace, owner, member, ann):
    make_ticket(workspace, owner, ann, subject="Mine to do", assignee_id=owner.pk)
    make_ticket(workspace, owner, ann, subject="Nobody has it")
    make_ticket(workspace, owner, ann, subject="Mia has it", assignee_id=member.pk)
    mine = owner_client.get("/tickets/mine/").content.decode()
    unassigned = owner_client.get("/tickets/unassigned/").content.decode()
    every = owner_client.get("/tickets/all/").content.decode()
    assert "Mine to do" in mine and "Nobody has it" not in mine and "Mia has it" not in mine
    assert "Nobody has it" in unassigned and "Mine to do" not in unassigned
    assert all(s in every for s in ("Mine to do", "Nobody has it", "Mia has it"))


def test_my_queue_opens_on_unsolved_tickets_and_any_status_is_a_choice(
    owner_client, workspace, owner, ann
):
    make_ticket(workspace, owner, ann, subject="Still to do", assignee_id=owner.pk)
    done = make_ticket(workspace, owner, ann, subject="Long done", assignee_id=owner.pk)
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, ticket=done, actor=owner, status="solved")
    mine = owner_client.get("/tickets/mine/").content.decode()
    assert "Still to do" in mine and "Long done" not in mine
    assert re.findall(r'<option value="(\w+)" selected>', mine) == ["unsolved"]
    every = owner_client.get("/tickets/mine/?status=any").content.decode()
    assert "Still to do" in every and "Long done" in every
    assert '<option value="any" selected>Any status</option>' in every
    # "Open" is the one status, apart from "Unsolved" (new, open, pending, on hold).
    page = owner_client.get("/tickets/mine/?status=open").content.decode()
    assert re.findall(r'<option value="(\w+)" selected>', page) == ["open"]
    assert "Still to do" not in page  # a new ticket, not yet answered
    # "All tickets" still means all of them.
    assert "Long done" in owner_client.get("/tickets/all/").content.decode()
    # A saved "any status" view of my queue keeps showing the solved ones.
    saved = owner_client.post(
        "/tickets/saved-views/", {"name": "Everything of mine", "view": "mine", "status": "any"}
    )
    assert "Long done" in owner_client.get(saved["Location"]).content.decode()


def test_the_view_chips_count_unsolved_tickets(owner_client, workspace, owner, member, ann):
    with workspace_scope(workspace):
        red = team_create(
            workspace=workspace, actor=owner, name="Red", assignment="manual", member_ids=[]
        )
    make_ticket(workspace, owner, ann, subject="a", assignee_id=owner.pk, team_id=red.pk)
    make_ticket(workspace, owner, ann, subject="b", assignee_id=member.pk)
    make_ticket(workspace, owner, ann, subject="c")
    done = make_ticket(workspace, owner, ann, subject="d", assignee_id=owner.pk, team_id=red.pk)
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, ticket=done, actor=owner, status="solved")
    page = owner_client.get("/tickets/all/?priority=high").content.decode()
    chips = page.split('aria-label="Ticket views"')[1].split("</div>")[0]
    chip = r'/tickets/(\w+)/"[^>]*>[^<]+<span class="chip-count"[^>]*>(\d+)'
    counts = dict(re.findall(chip, chips))
    assert counts == {"mine": "1", "unassigned": "1", "team": "1", "all": "3"}
    # The queue stays marked while its filters change.
    assert 'class="chip chip-active" href="/tickets/all/"' in chips


def test_the_team_queue_shows_the_chosen_team(owner_client, workspace, owner, ann):
    with workspace_scope(workspace):
        red = team_create(
            workspace=workspace, actor=owner, name="Red", assignment="manual", member_ids=[]
        )
        blue = team_create(
            workspace=workspace, actor=owner, name="Blue", assignment="manual", member_ids=[]
        )
    make_ticket(workspace, owner, ann, subject="Red alert", team_id=red.pk)
    make_ticket(workspace, owner, ann, subject="Blue moon", team_id=blue.pk)
    page = owner_client.get(f"/tickets/team/?team={blue.pk}").content.decode()
    assert "Blue moon" in page and "Red alert" not in page


def test_filters_narrow_the_list(owner_client, workspace, owner, ann):
    make_ticket(workspace, owner, ann, subject="Urgent outage", priority="urgent", tags=["vip"])
    make_ticket(workspace, owner, ann, subject="Calm question")
    assert b"Calm question" not in owner_client.get("/tickets/all/?priority=urgent").content
    assert b"Urgent outage" in owner_client.get("/tickets/all/?tag=vip").content
    assert b"Urgent outage" not in owner_client.get("/tickets/all/?q=calm").content
    assert b"Urgent outage" not in owner_client.get("/tickets/all/?status=solved").content


def test_filters_by_assignee_channel_and_sla_outcome(owner_client, workspace, owner, member, ann):
    make_ticket(workspace, owner, ann, subject="Mia phoned", assignee_id=member.pk, channel="phone")
    late = make_ticket(workspace, owner, ann, subject="Olivia late", assignee_id=owner.pk)
    with workspace_scope(workspace):
        Ticket.objects.filter(pk=late.pk).update(sla_breached_at=MONDAY_9)

    def listed(query):
        page = owner_client.get(f"/tickets/all/?{query}").content.decode()
        return {s for s in ("Mia phoned", "Olivia late") if s in page}

    assert listed(f"assignee={member.pk}") == {"Mia phoned"}
    assert listed("channel=phone") == {"Mia phoned"}
    assert listed("channel=email") == {"Olivia late"}
    assert listed("sla=breached") == {"Olivia late"}
    assert listed("sla=kept") == {"Mia phoned"}
    page = owner_client.get(f"/tickets/all/?assignee={member.pk}").content.decode()
    assert f'<option value="{member.pk}" selected>' in page
    # "My tickets" is one assignee already: no second chooser there.
    assert 'name="assignee"' not in owner_client.get("/tickets/mine/").content.decode()


def test_a_bad_filter_value_is_named_and_the_rest_still_apply(owner_client, workspace, owner, ann):
    make_ticket(workspace, owner, ann, subject="By phone", channel="phone")
    make_ticket(workspace, owner, ann, subject="By mail")
    page = owner_client.get("/tickets/all/?channel=pigeon&q=phone").content.decode()
    assert "By phone" in page and "By mail" not in page
    assert "Channel: Select a valid choice. pigeon is not one of the available choices." in page


def test_an_htmx_filter_returns_only_the_table(owner_client, ticket):
    response = owner_client.get(
        "/tickets/all/?q=printer", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-table"
    )
    body = response.content.decode()
    assert body.startswith('<div id="ticket-table"') and "Printer on fire" in body


def test_an_unknown_view_is_not_found(owner_client):
    assert owner_client.get("/tickets/everything/").status_code == 404


def test_the_list_pages_with_cursors(owner_client, workspace, owner, ann):
    for i in range(55):
        make_ticket(workspace, owner, ann, subject=f"Ticket number {i:02d}")
    first = owner_client.get("/tickets/all/").content.decode()
    assert 'rel="next"' in first and first.count(">Ticket number") == 50
    cursor = first.split('rel="next" href="?cursor=')[1].split('"')[0]
    second = owner_client.get(f"/tickets/all/?cursor={cursor}").content.decode()
    assert second.count(">Ticket number") == 5


def test_the_list_costs_a_bounded_number_of_queries(
    owner_client, workspace, owner, ann, django_assert_max_num_queries
):
    calendar = make_calendar(workspace, owner)
    make_policy(workspace, owner, calendar)
    for i in range(30):
        make_ticket(workspace, owner, ann, subject=f"Load {i}", assignee_id=owner.pk, tags=["a"])
    # session, user, membership, memberships menu, teams, default team, page, tags, saved views
    with django_assert_max_num_queries(10):
        response = owner_client.get("/tickets/all/")
    assert response.content.decode().count(">Load ") == 30


def test_an_agent_saves_a_filtered_queue_as_a_view_only_they_see(
    owner_client, member_client, workspace, owner, ann
):
    make_ticket(workspace, owner, ann, subject="Refund please", ticket_type="complaint")
    make_ticket(workspace, owner, ann, subject="How do I export", ticket_type="question")
    response = owner_client.post(
        "/tickets/saved-views/",
        {"name": "Complaints", "view": "unassigned", "ticket_type": "complaint", "cursor": "x"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/tickets/unassigned/?ticket_type=complaint"
    page = owner_client.get(response["Location"]).content.decode()
    assert "Refund please" in page and "How do I export" not in page
    assert 'href="/tickets/unassigned/?ticket_type=complaint">Complaints</a>' in page
    assert "Complaints</a>" not in member_client.get("/tickets/all/").content.decode()
    with workspace_scope(workspace):
        from rapport.contacts.models import SavedView

        view = SavedView.objects.get()
    assert member_client.post(f"/tickets/saved-views/{view.pk}/delete/").status_code == 404
    assert owner_client.post(f"/tickets/saved-views/{view.pk}/delete/").status_code == 302
    with workspace_scope(workspace):
        assert not SavedView.objects.exists()


def test_a_saved_view_keeps_every_filter_of_the_list(owner_client, member):
    filters = {
        "q": "refund",
        "status": "open",
        "priority": "high",
        "ticket_type": "complaint",
        "channel": "phone",
        "sla": "breached",
        "assignee": str(member.pk),
        "tag": "vip",
        "sort": "-created",
    }
    response = owner_client.post(
        "/tickets/saved-views/", {"name": "Everything", "view": "all", **filters}
    )
    location = QueryDict(response["Location"].split("?", 1)[1])
    assert location.dict() == filters


def test_a_view_needs_a_name_and_a_known_queue(owner_client, workspace):
    from rapport.contacts.models import SavedView

    assert owner_client.post("/tickets/saved-views/", {"view": "all"}).status_code == 302
    assert owner_client.post("/tickets/saved-views/", {"name": "X", "view": "x"}).status_code == 404
    with workspace_scope(workspace):
        assert not SavedView.objects.exists()


def test_a_contact_list_view_cannot_be_deleted_as_a_ticket_view(owner_client, workspace, owner):
    from rapport.contacts.saved_views import saved_view_create

    with workspace_scope(workspace):
        view = saved_view_create(
            workspace=workspace, user=owner, entity="contact", name="Mine", params={}
        )
    assert owner_client.post(f"/tickets/saved-views/{view.pk}/delete/").status_code == 404


# --- outsiders and viewers --------------------------------------------------------------------


def test_an_outsider_finds_none_of_the_pages(outsider_client, ticket, article):
    for url in (f"/tickets/{ticket.pk}/", f"/kb/{article.pk}/", f"/kb/{article.pk}/edit/"):
        assert outsider_client.get(url).status_code == 404, url
    for url in (f"/tickets/{ticket.pk}/reply/", f"/tickets/{ticket.pk}/properties/"):
        assert outsider_client.post(url, {"body": "hi", "status": "solved"}).status_code == 404
    assert messages_of(ticket.workspace, ticket)[-1].body == "Smoke everywhere"


def test_an_outsiders_lists_never_show_our_tickets(outsider_client, ticket, theirs):
    for url in ("/tickets/all/", "/tickets/unassigned/", "/service/sla/", "/kb/"):
        assert b"Printer on fire" not in outsider_client.get(url).content, url
    assert b"Globex secret ticket" in outsider_client.get("/tickets/all/").content


def test_our_members_cannot_open_another_workspaces_ticket(owner_client, theirs):
    assert owner_client.get(f"/tickets/{theirs.pk}/").status_code == 404
    assert owner_client.post(f"/tickets/{theirs.pk}/reply/", {"body": "x"}).status_code == 404


def test_a_viewer_reads_but_every_write_is_refused(viewer_client, workspace, ticket, article):
    page = viewer_client.get(f"/tickets/{ticket.pk}/")
    assert page.status_code == 200 and b'id="reply"' not in page.content
    writes = [
        ("/tickets/new/", {"requester_email": "ann@acme.io", "subject": "s", "body": "b"}),
        (f"/tickets/{ticket.pk}/reply/", {"body": "hello", "kind": "public"}),
        (f"/tickets/{ticket.pk}/properties/", {"status": "solved", "priority": "urgent"}),
        ("/kb/new/", {"title": "t", "status": "draft", "visibility": "internal"}),
        (f"/kb/{article.pk}/edit/", {"title": "changed", "status": "draft"}),
    ]
    for url, data in writes:
        assert viewer_client.post(url, data).status_code == 403, url
    assert viewer_client.get("/tickets/new/").status_code == 403
    with workspace_scope(workspace):
        assert Ticket.objects.count() == 1
        assert TicketMessage.objects.count() == 1
        assert Article.objects.get().title == "Printer fire safety"
    assert reload(workspace, ticket).status == "new"


# --- a new ticket -----------------------------------------------------------------------------


def test_an_agent_opens_a_ticket_for_a_known_contact(member_client, workspace, ann):
    response = member_client.post(
        "/tickets/new/",
        {
            "requester_email": "ANN@acme.io",
            "subject": "Phoned about invoice",
            "body": "Invoice 42 is wrong",
            "priority": "high",
            "ticket_type": "question",
            "tags": "billing, phone",
        },
    )
    with workspace_scope(workspace):
        ticket = Ticket.objects.get()
        assert ticket.requester == ann and ticket.priority == "high"
        assert sorted(t.name for t in ticket.tags.all()) == ["billing", "phone"]
        assert ticket.messages.get().author is not None
        assert AuditEntry.objects.filter(object_id=str(ticket.pk), source="ui").exists()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"


def test_a_new_ticket_form_shows_its_errors_and_saves_nothing(member_client, workspace, ann):
    response = member_client.post(
        "/tickets/new/",
        {"requester_email": "nobody@", "subject": "", "body": "x", "priority": "x"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "&#x27;nobody@&#x27; is not a valid email" in page and "This field is required" in page
    with workspace_scope(workspace):
        assert not Ticket.objects.exists()


def test_suggestions_follow_what_is_typed(member_client, article):
    response = member_client.get("/tickets/suggestions/?subject=printer&body=fire")
    assert b"Printer fire safety" in response.content
    assert b"Printer fire" not in member_client.get("/tickets/suggestions/?subject=bananas").content


def test_suggested_public_articles_offer_their_help_centre_link_to_insert(
    owner_client, workspace, owner, ticket, article
):
    with workspace_scope(workspace):
        article_create(
            workspace=workspace,
            actor=owner,
            data={
                "title": "Printer fire escalation",
                "body_markdown": "Call the **printer** vendor.",
                "status": "published",
                "visibility": "internal",
            },
        )
    page = owner_client.get(f"/tickets/{ticket.pk}/").content.decode()
    side = page.split('id="suggested"')[1]
    assert "Printer fire escalation" in side and "internal, not for customers" in side
    links = re.findall(r'data-title="([^"]+)" data-url="([^"]+)"', side)
    # Only the public one, at its portal address: the customer can open that one.
    assert links == [
        ("Printer fire safety", f"http://testserver/portal/{workspace.slug}/help/{article.slug}/")
    ]
    assert owner_client.get(links[0][1]).status_code == 200


# --- the ticket page --------------------------------------------------------------------------


def test_the_sla_page_leads_to_the_breaches_solved_ones_too(owner_client, workspace, owner, ann):
    late = make_ticket(workspace, owner, ann, subject="Answered too late")
    make_ticket(workspace, owner, ann, subject="Answered in time")
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=late, status="solved")
        Ticket.objects.filter(pk=late.pk).update(sla_breached_at=MONDAY_9)
    page = owner_client.get("/service/sla/").content.decode()
    found = re.search(r'id="breached-link" href="([^"]+)"', page)
    assert found is not None
    url = found.group(1).replace("&amp;", "&")
    listed = owner_client.get(url).content.decode()
    assert "Answered too late" in listed and "Answered in time" not in listed


def test_the_customer_card_leads_to_every_ticket_of_the_customer(owner_client, workspace, owner):
    acme = make_company(workspace, name="Acme")
    ann = make_contact(workspace, first_name="Ann", emails=["ann@acme.io"], company_ids=[acme.pk])
    bob = make_contact(workspace, first_name="Bob", emails=["bob@acme.io"], company_ids=[acme.pk])
    make_contact(workspace, first_name="Eve", emails=["eve@other.io"])
    ticket = make_ticket(workspace, owner, ann, subject="Current one")
    for i in range(6):
        done = make_ticket(workspace, owner, bob if i % 2 else ann, subject=f"Earlier {i}")
        with workspace_scope(workspace):
            ticket_set_status(workspace=workspace, actor=owner, ticket=done, status="solved")
    make_ticket(workspace, owner, make_contact(workspace, emails=["x@else.io"]), subject="Else")
    page = owner_client.get(f"/tickets/{ticket.pk}/").content.decode()
    link = re.search(r'<a id="customer-tickets" href="([^"]+)">([^<]+)</a>', page)
    assert link is not None
    assert link.group(2) == "Every ticket of Acme (7) →"
    listed = owner_client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert listed.count(">Earlier ") == 6 and "Current one" in listed and "Else" not in listed


def test_the_ticket_page_shows_conversation_clocks_context_and_articles(
    owner_client, workspace, owner, ann, article
):
    calendar = make_calendar(workspace, owner)
    make_policy(workspace, owner, calendar)
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = make_ticket(workspace, owner, ann, subject="Printer on fire")
        make_ticket(workspace, owner, ann, subject="Earlier trouble")
        with workspace_scope(workspace):
            ticket_reply(
                workspace=workspace, actor=owner, ticket=ticket, body="Looking", kind="internal"
            )
        page = owner_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Since this morning" in page and "Looking" in page
    assert 'class="msg msg-internal msg-agent"' in page and "Internal note" in page
    assert "Earlier trouble" in page  # the requester's other ticket
    assert "due Mar 3, 11:00" in page and "due Mar 3, 17:00" in page
    assert "Printer fire safety" in page


def test_a_public_reply_is_mailed_and_audited_as_ui(
    member_client, workspace, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            f"/tickets/{ticket.pk}/reply/", {"body": "We are on it", "kind": "public"}
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["ann@acme.io"]]
    assert mail.outbox[0].body == "We are on it"
    with workspace_scope(workspace):
        reply = TicketMessage.objects.get(body="We are on it")
        assert reply.kind == "public"
        assert AuditEntry.objects.get(object_id=str(reply.pk)).source == "ui"
    assert reload(workspace, ticket).status == "open"


def test_an_internal_note_is_not_mailed(
    member_client, workspace, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(f"/tickets/{ticket.pk}/reply/", {"body": "Psst", "kind": "internal"})
    assert mail.outbox == []
    assert messages_of(workspace, ticket)[-1].kind == "internal"


def test_a_reply_keeps_its_files(member_client, workspace, ticket):
    upload = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    member_client.post(
        f"/tickets/{ticket.pk}/reply/",
        {"body": "See attached", "kind": "public", "attachments": upload},
    )
    with workspace_scope(workspace):
        attachment = TicketAttachment.objects.get()
        assert attachment.name == "report.pdf" and attachment.message.body == "See attached"
    page = member_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/attachments/{attachment.pk}/" in page


def test_a_refused_file_is_explained_and_nothing_is_sent(
    member_client, workspace, ticket, django_capture_on_commit_callbacks
):
    good = SimpleUploadedFile("notes.txt", b"fine", content_type="text/plain")
    bad = SimpleUploadedFile("tool.exe", b"MZ\x90", content_type="application/x-msdownload")
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            f"/tickets/{ticket.pk}/reply/",
            {"body": "Here you go", "kind": "public", "attachments": [good, bad]},
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was sent" in page and "are not accepted" in page
    assert "Here you go" in page  # the draft is kept
    assert mail.outbox == []
    assert len(messages_of(workspace, ticket)) == 1
    with workspace_scope(workspace):
        assert not TicketAttachment.objects.exists()


def test_a_reply_sets_the_status_in_the_same_step(
    member_client, workspace, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            f"/tickets/{ticket.pk}/reply/",
            {"body": "Could you send a photo?", "kind": "public", "set_status": "pending"},
            follow=True,
        )
    assert "the ticket is now pending (on customer)" in response.content.decode()
    saved = reload(workspace, ticket)
    assert saved.status == "pending" and saved.pending_since is not None
    assert saved.first_responded_at is not None
    assert [m.body for m in mail.outbox] == ["Could you send a photo?"]


def test_a_reply_without_a_status_keeps_it(member_client, workspace, owner, ticket):
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="on_hold")
    member_client.post(
        f"/tickets/{ticket.pk}/reply/", {"body": "Still checking", "kind": "internal"}
    )
    assert reload(workspace, ticket).status == "on_hold"


def test_a_refused_status_after_a_reply_sends_nothing(
    member_client, workspace, owner, ticket, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="closed")
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            f"/tickets/{ticket.pk}/reply/",
            {"body": "One more thing", "kind": "public", "set_status": "open"},
        )
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was sent" in page
    # The error sits under the status chooser, after it in the page.
    assert page.index("a closed ticket cannot be reopened") > page.index('id="id_set_status"')
    assert "One more thing" in page
    assert mail.outbox == [] and len(messages_of(workspace, ticket)) == 1
    assert reload(workspace, ticket).status == "closed"


def test_an_unknown_status_after_a_reply_is_named(member_client, workspace, ticket):
    response = member_client.post(
        f"/tickets/{ticket.pk}/reply/", {"body": "Hi", "kind": "public", "set_status": "closed"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Select a valid choice" in page
    assert page.index("Select a valid choice") > page.index('id="id_set_status"')
    assert len(messages_of(workspace, ticket)) == 1


def test_an_empty_reply_is_refused(member_client, workspace, ticket):
    response = member_client.post(f"/tickets/{ticket.pk}/reply/", {"body": "", "kind": "public"})
    assert response.status_code == 200 and b"This field is required" in response.content
    assert len(messages_of(workspace, ticket)) == 1


def test_the_side_panel_changes_fields_and_status_together(
    member_client, workspace, member, ticket
):
    response = member_client.post(
        f"/tickets/{ticket.pk}/properties/",
        {
            "status": "solved",
            "priority": "high",
            "ticket_type": "complaint",
            "assignee": member.pk,
            "root_cause": "Fuser overheated",
            "resolution": "Replaced the fuser",
            "tags": "hardware",
        },
    )
    assert response.status_code == 302
    saved = reload(workspace, ticket)
    assert (saved.status, saved.priority, saved.ticket_type) == ("solved", "high", "complaint")
    assert saved.assignee_id == member.pk and saved.root_cause == "Fuser overheated"
    assert saved.solved_at is not None
    with workspace_scope(workspace):
        sources = set(
            AuditEntry.objects.filter(object_id=str(ticket.pk)).values_list("source", flat=True)
        )
    assert "ui" in sources


def _product(workspace, owner, name, sku, active=True):
    with workspace_scope(workspace):
        return product_create(
            workspace=workspace, actor=owner, data={"sku": sku, "name": name, "active": active}
        )


def test_the_side_panel_names_the_product_a_complaint_is_about(
    member_client, workspace, owner, ticket
):
    printer = _product(workspace, owner, "Laser printer", "LP-1")
    response = member_client.post(
        f"/tickets/{ticket.pk}/properties/",
        {
            "status": "solved",
            "priority": "normal",
            "ticket_type": "complaint",
            "product": "Laser printer (LP-1)",
            "root_cause": "Faulty part",
            "resolution": "Replaced the part",
        },
    )
    assert response.status_code == 302
    assert reload(workspace, ticket).product_id == printer.pk
    today = dt.date.today()
    with workspace_scope(workspace):
        [row] = complaint_report(start=today, end=today + dt.timedelta(days=1))
    assert (row["root_cause"], row["product"]) == ("Faulty part", "Laser printer")
    page = member_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'name="product" value="Laser printer (LP-1)"' in page


def test_a_retired_product_stays_on_its_ticket_and_is_not_offered_to_others(
    member_client, workspace, owner, ann, ticket
):
    old = _product(workspace, owner, "Old model", "OM-1")
    with workspace_scope(workspace):
        Ticket.objects.filter(pk=ticket.pk).update(product=old)
        Product.objects.filter(pk=old.pk).update(active=False)
    page = member_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Old model (OM-1)" in page
    member_client.post(
        f"/tickets/{ticket.pk}/properties/",
        {
            "status": "open",
            "priority": "high",
            "ticket_type": "question",
            "product": "Old model (OM-1)",
        },
    )
    saved = reload(workspace, ticket)
    assert (saved.priority, saved.product_id) == ("high", old.pk)
    assert member_client.get("/tickets/products/?product=old").content.strip() == b""
    other = make_ticket(workspace, owner, ann, subject="Another")
    response = member_client.post(
        f"/tickets/{other.pk}/properties/",
        {"status": "open", "priority": "normal", "ticket_type": "question", "product": "OM-1"},
    )
    assert "No active product is called “OM-1”" in response.content.decode()
    assert reload(workspace, other).product_id is None


def test_another_workspaces_product_is_refused(
    member_client, workspace, other_workspace, outsider, ticket
):
    _product(other_workspace, outsider, "Globex widget", "GW-1")
    response = member_client.post(
        f"/tickets/{ticket.pk}/properties/",
        {"status": "new", "priority": "normal", "ticket_type": "question", "product": "GW-1"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "No active product is called “GW-1”" in page
    assert reload(workspace, ticket).product_id is None
    assert b"Globex" not in member_client.get("/tickets/products/?product=glo").content


def test_root_causes_in_use_are_offered_and_keep_one_spelling(
    member_client, workspace, owner, ann, other_workspace, outsider
):
    for subject, cause in [("Late", "Courier delay"), ("Later", "Courier delay"), ("Bad", "Fit")]:
        make_ticket(
            workspace, owner, ann, subject=subject, ticket_type="complaint", root_cause=cause
        )
    stranger = make_contact(other_workspace, first_name="Sam", emails=["sam@globex.io"])
    make_ticket(other_workspace, outsider, stranger, ticket_type="complaint", root_cause="Secret")
    ticket = make_ticket(workspace, owner, ann, subject="Lost parcel", ticket_type="complaint")
    page = member_client.get(f"/tickets/{ticket.pk}/").content.decode()
    offered = page[page.index('<datalist id="root-causes">') :]
    offered = offered[: offered.index("</datalist>")]
    assert offered.index("Courier delay") < offered.index("Fit")  # most used first
    assert "Secret" not in offered
    member_client.post(
        f"/tickets/{ticket.pk}/properties/",
        {
            "status": "new",
            "priority": "normal",
            "ticket_type": "complaint",
            "root_cause": "courier DELAY",
        },
    )
    assert reload(workspace, ticket).root_cause == "Courier delay"


def test_a_refused_status_change_keeps_every_field(member_client, workspace, owner, ticket):
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="closed")
    response = member_client.post(
        f"/tickets/{ticket.pk}/properties/",
        {"status": "open", "priority": "urgent", "ticket_type": "question"},
    )
    assert response.status_code == 200 and b"a closed ticket cannot be reopened" in response.content
    saved = reload(workspace, ticket)
    assert (saved.status, saved.priority) == ("closed", "normal")


def test_an_assignee_from_another_workspace_is_refused(member_client, workspace, ticket, outsider):
    response = member_client.post(
        f"/tickets/{ticket.pk}/properties/",
        {"status": "new", "priority": "normal", "ticket_type": "question", "assignee": outsider.pk},
    )
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    assert reload(workspace, ticket).assignee_id is None


# --- SLA at risk and the dashboard ------------------------------------------------------------


def test_the_at_risk_page_lists_overdue_tickets(owner_client, workspace, owner, ann):
    calendar = make_calendar(workspace, owner)
    make_policy(workspace, owner, calendar)
    with time_machine.travel(MONDAY_9, tick=False):
        make_ticket(workspace, owner, ann, subject="Waiting too long")
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=3), tick=False):
        page = owner_client.get("/service/sla/").content.decode()
    assert "Waiting too long" in page and "Breached" in page


def test_the_dashboard_shows_kpis_and_complaints(owner_client, workspace, owner, ann):
    complaint = make_ticket(
        workspace,
        owner,
        ann,
        subject="Rude driver",
        ticket_type="complaint",
        root_cause="Courier",
        resolution="Apologised",
    )
    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=complaint, status="solved")
    page = owner_client.get("/service/?period=30").content.decode()
    assert "Tickets opened" in page and "SLA compliance" in page and "CSAT" in page
    assert "Courier" in page
    assert 'id="service-charts"' in page and 'id="chart-volume"' in page
    assert 'id="chart-complaints"' in page and "service/dashboard.js" in page


def test_the_dashboard_shows_csat_per_team_and_comments_by_sentiment(
    owner_client, workspace, owner, member, ann, django_capture_on_commit_callbacks
):
    with workspace_scope(workspace):
        team = team_create(
            workspace=workspace,
            actor=owner,
            name="Returns desk",
            assignment="manual",
            member_ids=[member.pk],
        )
    said = {"Happy": (5, "Lovely, fast and kind"), "Angry": (1, "Awful, slow and rude")}
    for subject, (score, comment) in said.items():
        ticket = make_ticket(
            workspace, owner, ann, subject=subject, team_id=team.pk, assignee_id=member.pk
        )
        with workspace_scope(workspace), django_capture_on_commit_callbacks(execute=True):
            ticket_set_status(workspace=workspace, actor=owner, ticket=ticket, status="solved")
        with workspace_scope(workspace):
            invite = SurveyInvite.objects.get(ticket=ticket)
            survey_answer(invite=invite, score=score)
            survey_comment(invite=SurveyInvite.objects.get(pk=invite.pk), comment=comment)
    page = owner_client.get("/service/?period=30").content.decode()
    teams = page[page.index('id="csat-teams"') :]
    assert "Returns desk" in teams[: teams.index("</table>")]
    comments = page[page.index('id="comment-list"') :]
    comments = comments[: comments.index("</ul>")]
    assert "Lovely, fast and kind" in comments and "Awful, slow and rude" in comments
    assert ">Negative<" in comments and ">Positive<" in comments
    page = owner_client.get("/service/?period=30&sentiment=negative").content.decode()
    comments = page[page.index('id="comment-list"') :]
    comments = comments[: comments.index("</ul>")]
    assert "Awful, slow and rude" in comments and "Lovely" not in comments
    assert '<input type="hidden" name="sentiment" value="negative">' in page  # kept on period
    unknown = owner_client.get("/service/?sentiment=furious").content.decode()
    assert "Lovely, fast and kind" in unknown  # an unknown filter shows them all


# --- knowledge base ---------------------------------------------------------------------------


def test_an_article_page_renders_markdown_without_scripts(owner_client, article):
    page = owner_client.get(f"/kb/{article.pk}/").content.decode()
    assert "<strong>printer</strong>" in page and "alert(1)" not in page


def _article(workspace, owner, title, **data):
    with workspace_scope(workspace):
        return article_create(
            workspace=workspace,
            actor=owner,
            data={"title": title, "body_markdown": "Text", "status": "published", **data},
        )


def test_the_article_list_filters_and_pages_through_every_article(owner_client, workspace, owner):
    with workspace_scope(workspace):
        billing = category_create(workspace=workspace, actor=owner, data={"name": "Billing"})
    _article(workspace, owner, "Draft about refunds", status="draft", category_id=billing.pk)
    _article(workspace, owner, "Public refunds", visibility="public", category_id=billing.pk)
    _article(workspace, owner, "Internal escalation", visibility="internal")

    def listed(query):
        page = owner_client.get(f"/kb/?{query}").content.decode()
        return set(re.findall(r"<strong>([^<]+)</strong>", page.split('id="articles"')[1]))

    assert listed("status=draft") == {"Draft about refunds"}
    assert listed("visibility=public") == {"Public refunds"}
    assert listed(f"category={billing.pk}") == {"Draft about refunds", "Public refunds"}
    assert listed(f"category={billing.pk}&status=published") == {"Public refunds"}
    assert listed("visibility=nonsense") == {
        "Draft about refunds",
        "Public refunds",
        "Internal escalation",
    }
    # Past one page, the rest is a page further, not left out.
    for i in range(50):
        _article(workspace, owner, f"Bulk article {i:02d}")
    first = owner_client.get("/kb/").content.decode()
    assert first.count("<strong>") - first.split('id="articles"')[0].count("<strong>") == 50
    cursor = first.split('rel="next" href="?cursor=')[1].split('"')[0]
    second = owner_client.get(f"/kb/?cursor={cursor}").content.decode()
    assert len(listed(f"cursor={cursor}")) == 3
    assert 'rel="prev"' in second


def test_helpfulness_reads_as_a_share_of_the_votes(owner_client, workspace, owner):
    article = _article(workspace, owner, "Tracking a parcel", visibility="public")
    _article(workspace, owner, "Nobody voted")
    with workspace_scope(workspace):
        for i, helpful in enumerate([True, True, True, False]):
            article_vote(
                workspace=workspace, article=article, voter_key=f"contact:{i}", helpful=helpful
            )
    listing = owner_client.get("/kb/").content.decode()
    assert '75% helpful <small class="muted">of 4 votes</small>' in listing
    assert "No votes yet" in listing and "👍" not in listing
    page = owner_client.get(f"/kb/{article.pk}/").content.decode()
    assert "75% of readers found this helpful (3 of 4 votes)." in page


def test_a_public_article_page_links_its_help_centre_page(owner_client, workspace, owner):
    public = _article(workspace, owner, "Tracking a parcel", visibility="public")
    internal = _article(workspace, owner, "Escalations", visibility="internal")
    draft = _article(workspace, owner, "Soon", visibility="public", status="draft")
    page = owner_client.get(f"/kb/{public.pk}/").content.decode()
    url = f"http://testserver/portal/{workspace.slug}/help/{public.slug}/"
    assert f'href="{url}"' in page and "View in help centre" in page
    assert owner_client.get(url).status_code == 200
    for hidden in (internal, draft):
        assert "View in help centre" not in owner_client.get(f"/kb/{hidden.pk}/").content.decode()


def test_writing_an_article(member_client, workspace):
    response = member_client.post(
        "/kb/new/",
        {
            "title": "Reset a password",
            "body_markdown": "1. Click *Forgot*",
            "status": "published",
            "visibility": "public",
        },
    )
    with workspace_scope(workspace):
        article = Article.objects.get()
        assert AuditEntry.objects.get(object_id=str(article.pk)).source == "ui"
    assert response["Location"] == f"/kb/{article.pk}/"
    assert article.is_public and article.author is not None
    assert b"Reset a password" in member_client.get("/kb/?q=password").content


def test_an_article_form_shows_errors_and_saves_nothing(member_client, workspace):
    response = member_client.post("/kb/new/", {"title": "", "status": "draft"})
    assert response.status_code == 200 and b"This field is required" in response.content
    with workspace_scope(workspace):
        assert not Article.objects.exists()


def test_the_pages_answer_members(member_client, ticket, article):
    for url in ("/tickets/", "/tickets/new/", "/service/", "/service/sla/", "/kb/", "/kb/new/"):
        response = member_client.get(url, follow=True)
        assert response.status_code == 200, url
