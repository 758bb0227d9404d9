import datetime as dt

import pytest
import time_machine

from rapport.contacts.tests.factories import make_contact
from rapport.feedback.models import SurveyInvite
from rapport.feedback.queries import csat_summary, nps_summary, survey_comments
from rapport.feedback.services import nps_send, survey_answer, survey_comment
from rapport.tenancy.access import workspace_scope


def answer_nps(workspace, scores, when):
    contacts = [
        make_contact(workspace, None, emails=[f"p{i}@x.example"]) for i in range(len(scores))
    ]
    with workspace_scope(workspace):
        invites = nps_send(workspace=workspace, actor=None, contact_ids=[c.pk for c in contacts])
        with time_machine.travel(dt.datetime.fromisoformat(when), tick=False):
            for invite, score in zip(invites, scores, strict=True):
                survey_answer(invite=invite, score=score)


def test_nps_matches_a_hand_computed_fixture(scoped):
    # March: 10 10 9 9 9 | 8 7 | 6 2 0 → 5 promoters, 2 passives, 3 detractors of 10:
    # 50 % − 30 % = 20.
    answer_nps(scoped, [10, 10, 9, 9, 9, 8, 7, 6, 2, 0], "2026-03-10T12:00:00+00:00")
    # April: 9 | 7 7 | 5 4 3 → 1 promoter, 3 detractors of 6: 16.7 % − 50 % = −33.3.
    answer_nps(scoped, [9, 7, 7, 5, 4, 3], "2026-04-02T08:00:00+00:00")
    march, april = nps_summary(period="month")
    assert (march.period, march.count, march.promoters, march.passives, march.detractors) == (
        dt.date(2026, 3, 1),
        10,
        5,
        2,
        3,
    )
    assert march.nps == 20.0
    assert (april.period, april.promoters, april.passives, april.detractors) == (
        dt.date(2026, 4, 1),
        1,
        2,
        3,
    )
    assert april.nps == -33.3
    (overall,) = nps_summary()
    # 6 promoters, 6 detractors of 16 → 0.
    assert (overall.count, overall.promoters, overall.detractors, overall.nps) == (16, 6, 6, 0.0)
    (only_april,) = nps_summary(since=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    assert only_april.count == 6


def test_unanswered_surveys_do_not_count(scoped):
    contact = make_contact(scoped, None, emails=["q@x.example"])
    nps_send(workspace=scoped, actor=None, contact_ids=[contact.pk])
    assert nps_summary() == []
    assert SurveyInvite.objects.count() == 1


@pytest.fixture
def rated(scoped, owner, member, support, solve):
    """Mia (in Support) solved three tickets rated 5, 4, 2; Olivia (no team) one rated 3."""
    ann = make_contact(scoped, owner, emails=["ann@customer.example"])
    rated = [(member, support, 5), (member, support, 4), (member, support, 2), (owner, None, 3)]
    for agent, team, score in rated:
        ticket = solve(ann, assignee_id=agent.pk, team_id=team.pk if team else None)
        survey_answer(invite=SurveyInvite.objects.get(ticket=ticket), score=score)
    solve(ann, assignee_id=member.pk)  # surveyed, never answered


def test_csat_per_agent(rated, member, owner, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        rows = {r.key: r for r in csat_summary(by="agent")}
    assert set(rows) == {member.pk, owner.pk}
    mia = rows[member.pk]
    assert (mia.label, mia.count, mia.average, mia.satisfied_pct) == ("mia", 3, 3.67, 66.7)
    assert (rows[owner.pk].count, rows[owner.pk].average, rows[owner.pk].satisfied_pct) == (
        1,
        3.0,
        0.0,
    )


def test_csat_per_team_and_overall(rated, support):
    rows = csat_summary(by="team")
    assert [(r.label, r.count, r.average) for r in rows] == [
        ("Support", 3, 3.67),
        ("No team", 1, 3.0),
    ]
    (overall,) = csat_summary()
    assert (overall.count, overall.average, overall.satisfied_pct) == (4, 3.5, 50.0)


def test_csat_per_period(rated):
    (row,) = csat_summary(by="week")
    assert row.count == 4 and isinstance(row.key, dt.date)
    assert csat_summary(until=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) == []


def test_an_unknown_grouping_is_refused(scoped):
    with pytest.raises(ValueError):
        csat_summary(by="colour")  # type: ignore[arg-type]


def test_another_workspace_results_never_count(workspace, other_workspace):
    answer_nps(other_workspace, [0, 0, 0], "2026-03-01T00:00:00+00:00")
    answer_nps(workspace, [10], "2026-03-01T00:00:00+00:00")
    with workspace_scope(workspace):
        (row,) = nps_summary()
    assert (row.count, row.nps) == (1, 100.0)


def test_comments_come_newest_first_with_their_sentiment(
    scoped, ann, member, solve, django_assert_max_num_queries
):
    said = [
        (5, "Wonderful, quick and friendly help!", "2026-03-01T10:00:00+00:00"),
        (1, "Terrible. Nobody answered for days and the problem is still there.", "2026-03-02"),
        (3, "The parcel came on Tuesday.", "2026-03-03T10:00:00+00:00"),
    ]
    for score, comment, when in said:
        ticket = solve(ann, assignee_id=member.pk)
        invite = SurveyInvite.objects.get(ticket=ticket)
        with time_machine.travel(dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)):
            survey_answer(invite=invite, score=score)
            survey_comment(invite=SurveyInvite.objects.get(pk=invite.pk), comment=comment)
    solve(ann)  # surveyed, no comment: not listed
    with django_assert_max_num_queries(1):
        rows = survey_comments()
    assert [(r.survey.score, r.sentiment) for r in rows] == [
        (3, "neutral"),
        (1, "negative"),
        (5, "positive"),
    ]
    assert rows[0].survey.agent == member and rows[0].survey.contact == ann
    assert [r.survey.score for r in survey_comments(sentiment="negative")] == [1]
    assert [r.survey.score for r in survey_comments(sentiment="positive")] == [5]
    since = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert [r.survey.score for r in survey_comments(since=since)] == [3, 1]
    with pytest.raises(ValueError):
        survey_comments(sentiment="angry")


def test_another_workspaces_comments_are_not_listed(workspace, other_workspace):
    answer_nps(other_workspace, [0], "2026-03-01T00:00:00+00:00")
    with workspace_scope(other_workspace):
        survey_comment(invite=SurveyInvite.objects.get(), comment="Awful")
        assert len(survey_comments()) == 1
    with workspace_scope(workspace):
        assert survey_comments() == []
