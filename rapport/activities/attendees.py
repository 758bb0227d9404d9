"""A meeting's attendees typed as emails are also links: the meeting shows on the timeline of
each of the workspace's contacts an attendee's email belongs to."""

from rapport.activities.models import Activity, ActivityContact
from rapport.contacts.models import ContactEmail
from rapport.tenancy.models import Workspace


def attendee_contact_ids(workspace: Workspace, attendees: list[str]) -> list[int]:
    """The workspace's contacts holding an attendee's email (emails are stored lowercased);
    no query when no attendee is an email."""
    emails = {a.lower() for a in attendees if "@" in a}
    if not emails:
        return []
    rows = ContactEmail.objects.filter(workspace=workspace, email__in=emails)
    return sorted(set(rows.values_list("contact_id", flat=True)))


def with_attendee_contacts(
    workspace: Workspace, activity: Activity | None, attendees: list[str], given: list[int] | None
) -> list[int] | None:
    """The contact links a meeting ends with: `given` (else the ones it has) plus its
    attendees' contacts; None when that adds none (the links stay as they are). Attendees add
    links and never remove one: unlinking stays a deliberate change of the contacts."""
    found = attendee_contact_ids(workspace, attendees)
    if given is None:
        given = (
            list(
                ActivityContact.objects.filter(activity=activity).values_list(
                    "contact_id", flat=True
                )
            )
            if activity is not None and found
            else []
        )
    added = [i for i in found if i not in given]
    return [*given, *added] if added else None
