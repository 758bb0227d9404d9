"""Ticket attachments: size-limited, type-checked, stored under an unguessable name.

The declared content type must be on the allow-list and agree with the file name's extension,
and for the types that have one, the file must start with that format's signature: a renamed
executable is not accepted as a PDF.
"""

import mimetypes
import secrets
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import transaction

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.contacts.services import Actor
from rapport.core.errors import ServiceValidationError
from rapport.service.models import Ticket, TicketAttachment, TicketMessage
from rapport.tenancy.models import Workspace

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/zip": (b"PK\x03\x04",),
}
ALLOWED = {*SIGNATURES, "text/plain", "text/csv", "image/webp"}


def attachment_add(
    *,
    workspace: Workspace,
    actor: Actor,
    ticket: Ticket,
    name: str,
    content: bytes,
    content_type: str,
    message: TicketMessage | None = None,
) -> TicketAttachment:
    name = PurePath((name or "").replace("\\", "/")).name[:200] or "attachment"
    content_type = (content_type or "").split(";")[0].strip().lower()
    if len(content) > MAX_BYTES:
        raise ServiceValidationError.single("file", f"is larger than {MAX_BYTES // 2**20} MB")
    if not content:
        raise ServiceValidationError.single("file", "is empty")
    if content_type not in ALLOWED:
        raise ServiceValidationError.single(
            "file", f"files of type {content_type or '?'} are not accepted"
        )
    guessed, _ = mimetypes.guess_type(name)
    if guessed != content_type:
        raise ServiceValidationError.single(
            "file", f"the name {name} does not match its type {content_type}"
        )
    signatures = SIGNATURES.get(content_type)
    if signatures and not content.startswith(signatures):
        raise ServiceValidationError.single("file", f"the content is not a {content_type} file")
    with transaction.atomic():
        attachment = TicketAttachment(
            workspace=workspace,
            ticket=ticket,
            message=message,
            name=name,
            content_type=content_type,
            size=len(content),
        )
        suffix = PurePath(name).suffix.lower()[:10]
        attachment.file.save(f"{secrets.token_hex(16)}{suffix}", ContentFile(content), save=False)
        attachment.save()
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=attachment,
            changes={
                "ticket": [None, ticket.pk],
                "name": [None, name],
                "size": [None, len(content)],
            },
        )
    return attachment
