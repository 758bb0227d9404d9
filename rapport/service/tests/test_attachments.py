import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.service.attachments import MAX_BYTES, attachment_add
from rapport.service.models import TicketAttachment
from rapport.service.services import ticket_create
from rapport.tenancy.access import workspace_scope

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 20


@pytest.fixture
def ticket(scoped, owner):
    ann = make_contact(scoped, owner)
    return ticket_create(
        workspace=scoped, actor=owner, data={"subject": "s", "body": "b", "requester_id": ann.pk}
    )


def add(ws, owner, ticket, name="shot.png", content=PNG, content_type="image/png"):
    return attachment_add(
        workspace=ws,
        actor=owner,
        ticket=ticket,
        name=name,
        content=content,
        content_type=content_type,
    )


@pytest.mark.parametrize(
    "name,content,content_type,message",
    [
        ("big.png", PNG + b"0" * MAX_BYTES, "image/png", "larger than"),
        ("empty.png", b"", "image/png", "empty"),
        ("run.exe", b"MZ", "application/x-msdownload", "not accepted"),
        ("shot.jpg", PNG, "image/png", "does not match"),
        ("fake.png", b"<html><script>", "image/png", "not a image/png"),
        ("page.html", b"<html>", "text/html", "not accepted"),
    ],
)
def test_bad_files_are_refused_naming_why(
    scoped, owner, ticket, name, content, content_type, message
):
    with pytest.raises(ServiceValidationError) as exc:
        add(scoped, owner, ticket, name, content, content_type)
    assert message in exc.value.as_dict()["file"][0]
    assert not TicketAttachment.objects.exists()


def test_a_good_file_is_stored_under_a_random_name_and_the_path_is_stripped(scoped, owner, ticket):
    attachment = add(scoped, owner, ticket, name="../../etc/shot.png")
    assert attachment.name == "shot.png"
    assert "etc" not in attachment.file.name and attachment.file.name.endswith(".png")


def test_downloads_only_for_members_of_the_workspace(
    client, workspace, owner, viewer, outsider, other_workspace
):
    with workspace_scope(workspace):
        ann = make_contact(workspace, owner)
        t = ticket_create(
            workspace=workspace,
            actor=owner,
            data={"subject": "s", "body": "b", "requester_id": ann.pk},
        )
        attachment = add(workspace, owner, t)
    url = f"/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(viewer)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith('attachment; filename="shot.png"')
    assert response["X-Content-Type-Options"] == "nosniff"
