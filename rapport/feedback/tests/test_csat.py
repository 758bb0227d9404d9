import re

import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.core.errors import ServiceValidationError
from rapport.feedback.models import SurveyInvite
from rapport.feedback.services import survey_answer, survey_comment
from rapport.service.services import ticket_reply, ticket_set_status


def test_solving_a_ticket_mails_the_requester_one_survey(solve, ann, member, support, mailoutbox):
    ticket = solve(ann, assignee_id=member.pk, team_id=support.pk)
    invite = SurveyInvite.objects.get()
    assert (invite.kind, invite.ticket, invite.contact) == ("csat", ticket, ann)
    assert (invite.agent, invite.team) == (member, support)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ann@customer.example"]
    assert f"[#{ticket.number}]" in mail.subject
    links = re.findall(r"https?://\S+/feedback/(\S+)/(\d+)/", mail.body)
    assert links == [(invite.token, str(s)) for s in range(1, 6)]


def test_the_invite_waits_for_the_commit(scoped, owner, ann, django_capture_on_commit_callbacks):
    from rapport.service.services import ticket_create

    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            workspace=scoped,
            actor=owner,
            data={"subject": "S", "body": "B", "requester_id": ann.pk},
        )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="solved")
    assert callbacks and not SurveyInvite.objects.exists()


def test_other_status_changes_send_nothing(
    scoped, owner, ann, solve, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = solve(ann)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="closed")
    assert SurveyInvite.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_reopened_and_solved_again_ticket_gets_a_new_survey(
    scoped, owner, ann, solve, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = solve(ann)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(workspace=scoped, actor=None, ticket=ticket, body="Still broken", contact=ann)
    ticket.refresh_from_db()
    assert ticket.status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(workspace=scoped, actor=owner, ticket=ticket, status="solved")
    assert SurveyInvite.objects.filter(ticket=ticket).count() == 2
    assert len(mailoutbox) == 2


def test_the_same_solve_is_surveyed_once(
    scoped, ann, solve, mailoutbox, django_capture_on_commit_callbacks
):
    from rapport.feedback.tasks import csat_invites_for_tickets

    ticket = solve(ann)
    with django_capture_on_commit_callbacks(execute=True):
        csat_invites_for_tickets.call(scoped.pk, [ticket.pk])
    assert SurveyInvite.objects.count() == 1
    assert len(mailoutbox) == 1


def test_requesters_who_cannot_be_mailed_get_no_survey(scoped, owner, solve, mailoutbox):
    no_email = make_contact(scoped, owner, first_name="Nia")
    opted_out = make_contact(scoped, owner, emails=["no@customer.example"], do_not_email=True)
    solve(no_email)
    solve(opted_out)
    assert not SurveyInvite.objects.exists()
    assert mailoutbox == []


def test_a_score_is_recorded_once(scoped, ann, solve):
    solve(ann)
    invite = SurveyInvite.objects.get()
    assert survey_answer(invite=invite, score=4) is True
    assert survey_answer(invite=invite, score=1) is False
    invite.refresh_from_db()
    assert invite.score == 4 and invite.answered_at is not None


def test_a_score_outside_one_to_five_is_refused(scoped, ann, solve):
    solve(ann)
    invite = SurveyInvite.objects.get()
    for bad in (0, 6):
        with pytest.raises(ServiceValidationError):
            survey_answer(invite=invite, score=bad)
    invite.refresh_from_db()
    assert invite.score is None


@pytest.mark.parametrize(
    ("comment", "sign"),
    [
        ("Fantastic support, thank you so much! Really quick and friendly.", 1),
        ("Terrible. Slow, rude and the problem is still not fixed. Awful experience.", -1),
    ],
)
def test_a_comment_gets_a_sentiment_of_the_right_sign(scoped, ann, solve, comment, sign):
    solve(ann)
    invite = SurveyInvite.objects.get()
    survey_answer(invite=invite, score=5 if sign > 0 else 1)
    assert survey_comment(invite=invite, comment=comment) is True
    invite.refresh_from_db()
    assert invite.comment == comment
    assert invite.sentiment * sign > 0.5


def test_a_comment_needs_a_score_first_and_is_kept_once(scoped, ann, solve):
    solve(ann)
    invite = SurveyInvite.objects.get()
    with pytest.raises(ServiceValidationError) as exc:
        survey_comment(invite=invite, comment="Nice")
    assert "score" in exc.value.as_dict()
    survey_answer(invite=invite, score=3)
    assert survey_comment(invite=invite, comment="First") is True
    assert survey_comment(invite=invite, comment="Second") is False
    invite.refresh_from_db()
    assert invite.comment == "First"
