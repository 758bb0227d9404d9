"""The customer portal: signing in with a one-time link, and seeing only one's own tickets
(or one's company's where shared), public messages only."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.utils import timezone

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.knowledge.services import article_create, category_create
from rapport.portal.models import PortalLink
from rapport.portal.services import portal_settings_update
from rapport.service.models import Ticket, TicketMessage
from rapport.service.services import ticket_reply
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/portal/[\w-]+/link/[\w-]+/)")


@pytest.fixture
def company(workspace):
    return make_company(workspace, name="Initech")


@pytest.fixture
def ann(workspace, company):
    return make_contact(
        workspace,
        first_name="Ann",
        last_name="Lee",
        emails=["ann@initech.io", "ann.lee@home.io"],
        company_ids=[company.pk],
    )


@pytest.fixture
def bob(workspace, company):
    return make_contact(
        workspace, first_name="Bob", emails=["bob@initech.io"], company_ids=[company.pk]
    )


@pytest.fixture
def anns_ticket(workspace, owner, ann):
    ticket = make_ticket(workspace, owner, ann, subject="Ann's printer", body="It jams")
    with workspace_scope(workspace):
        ticket_reply(workspace=workspace, actor=owner, ticket=ticket, body="We are on it")
        ticket_reply(
            workspace=workspace,
            actor=owner,
            ticket=ticket,
            body="SECRET: customer is difficult",
            kind="internal",
        )
    return ticket


@pytest.fixture
def bobs_ticket(workspace, owner, bob):
    return make_ticket(workspace, owner, bob, subject="Bob's invoice", body="Wrong total")


def portal(workspace, path=""):
    return f"/portal/{workspace.slug}/{path}"


def request_link(client, workspace, email, capture):
    with capture(execute=True):
        return client.post(portal(workspace), {"email": email})


def link_in_mail(message):
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def signed_in_as(workspace, email, capture):
    client = Client()
    request_link(client, workspace, email, capture)
    client.post(link_in_mail(mail.outbox[-1]))
    return client


@pytest.fixture
def ann_client(workspace, ann, django_capture_on_commit_callbacks):
    return signed_in_as(workspace, "ann@initech.io", django_capture_on_commit_callbacks)


# --- signing in -------------------------------------------------------------------------------


def test_a_known_address_gets_a_link_that_signs_in_once(
    client, workspace, ann, anns_ticket, django_capture_on_commit_callbacks
):
    response = request_link(
        client, workspace, "Ann.Lee@home.io", django_capture_on_commit_callbacks
    )
    assert b"If that address is known to us" in response.content
    [message] = mail.outbox
    assert message.to == ["ann.lee@home.io"]
    url = link_in_mail(message)
    assert client.get(url).status_code == 200  # a confirm page: fetching does not use it up
    assert client.post(url).status_code == 302
    assert b"Ann&#x27;s printer" in client.get(portal(workspace, "tickets/")).content
    again = Client().post(url)
    assert again.status_code == 410
    assert Client().get(url).status_code == 410


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client, workspace, ann, django_capture_on_commit_callbacks
):
    known = request_link(client, workspace, "ann@initech.io", django_capture_on_commit_callbacks)
    unknown = request_link(client, workspace, "who@else.io", django_capture_on_commit_callbacks)
    strip = re.compile(rb"<strong>[^<]*</strong>|name=\"csrfmiddlewaretoken\" value=\"[^\"]*\"")
    assert known.status_code == unknown.status_code == 200
    assert strip.sub(b"", known.content) == strip.sub(b"", unknown.content)
    assert len(mail.outbox) == 1


class RefusingMailServer(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_a_mail_server_that_is_down_gives_the_same_answer_not_an_error(
    client, workspace, ann, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    known = request_link(client, workspace, "ann@initech.io", django_capture_on_commit_callbacks)
    unknown = request_link(client, workspace, "who@else.io", django_capture_on_commit_callbacks)
    strip = re.compile(rb"<strong>[^<]*</strong>|name=\"csrfmiddlewaretoken\" value=\"[^\"]*\"")
    assert known.status_code == unknown.status_code == 200
    assert strip.sub(b"", known.content) == strip.sub(b"", unknown.content)
    assert "portal sign-in link not mailed" in caplog.text


def test_an_address_of_another_workspace_gets_no_link(
    client, workspace, other_workspace, django_capture_on_commit_callbacks
):
    make_contact(other_workspace, first_name="Gus", emails=["gus@globex.io"])
    request_link(client, workspace, "gus@globex.io", django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_link_expires_after_half_an_hour(
    client, workspace, ann, django_capture_on_commit_callbacks
):
    request_link(client, workspace, "ann@initech.io", django_capture_on_commit_callbacks)
    url = link_in_mail(mail.outbox[0])
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert client.post(url).status_code == 410
    assert client.get(portal(workspace, "tickets/")).status_code == 302


def test_a_link_works_only_in_its_own_workspace(
    client, workspace, other_workspace, ann, django_capture_on_commit_callbacks
):
    request_link(client, workspace, "ann@initech.io", django_capture_on_commit_callbacks)
    url = link_in_mail(mail.outbox[0]).replace(workspace.slug, other_workspace.slug)
    assert client.post(url).status_code == 410


def test_only_the_hash_of_the_token_is_stored(
    client, workspace, ann, django_capture_on_commit_callbacks
):
    request_link(client, workspace, "ann@initech.io", django_capture_on_commit_callbacks)
    token = link_in_mail(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    with workspace_scope(workspace):
        link = PortalLink.objects.get()
        assert token not in link.token_hash and link.contact_id == ann.pk
        assert AuditEntry.objects.filter(object_id=str(link.pk), source="portal").exists()


def test_signing_out_ends_the_portal_session(ann_client, workspace):
    ann_client.post(portal(workspace, "sign-out/"))
    assert ann_client.get(portal(workspace, "tickets/")).status_code == 302


def test_a_forged_cookie_is_ignored(client, workspace, ann):
    client.cookies["rapport_portal"] = f"{workspace.pk}:{ann.pk}"
    assert client.get(portal(workspace, "tickets/")).status_code == 302


# --- isolation --------------------------------------------------------------------------------


def test_a_contact_sees_only_their_own_tickets(ann_client, workspace, anns_ticket, bobs_ticket):
    page = ann_client.get(portal(workspace, "tickets/")).content.decode()
    # (not "Bob" alone: a random CSRF token may hold it)
    assert "Ann&#x27;s printer" in page and "Bob&#x27;s invoice" not in page
    assert "Wrong total" not in page


def test_no_url_reaches_another_contacts_ticket(
    ann_client, workspace, other_workspace, outsider, anns_ticket, bobs_ticket
):
    stranger = make_contact(other_workspace, first_name="Gus", emails=["gus@globex.io"])
    foreign = make_ticket(other_workspace, outsider, stranger, subject="Globex")
    for number in (bobs_ticket.number, 999):
        assert ann_client.get(portal(workspace, f"tickets/{number}/")).status_code == 404
        reply = ann_client.post(portal(workspace, f"tickets/{number}/reply/"), {"body": "hi"})
        assert reply.status_code == 404
    # Numbers are per workspace: #1 here is Ann's own ticket, never Globex's #1.
    assert foreign.number == anns_ticket.number
    page = ann_client.get(portal(workspace, f"tickets/{foreign.number}/")).content
    assert b"Ann&#x27;s printer" in page and b"Globex" not in page
    # Ann's cookie means nothing in the other workspace's portal.
    assert ann_client.get(portal(other_workspace, f"tickets/{foreign.number}/")).status_code == 302
    with workspace_scope(workspace):
        assert TicketMessage.objects.filter(ticket=bobs_ticket).count() == 1


def test_company_tickets_show_only_where_the_workspace_shares_them(
    ann_client, workspace, owner, anns_ticket, bobs_ticket
):
    url = portal(workspace, f"tickets/{bobs_ticket.number}/")
    assert ann_client.get(url).status_code == 404
    with workspace_scope(workspace):
        portal_settings_update(workspace=workspace, actor=owner, share_company_tickets=True)
    assert ann_client.get(url).status_code == 200
    assert b"Bob&#x27;s invoice" in ann_client.get(portal(workspace, "tickets/")).content


def test_internal_notes_never_reach_the_customer(ann_client, workspace, anns_ticket):
    page = ann_client.get(portal(workspace, f"tickets/{anns_ticket.number}/")).content.decode()
    assert "We are on it" in page and "It jams" in page
    assert "SECRET" not in page and "difficult" not in page


def test_the_portal_session_gives_no_agent_access(ann_client, anns_ticket):
    for url in ("/tickets/all/", f"/tickets/{anns_ticket.pk}/", "/contacts/", "/kb/"):
        response = ann_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    assert ann_client.post(f"/tickets/{anns_ticket.pk}/reply/", {"body": "x"}).status_code == 302


def test_an_agent_session_gives_no_portal_access(owner_client, workspace, anns_ticket):
    assert owner_client.get(portal(workspace, "tickets/")).status_code == 302
    url = portal(workspace, f"tickets/{anns_ticket.number}/")
    assert owner_client.get(url).status_code == 302


def test_portal_pages_carry_nothing_of_the_agent_side(ann_client, workspace, anns_ticket):
    page = ann_client.get(portal(workspace, f"tickets/{anns_ticket.number}/")).content.decode()
    assert 'class="sidenav"' not in page and "/contacts/" not in page and "rapport.css" not in page


# --- tickets ----------------------------------------------------------------------------------


def test_a_contact_opens_a_ticket_through_the_portal(ann_client, workspace, ann):
    response = ann_client.post(
        portal(workspace, "tickets/new/"), {"subject": "Broken widget", "body": "It squeaks"}
    )
    with workspace_scope(workspace):
        ticket = Ticket.objects.get()
        assert (ticket.requester, ticket.channel) == (ann, "portal")
        assert ticket.messages.get().contact == ann
        assert AuditEntry.objects.filter(object_id=str(ticket.pk), source="portal").exists()
    assert response["Location"] == portal(workspace, f"tickets/{ticket.number}/")


def test_a_ticket_form_shows_errors_and_saves_nothing(ann_client, workspace):
    response = ann_client.post(portal(workspace, "tickets/new/"), {"subject": "", "body": ""})
    assert response.status_code == 200 and b"This field is required" in response.content
    with workspace_scope(workspace):
        assert not Ticket.objects.exists()


def test_a_customer_reply_reopens_a_pending_ticket(ann_client, workspace, owner, anns_ticket):
    from rapport.service.services import ticket_set_status

    with workspace_scope(workspace):
        ticket_set_status(workspace=workspace, actor=owner, ticket=anns_ticket, status="pending")
    ann_client.post(portal(workspace, f"tickets/{anns_ticket.number}/reply/"), {"body": "Still"})
    with workspace_scope(workspace):
        ticket = Ticket.objects.get(pk=anns_ticket.pk)
        last = ticket.messages.order_by("-pk").first()
        assert ticket.status == "open" and last.body == "Still" and last.kind == "public"


def test_a_customer_reply_carries_files_they_can_download_again(ann_client, workspace, anns_ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = portal(workspace, f"tickets/{anns_ticket.number}/reply/")
    pdf = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
    response = ann_client.post(url, {"body": "Here is the receipt", "attachments": [pdf]})
    assert response.status_code == 302
    with workspace_scope(workspace):
        message = Ticket.objects.get(pk=anns_ticket.pk).messages.order_by("-pk").first()
        [attachment] = message.attachments.all()
    assert (message.body, attachment.name, message.contact_id) == (
        "Here is the receipt",
        "receipt.pdf",
        anns_ticket.requester_id,
    )
    page = ann_client.get(portal(workspace, f"tickets/{anns_ticket.number}/")).content.decode()
    assert "receipt.pdf" in page
    download = ann_client.get(portal(workspace, f"files/{attachment.pk}/"))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 receipt"


def test_a_refused_file_is_named_and_the_reply_is_not_kept(ann_client, workspace, anns_ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = portal(workspace, f"tickets/{anns_ticket.number}/reply/")
    fake = SimpleUploadedFile("invoice.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = ann_client.post(url, {"body": "See attached", "attachments": [fake]})
    assert response.status_code == 200
    assert "invoice.pdf: the content is not a application/pdf file" in response.content.decode()
    with workspace_scope(workspace):
        bodies = list(Ticket.objects.get(pk=anns_ticket.pk).messages.values_list("body", flat=True))
    assert "See attached" not in bodies


def test_suggestions_offer_public_articles_only(ann_client, workspace, owner):
    with workspace_scope(workspace):
        for title, visibility in (("Printer jams", "public"), ("Printer internals", "internal")):
            article_create(
                workspace=workspace,
                actor=owner,
                data={"title": title, "status": "published", "visibility": visibility},
            )
    page = ann_client.get(portal(workspace, "tickets/suggestions/?subject=printer")).content
    assert b"Printer jams" in page and b"internals" not in page
    search = Client().get(portal(workspace, "help/?q=printer")).content
    assert b"Printer jams" in search and b"internals" not in search
    assert Client().get(portal(workspace, "help/printer-internals/")).status_code == 404


def test_the_help_centre_lists_public_articles_by_category_before_any_search(workspace, owner):
    with workspace_scope(workspace):
        billing = category_create(workspace=workspace, actor=owner, data={"name": "Billing"})
        for title, visibility, category in (
            ("Refunds", "public", billing.pk),
            ("Invoices", "public", billing.pk),
            ("Printer internals", "internal", billing.pk),
            ("Getting started", "public", None),
        ):
            article_create(
                workspace=workspace,
                actor=owner,
                data={
                    "title": title,
                    "status": "published",
                    "visibility": visibility,
                    "category_id": category,
                },
            )
        article_create(workspace=workspace, actor=owner, data={"title": "Draft", "status": "draft"})

    page = Client().get(portal(workspace, "help/")).content.decode()

    sections = page.split('id="help-sections">')[1]
    assert sections.index("Billing") < sections.index("Invoices") < sections.index("Refunds")
    assert sections.index("Refunds") < sections.index("Other articles")
    assert sections.index("Other articles") < sections.index("Getting started")
    assert "internals" not in page and "Draft" not in page


def test_files_download_only_from_public_messages_of_ones_own_tickets(
    ann_client, workspace, owner, anns_ticket, bobs_ticket
):
    from rapport.service.desk_services import Upload, ticket_answer

    def attach(ticket, kind):
        with workspace_scope(workspace):
            message = ticket_answer(
                workspace=workspace,
                actor=owner,
                ticket=ticket,
                body="file",
                kind=kind,
                uploads=[Upload("notes.txt", b"hello", "text/plain")],
            )
            return message.attachments.get()

    public, internal, bobs = (
        attach(anns_ticket, "public"),
        attach(anns_ticket, "internal"),
        attach(bobs_ticket, "public"),
    )
    response = ann_client.get(portal(workspace, f"files/{public.pk}/"))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"hello"
    for hidden in (internal, bobs):
        assert ann_client.get(portal(workspace, f"files/{hidden.pk}/")).status_code == 404


def test_links_are_limited_per_contact_and_hour_with_the_same_answer(
    client, workspace, ann, django_capture_on_commit_callbacks
):
    from rapport.portal.services import LINKS_PER_HOUR

    answers = [
        request_link(client, workspace, "ann@initech.io", django_capture_on_commit_callbacks)
        for _ in range(LINKS_PER_HOUR + 2)
    ]
    assert {a.status_code for a in answers} == {200}
    assert len(mail.outbox) == LINKS_PER_HOUR
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        request_link(client, workspace, "ann@initech.io", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == LINKS_PER_HOUR + 1
