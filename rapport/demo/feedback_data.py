"""The demo's survey answers: a CSAT survey for every solved demo ticket whose requester can be
mailed (as the feedback app does on a real solve), about a third of them answered with scores
skewed positive (lower when the SLA was breached), some with a comment; and two quarterly NPS
rounds, the last this month, to a few hundred contacts, some four in ten answering.

Written in bulk with their audit entries, like the tickets: nothing is mailed. Comment
sentiment comes from the feedback app's own scorer.
"""

import datetime as dt
import random
import secrets

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from rapport.audit.services import audit_bulk_created, snapshot
from rapport.contacts.models import Contact
from rapport.demo.timestamps import keep_given_timestamps
from rapport.feedback.models import SurveyInvite, SurveyKind
from rapport.feedback.sentiment import sentiment_score
from rapport.service.models import Ticket
from rapport.tenancy.models import Workspace

CSAT_ANSWER_RATE = 0.35
CSAT_COMMENT_RATE = 0.4  # of the answers
NPS_ANSWER_RATE = 0.4
NPS_COMMENT_RATE = 0.3
NPS_ROUNDS_DAYS_AGO = (100, 12)  # a quarterly round, the last one this month

# Score weights 1..5: most customers are satisfied; a breached SLA shifts them down.
CSAT_WEIGHTS = [4, 5, 11, 32, 48]
CSAT_WEIGHTS_BREACHED = [14, 14, 22, 30, 20]
# Score weights 0..10: a healthy B2B NPS (about +25).
NPS_WEIGHTS = [2, 1, 2, 2, 3, 4, 6, 14, 16, 22, 28]

POSITIVE_COMMENTS = [
    "Fast and friendly, thank you!",
    "Great support, the problem was fixed within the hour.",
    "Very helpful agent, clear explanation.",
    "Excellent service as always.",
    "Thanks, that solved it. Really appreciate the quick answer.",
    "Love the product and the support team is great.",
    "Happy with the outcome, thanks for the follow-up.",
]
MIXED_COMMENTS = [
    "It works now, but it took three emails to get there.",
    "Okay in the end, though the first answer did not help.",
    "Fine, but I had to wait a few days.",
]
NEGATIVE_COMMENTS = [
    "Awful response time, and the issue is still not fixed.",
    "Terrible experience, nobody called me back.",
    "Disappointed, I had to explain the problem again and again.",
    "Still broken. Very frustrating.",
]


def _comment(score: int, top: int, rng: random.Random) -> str:
    """A comment in keeping with the score (on a 1..top scale)."""
    share = score / top
    pool = (
        POSITIVE_COMMENTS if share >= 0.8 else MIXED_COMMENTS if share >= 0.6 else NEGATIVE_COMMENTS
    )
    return rng.choice(pool)


def _answer(
    invite: SurveyInvite, *, sent: dt.datetime, score: int, comment: str, rng: random.Random
) -> None:
    # Most people answer within the day, a few days later at most.
    invite.answered_at = sent + dt.timedelta(minutes=3 + rng.expovariate(1 / 600))
    invite.score = score
    if comment:
        invite.comment = comment
        invite.commented_at = invite.answered_at + dt.timedelta(seconds=rng.randint(20, 300))
        invite.sentiment = sentiment_score(comment)
    invite.updated_at = invite.commented_at or invite.answered_at


def feedback_demo_fill(
    *,
    workspace: Workspace,
    users: list[AbstractUser],
    contacts: list[tuple[int, int | None]],
    rng: random.Random,
    nps_contacts: int = 300,
) -> None:
    now = timezone.now()
    mailable = set(
        Contact.objects.filter(pk__in=[c for c, _ in contacts], do_not_email=False)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    invites: list[SurveyInvite] = []
    solved = Ticket.objects.filter(solved_at__isnull=False, requester_id__in=mailable).order_by(
        "number"
    )
    for ticket in solved.only(
        "pk", "requester_id", "solved_at", "assignee_id", "team_id", "sla_breached_at"
    ):
        assert ticket.solved_at is not None
        sent = ticket.solved_at + dt.timedelta(minutes=1)
        invite = SurveyInvite(
            workspace=workspace,
            kind=SurveyKind.CSAT,
            token=secrets.token_urlsafe(32),
            contact_id=ticket.requester_id,
            ticket_id=ticket.pk,
            ticket_solved_at=ticket.solved_at,
            agent_id=ticket.assignee_id,
            team_id=ticket.team_id,
            created_at=sent,
            updated_at=sent,
        )
        if rng.random() < CSAT_ANSWER_RATE:
            weights = CSAT_WEIGHTS_BREACHED if ticket.sla_breached_at else CSAT_WEIGHTS
            score = rng.choices(range(1, 6), weights)[0]
            comment = _comment(score, 5, rng) if rng.random() < CSAT_COMMENT_RATE else ""
            _answer(invite, sent=sent, score=score, comment=comment, rng=rng)
            if invite.updated_at > now:  # solved moments ago: not answered yet
                invite.score = invite.answered_at = invite.commented_at = invite.sentiment = None
                invite.comment, invite.updated_at = "", sent
        invites.append(invite)

    recipients = rng.sample(sorted(mailable), min(nps_contacts, len(mailable)))
    rounds = [now - dt.timedelta(days=d, hours=rng.uniform(0, 8)) for d in NPS_ROUNDS_DAYS_AGO]
    for n, contact_id in enumerate(recipients):
        sent = rounds[n * len(rounds) // len(recipients)]
        invite = SurveyInvite(
            workspace=workspace,
            kind=SurveyKind.NPS,
            token=secrets.token_urlsafe(32),
            contact_id=contact_id,
            created_at=sent,
            updated_at=sent,
        )
        if rng.random() < NPS_ANSWER_RATE:
            score = rng.choices(range(11), NPS_WEIGHTS)[0]
            comment = _comment(score, 10, rng) if rng.random() < NPS_COMMENT_RATE else ""
            _answer(invite, sent=sent, score=score, comment=comment, rng=rng)
        invites.append(invite)

    with keep_given_timestamps(SurveyInvite):
        SurveyInvite.objects.bulk_create(invites, batch_size=1000)
    fields = ["kind", "contact", "ticket", "score", "comment", "sentiment"]
    # CSAT surveys go out by themselves when a ticket is solved; the NPS rounds were sent by
    # a manager.
    for kind, actor in ((SurveyKind.CSAT, None), (SurveyKind.NPS, users[min(1, len(users) - 1)])):
        audit_bulk_created(
            workspace_id=workspace.pk,
            actor=actor,
            created=[(i, snapshot(i, fields)) for i in invites if i.kind == kind],
        )
