"""A contact created or changed (given an email, say, or losing one) joins the meetings listing
one of its emails as an attendee, and leaves those linked through an email it no longer has."""

from typing import Any

from django.db import transaction

from rapport.activities.attendees import attendee_links_for_contacts
from rapport.core.hooks import on_records_changed
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@on_records_changed("contacts.contact", with_actor=True)
def link_to_meetings(workspace_id: int, ids: list[int], actor: Any = None) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), transaction.atomic():
        attendee_links_for_contacts(workspace=workspace, contact_ids=ids, actor=actor)
