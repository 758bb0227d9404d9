"""A meeting's attendees typed as emails are also links: the meeting shows on the timeline of
each of the workspace's contacts an attendee's email belongs to.

Those links follow the attendee list: each save that gives attendees or contacts makes them
again from the attendees (`ActivityContact.via_attendee`), so an attendee removed takes away
the link it made, never one the user chose. A contact given an email later is linked to the
meetings already listing it (`attendee_links_for_contacts`, through `AttendeeEmail`).
"""

from collections import defaultdict
from typing import Any

from django.db import models

from rapport.activities.models import Activity, ActivityContact, ActivityKind, AttendeeEmail
from rapport.audit.services import audit_rows_updated
from rapport.contacts.models import ContactEmail
from rapport.core.hooks import records_changed
from rapport.tenancy.models import Workspace

# The cleaned data's key for the contact ids linked only through attendees (not an input).
VIA_ATTENDEE = "contact_ids_via_attendee"


def attendee_emails(attendees: list[str]) -> set[str]:
    """The attendees typed as emails, as contacts' emails are stored (lowercased)."""
    return {a.lower() for a in attendees if "@" in a}


def attendee_contact_ids(workspace: Workspace, attendees: list[str]) -> list[int]:
    """The workspace's contacts holding an attendee's email; no query when no attendee is an
    email."""
    emails = attendee_emails(attendees)
    if not emails:
        return []
    rows = ContactEmail.objects.filter(workspace=workspace, email__in=emails)
    return sorted(set(rows.values_list("contact_id", flat=True)))


def attendee_links(
    workspace: Workspace, activity: Activity | None, attendees: list[str], chosen: list[int] | None
) -> tuple[list[int], list[int]]:
    """The contacts a meeting is linked to by choice (`chosen`, else the ones chosen so far)
    and, apart, those linked only as attendees."""
    if chosen is None:
        links = ActivityContact.objects.filter(activity=activity, via_attendee=False)
        chosen = [] if activity is None else list(links.values_list("contact_id", flat=True))
    via = [i for i in attendee_contact_ids(workspace, attendees) if i not in chosen]
    return chosen, via


def link_fields(link_model: type[models.Model], clean: dict[str, Any], target_id: int) -> dict:
    """The extra fields of an activity link about to be written: a contact's made through an
    attendee is marked so; no other link type has any."""
    if link_model is ActivityContact and target_id in clean.get(VIA_ATTENDEE, ()):
        return {"via_attendee": True}
    return {}


def attendee_emails_write(
    *, workspace: Workspace, written: list[tuple[Activity, dict[str, Any]]], creating: bool
) -> None:
    """Store the attendee emails of the meetings whose attendees were given."""
    given = [(a, clean["attendees"]) for a, clean in written if "attendees" in clean]
    given = [(a, attendees) for a, attendees in given if a.kind == ActivityKind.MEETING]
    if not creating and given:
        AttendeeEmail.objects.filter(activity__in=[a for a, _ in given]).delete()
    AttendeeEmail.objects.bulk_create(
        AttendeeEmail(workspace=workspace, activity=a, email=e)
        for a, attendees in given
        for e in sorted(attendee_emails(attendees))
    )


def attendee_links_for_contacts(*, workspace: Workspace, contact_ids: list[int]) -> None:
    """Link the contacts to the meetings of the workspace that list one of their emails as an
    attendee (a contact created, or given an email, after the meeting was), each meeting
    gaining links audited as an update of its contacts. One indexed query when none is found:
    the contacts' emails that some meeting lists (an import's chunk of thousands of contacts
    usually has none, and reads none into Python)."""
    holders: dict[str, list[int]] = defaultdict(list)
    listed_anywhere = AttendeeEmail.objects.filter(workspace=workspace).values("email")
    emails = ContactEmail.objects.filter(
        workspace=workspace, contact_id__in=contact_ids, email__in=listed_anywhere
    )
    for email, contact_id in emails.values_list("email", "contact_id"):
        holders[email].append(contact_id)
    if not holders:
        return
    listed = AttendeeEmail.objects.filter(workspace=workspace, email__in=holders)
    pairs = listed.values_list("activity_id", "email")
    wanted = {(a, c) for a, email in pairs for c in holders[email]}
    if not wanted:
        return
    before: dict[int, list[int]] = defaultdict(list)
    links = ActivityContact.objects.filter(activity_id__in={a for a, _ in wanted})
    for activity_id, contact_id in links.values_list("activity_id", "contact_id"):
        before[activity_id].append(contact_id)
    new = sorted((a, c) for a, c in wanted if c not in before[a])
    if not new:
        return
    ActivityContact.objects.bulk_create(
        ActivityContact(workspace=workspace, activity_id=a, contact_id=c, via_attendee=True)
        for a, c in new
    )
    added: dict[int, list[int]] = defaultdict(list)
    for a, c in new:
        added[a].append(c)
    meetings = Activity.objects.filter(pk__in=added).order_by("pk")
    audit_rows_updated(
        workspace_id=workspace.pk,
        actor=None,
        entries=(
            (
                Activity._meta.label_lower,
                m.pk,
                str(m),
                {"contacts": [sorted(before[m.pk]), sorted(before[m.pk] + added[m.pk])]},
            )
            for m in meetings
        ),
    )
    records_changed(entity="activities.activity", workspace_id=workspace.pk, ids=list(added))
