"""A contact created, or changed (given an email, say), joins the meetings already listing one
of its emails as an attendee."""

from django.db import transaction

from rapport.activities.attendees import attendee_links_for_contacts
from rapport.core.hooks import on_records_changed
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


@on_records_changed("contacts.contact")
def link_to_meetings(workspace_id: int, ids: list[int]) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), transaction.atomic():
        attendee_links_for_contacts(workspace=workspace, contact_ids=ids)
