"""Handing a person their data is itself recorded: who took it out, and when."""

from typing import Any

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.contacts.models import Contact
from rapport.contacts.services import Actor
from rapport.privacy.queries import personal_data
from rapport.tenancy.models import Workspace


def personal_data_export(*, workspace: Workspace, actor: Actor, contact: Contact) -> dict[str, Any]:
    """The contact's data (`personal_data`), with an audit entry saying who exported it."""
    data = personal_data(contact)
    audit_record(
        workspace_id=workspace.pk,
        actor=actor,
        action=AuditAction.EXPORT,
        instance=contact,
        changes={},
    )
    return data
