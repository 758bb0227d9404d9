"""A meeting's attendees typed as emails are also links: the meeting shows on the timeline of
each of the workspace's contacts an attendee's email belongs to.

Those links follow the attendee list: each save that gives attendees or contacts makes them
again from the attendees (`ActivityContact.via_attendee`), so an attendee removed takes away
the link it made, never one the user chose. A contact given an email later is linked to the
meetings already listing it, and one whose email goes leaves the meetings it was linked to
through it (`attendee_links_for_contacts`, through `AttendeeEmail`).
"""

from collections import defaultdict
from typing import Any, NamedTuple

from django.db import models

from rapport.activities.links import link_types
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


class AttendeeLinks(NamedTuple):
    chosen: list[int]
    via: list[int]  # linked only because an attendee is their email
    held: list[int]  # left out of the contacts given, yet an attendee is their email


def attendee_links(
    workspace: Workspace, activity: Activity | None, attendees: list[str], given: list[int] | None
) -> AttendeeLinks:
    """The contacts a meeting is linked to by choice and, apart, those linked as attendees.

    `given` (a write's `contact_ids`) is read as the whole list of links, as a client reads it
    back: a contact linked through an attendee keeps that kind, one the meeting was not linked
    to becomes chosen, and a contact left out loses its link unless an attendee is its email
    (`held`: the write is refused, as it cannot do what it asks). None keeps the chosen links.
    """
    before: dict[int, bool] = {}
    if activity is not None:
        links = ActivityContact.objects.filter(activity=activity)
        before = dict(links.values_list("contact_id", "via_attendee"))
    listed = attendee_contact_ids(workspace, attendees)
    if given is None:
        chosen = sorted(c for c, via in before.items() if not via)
        held = []
    else:
        chosen = [c for c in given if not before.get(c, False)]
        held = [c for c in listed if c in before and c not in given]
    return AttendeeLinks(chosen, [c for c in listed if c not in chosen], held)


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


def attendee_links_for_contacts(
    *, workspace: Workspace, contact_ids: list[int], actor: Any = None
) -> None:
    """Keep the contacts' attendee links in step with their emails: link them to the
    workspace's meetings listing one of their emails (a contact created, or given an email,
    after the meeting was), and unlink them from those they were linked to through an email
    they no longer hold. Each meeting changed is audited as an update of its contacts, by
    `actor`. One query when no meeting of the workspace lists an email (an import's chunk of
    thousands of contacts reads none into Python); three when none lists these contacts'."""
    listed = AttendeeEmail.objects.filter(workspace=workspace)
    if not listed.exists():
        return  # no link to make, and none was made through an attendee
    holders: dict[str, list[int]] = defaultdict(list)
    emails = ContactEmail.objects.filter(
        workspace=workspace, contact_id__in=contact_ids, email__in=listed.values("email")
    )
    for email, contact_id in emails.values_list("email", "contact_id"):
        holders[email].append(contact_id)
    wanted: set[tuple[int, int]] = set()
    if holders:
        pairs = listed.filter(email__in=holders).values_list("activity_id", "email")
        wanted = {(a, c) for a, email in pairs for c in holders[email]}
    via = ActivityContact.objects.filter(
        workspace=workspace, contact_id__in=contact_ids, via_attendee=True
    )
    stale = {(a, c): pk for pk, a, c in via.values_list("pk", "activity_id", "contact_id")}
    for pair in wanted:
        stale.pop(pair, None)
    if not wanted and not stale:
        return
    before: dict[int, set[int]] = defaultdict(set)
    meetings = {a for a, _ in [*wanted, *stale]}
    links = ActivityContact.objects.filter(workspace=workspace, activity_id__in=meetings)
    for activity_id, contact_id in links.values_list("activity_id", "contact_id"):
        before[activity_id].add(contact_id)
    new = sorted((a, c) for a, c in wanted if c not in before[a])
    for pair in _last_links(stale, before, new):
        del stale[pair]
    if not new and not stale:
        return
    ActivityContact.objects.filter(pk__in=stale.values()).delete()
    ActivityContact.objects.bulk_create(
        ActivityContact(workspace=workspace, activity_id=a, contact_id=c, via_attendee=True)
        for a, c in new
    )
    after = {a: set(before[a]) for a, _ in [*new, *stale]}
    for a, c in new:
        after[a].add(c)
    for a, c in stale:
        after[a].discard(c)
    changed = Activity.objects.filter(workspace=workspace, pk__in=after).order_by("pk")
    audit_rows_updated(
        workspace_id=workspace.pk,
        actor=actor,
        entries=(
            (
                Activity._meta.label_lower,
                m.pk,
                str(m),
                {"contacts": [sorted(before[m.pk]), sorted(after[m.pk])]},
            )
            for m in changed
        ),
    )
    records_changed(
        entity="activities.activity", workspace_id=workspace.pk, ids=list(after), actor=actor
    )


def _last_links(
    stale: dict[tuple[int, int], int], before: dict[int, set[int]], new: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The stale links that are all their meeting is linked to: kept, so that a contact's email
    changing never takes a meeting off every timeline (editing its attendees then says so, as
    `services._activity_clean` refuses to leave a meeting linked to nothing)."""
    leaving: dict[int, set[int]] = defaultdict(set)
    for a, c in stale:
        leaving[a].add(c)
    gaining = {a for a, _ in new}
    bare = {a for a, cs in leaving.items() if a not in gaining and before[a] <= cs}
    for lt in link_types():
        if bare and lt.link_model is not ActivityContact:
            rows = lt.link_model._default_manager.filter(activity_id__in=bare)
            bare -= set(rows.values_list("activity_id", flat=True))
    return [(a, c) for a, c in stale if a in bare]
