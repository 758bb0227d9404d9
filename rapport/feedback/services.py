"""Writes on surveys: inviting (CSAT when a ticket is solved, NPS to chosen contacts),
recording a score, and the comment that may follow it."""

import secrets
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.audit.models import AuditAction
from rapport.audit.services import audit_bulk_created, audit_record
from rapport.contacts.models import Contact
from rapport.contacts.services import Actor
from rapport.core.errors import ServiceValidationError
from rapport.feedback.mail import survey_invites_mail
from rapport.feedback.models import SurveyInvite, SurveyKind
from rapport.feedback.sentiment import sentiment_score
from rapport.service.models import Ticket, TicketStatus
from rapport.tenancy.models import Workspace

COMMENT_LIMIT = 2000
NPS_BATCH_LIMIT = 5000


def _token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits


def _mailable(contact: Contact) -> bool:
    return bool(contact.email) and not contact.do_not_email


def csat_invite_for_ticket(*, workspace: Workspace, ticket: Ticket) -> SurveyInvite | None:
    """Invite the requester of a solved ticket to rate it, and mail them once committed.

    Nothing happens when the ticket is not solved, the requester cannot be mailed, or this
    solve was surveyed already (the listener may hear about the same solve twice).
    """
    if ticket.status != TicketStatus.SOLVED or ticket.solved_at is None:
        return None
    if not _mailable(ticket.requester):
        return None
    try:
        with transaction.atomic():
            invite = SurveyInvite.objects.create(
                workspace=workspace,
                kind=SurveyKind.CSAT,
                token=_token(),
                contact=ticket.requester,
                ticket=ticket,
                ticket_solved_at=ticket.solved_at,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id,
            )
            audit_record(
                workspace_id=workspace.pk,
                actor=None,
                action=AuditAction.CREATE,
                instance=invite,
                changes={"kind": [None, "csat"], "ticket": [None, ticket.pk]},
            )
            transaction.on_commit(
                partial(survey_invites_mail, workspace=workspace, invite_ids=[invite.pk])
            )
    except IntegrityError:
        return None  # this solve has its survey already
    return invite


def nps_send(*, workspace: Workspace, actor: Actor, contact_ids: list[int]) -> list[SurveyInvite]:
    """Invite these contacts to an NPS survey and mail them once committed. Contacts without
    an email address, or who asked not to be emailed, are skipped (not in the result)."""
    if not isinstance(contact_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in contact_ids
    ):
        raise ServiceValidationError.single("contact_ids", "must be a list of contact ids")
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        raise ServiceValidationError.single("contact_ids", "choose at least one contact")
    if len(ids) > NPS_BATCH_LIMIT:
        raise ServiceValidationError.single("contact_ids", f"at most {NPS_BATCH_LIMIT} at once")
    contacts = Contact.objects.in_bulk(ids)
    missing = [i for i in ids if i not in contacts]
    if missing:
        raise ServiceValidationError.single(
            "contact_ids", f"no such contact: {', '.join(map(str, missing))}"
        )
    with transaction.atomic():
        invites = SurveyInvite.objects.bulk_create(
            SurveyInvite(workspace=workspace, kind=SurveyKind.NPS, token=_token(), contact=c)
            for c in (contacts[i] for i in ids)
            if _mailable(c)
        )
        audit_bulk_created(
            workspace_id=workspace.pk,
            actor=actor,
            created=[(i, {"kind": "nps", "contact": i.contact_id}) for i in invites],
        )
        transaction.on_commit(
            partial(survey_invites_mail, workspace=workspace, invite_ids=[i.pk for i in invites])
        )
    return invites


def survey_answer(*, invite: SurveyInvite, score: int) -> bool:
    """Record the score of a one-click answer. A survey is answered once: later clicks
    change nothing and return False."""
    if score not in invite.scores:
        raise ServiceValidationError.single(
            "score", f"must be {invite.scores.start} to {invite.scores.stop - 1}"
        )
    now = timezone.now()
    with transaction.atomic():
        # The conditional update is the guard: of two simultaneous clicks only one matches.
        recorded = SurveyInvite.objects.filter(pk=invite.pk, answered_at__isnull=True).update(
            score=score, answered_at=now, updated_at=now
        )
        if recorded:
            invite.score, invite.answered_at = score, now
            audit_record(
                workspace_id=invite.workspace_id,
                actor=None,
                action=AuditAction.UPDATE,
                instance=invite,
                changes={"score": [None, score]},
            )
    if not recorded:
        invite.refresh_from_db()
    return bool(recorded)


def survey_comment(*, invite: SurveyInvite, comment: str) -> bool:
    """Add the optional comment to an answered survey, with its sentiment score. Only the
    first comment is kept; returns False when there was one already."""
    comment = (comment or "").strip()
    if invite.answered_at is None:
        raise ServiceValidationError.single("score", "choose a score first")
    if not comment:
        raise ServiceValidationError.single("comment", "write a comment, or leave the page")
    if len(comment) > COMMENT_LIMIT:
        raise ServiceValidationError.single("comment", f"at most {COMMENT_LIMIT} characters")
    sentiment = sentiment_score(comment)
    now = timezone.now()
    with transaction.atomic():
        recorded = SurveyInvite.objects.filter(pk=invite.pk, commented_at__isnull=True).update(
            comment=comment, sentiment=sentiment, commented_at=now, updated_at=now
        )
        if recorded:
            invite.comment, invite.sentiment, invite.commented_at = comment, sentiment, now
            audit_record(
                workspace_id=invite.workspace_id,
                actor=None,
                action=AuditAction.UPDATE,
                instance=invite,
                changes={"comment": ["", comment[:500]], "sentiment": [None, sentiment]},
            )
    if not recorded:
        invite.refresh_from_db()
    return bool(recorded)
