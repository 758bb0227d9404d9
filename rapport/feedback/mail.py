"""Survey invitations by email: one link per score, so answering is a single click."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from rapport.feedback.models import SurveyInvite, SurveyKind
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

DEFAULT_PUBLIC_URL = "http://localhost:8000"


def survey_answer_url(invite: SurveyInvite, score: int) -> str:
    base = getattr(settings, "RAPPORT_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")
    return base + reverse("feedback-answer", args=[invite.token, score])


def _body(invite: SurveyInvite, workspace: Workspace) -> tuple[str, str]:
    links = "\n".join(f"  {s}: {survey_answer_url(invite, s)}" for s in invite.scores)
    if invite.kind == SurveyKind.CSAT:
        assert invite.ticket is not None
        subject = f"[#{invite.ticket.number}] How did we do?"
        question = (
            f'Your request "{invite.ticket.subject}" has been solved.\n'
            "How satisfied are you with the help you got? Click a score "
            "(1 = very unsatisfied, 5 = very satisfied):"
        )
    else:
        subject = f"How likely are you to recommend {workspace.name}?"
        question = (
            f"How likely are you to recommend {workspace.name} to a friend or colleague? "
            "Click a score (0 = not at all likely, 10 = extremely likely):"
        )
    greeting = f"Hello {invite.contact.first_name}," if invite.contact.first_name else "Hello,"
    return subject, f"{greeting}\n\n{question}\n\n{links}\n\nThank you,\n{workspace.name}\n"


def survey_invites_mail(*, workspace: Workspace, invite_ids: list[int]) -> int:
    """Mail these invitations over one SMTP connection; returns how many were sent."""
    with workspace_scope(workspace):
        invites = list(
            SurveyInvite.objects.filter(pk__in=invite_ids)
            .select_related("contact", "ticket")
            .order_by("id")
        )
    messages = []
    for invite in invites:
        subject, body = _body(invite, workspace)
        messages.append(
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[invite.contact.email],
            )
        )
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
