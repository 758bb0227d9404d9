"""The agent's new ticket: the requester by email address (their contact, or a new one made in
the same transaction) and the request's files, checked as every attachment is."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.audit.models import AuditAction, AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.service.desk_services import Upload, ticket_open
from rapport.service.models import Ticket, TicketAttachment
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

member_client = fixtures.member_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 the broken invoice"
REQUEST = {"subject": "Phoned about invoice", "body": "Invoice 42 is wrong"}


def counts(workspace) -> tuple[int, int, int]:
    with workspace_scope(workspace):
        return (
            Contact.objects.count(),
            Ticket.objects.count(),
            TicketAttachment.objects.count(),
        )


# --- the service ---------------------------------------------------------------------------


def test_an_unknown_address_becomes_an_audited_contact_with_the_ticket(scoped, owner):
    opened = ticket_open(
        workspace=scoped,
        actor=owner,
        requester_email="  New.Person@Example.COM ",
        data=REQUEST,
        uploads=[Upload("invoice.pdf", PDF, "application/pdf")],
    )
    contact = opened.ticket.requester
    assert opened.new_contact
    assert contact.email == "new.person@example.com" and contact.source == "service desk"
    assert AuditEntry.objects.filter(
        entity="contacts.contact", object_id=str(contact.pk), action=AuditAction.CREATE
    ).exists()
    message = opened.ticket.messages.get()
    assert message.author == owner and message.contact is None
    [attachment] = message.attachments.all()
    assert (attachment.name, attachment.size, attachment.ticket) == (
        "invoice.pdf",
        len(PDF),
        opened.ticket,
    )


def test_the_workspaces_contact_of_the_address_is_the_requester(scoped, owner):
    ann = make_contact(scoped, owner, emails=["ann@acme.io"])
    opened = ticket_open(workspace=scoped, actor=owner, requester_email="ANN@acme.io", data=REQUEST)
    assert opened.ticket.requester == ann and not opened.new_contact
    assert Contact.objects.count() == 1


def test_another_workspaces_contact_of_the_address_is_never_used(
    workspace, owner, other_workspace, outsider
):
    theirs = make_contact(other_workspace, outsider, emails=["ann@acme.io"])
    with workspace_scope(workspace):
        opened = ticket_open(
            workspace=workspace, actor=owner, requester_email="ann@acme.io", data=REQUEST
        )
    assert opened.new_contact and opened.ticket.requester != theirs
    assert opened.ticket.requester.workspace_id == workspace.pk
    assert counts(other_workspace) == (1, 0, 0)


def test_a_bad_address_is_named_and_nothing_is_made(workspace, owner):
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as exc:
        ticket_open(workspace=workspace, actor=owner, requester_email="ann@", data=REQUEST)
    assert list(exc.value.as_dict()) == ["requester_email"]
    assert counts(workspace) == (0, 0, 0)


@pytest.mark.parametrize(
    ("data", "uploads", "field"),
    [
        ({**REQUEST, "team_id": 424242}, [], "team_id"),
        (REQUEST, [Upload("tool.exe", b"MZ\x90", "application/x-msdownload")], "file"),
        (REQUEST, [Upload("fake.pdf", b"MZ\x90", "application/pdf")], "file"),
    ],
)
def test_a_refused_field_or_file_keeps_not_even_the_new_contact(
    workspace, owner, data, uploads, field
):
    with workspace_scope(workspace), pytest.raises(ServiceValidationError) as exc:
        ticket_open(
            workspace=workspace,
            actor=owner,
            requester_email="new@example.com",
            data=data,
            uploads=uploads,
        )
    assert list(exc.value.as_dict()) == [field]
    assert counts(workspace) == (0, 0, 0)


# --- the page ------------------------------------------------------------------------------


def test_an_agent_opens_a_ticket_for_a_new_address_with_files(member_client, workspace):
    response = member_client.post(
        "/tickets/new/",
        {
            "requester_email": "Bea@Example.com",
            **REQUEST,
            "priority": "normal",
            "ticket_type": "question",
            "attachments": [
                SimpleUploadedFile("invoice.pdf", PDF, "application/pdf"),
                SimpleUploadedFile("notes.txt", b"called at 9", "text/plain"),
            ],
        },
        follow=True,
    )
    page = response.content.decode()
    assert "bea@example.com is a new contact" in page
    assert "invoice.pdf" in page and "notes.txt" in page
    with workspace_scope(workspace):
        ticket = Ticket.objects.get()
        assert ticket.requester.email == "bea@example.com"
        assert sorted(a.name for a in ticket.messages.get().attachments.all()) == [
            "invoice.pdf",
            "notes.txt",
        ]


def test_a_refused_file_is_named_beside_the_field_and_nothing_is_made(member_client, workspace):
    response = member_client.post(
        "/tickets/new/",
        {
            "requester_email": "bea@example.com",
            **REQUEST,
            "priority": "normal",
            "ticket_type": "question",
            "attachments": [SimpleUploadedFile("tool.exe", b"MZ", "application/x-msdownload")],
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("tool.exe: files of type") > page.index('id="field-attachments"')
    assert 'value="bea@example.com"' in page and "Invoice 42 is wrong" in page
    assert counts(workspace) == (0, 0, 0)


def test_a_bad_address_is_named_beside_the_field(member_client, workspace):
    response = member_client.post(
        "/tickets/new/",
        {
            "requester_email": "bea@@example",
            **REQUEST,
            "priority": "normal",
            "ticket_type": "question",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    field = page[page.index('id="field-requester_email"') :]
    assert field.index("is not a valid email") < field.index('id="field-subject"')
    assert counts(workspace) == (0, 0, 0)
