"""CSAT and NPS per month for the dashboard's charts, from hand-built answers: months without
answers stay in the series, answers on a month's first and last second land in their own
month (UTC), and nothing of another workspace or another kind of survey counts."""

import datetime as dt
import itertools

import pytest

from rapport.contacts.tests.factories import make_contact
from rapport.feedback.models import SurveyInvite
from rapport.feedback.queries import CsatMonth, NpsMonth, csat_trend, month_starts, nps_trend
from rapport.tenancy.access import workspace_scope

_tokens = itertools.count()


def answer(workspace, contact, kind, score, when):
    """An answered (or, with score None, unanswered) survey, written straight to the table."""
    with workspace_scope(workspace):
        return SurveyInvite.objects.create(
            workspace=workspace,
            kind=kind,
            token=f"t{next(_tokens)}",
            contact=contact,
            score=score,
            answered_at=None if score is None else dt.datetime.fromisoformat(when),
        )


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, emails=["ann@x.example"])


@pytest.fixture
def theirs(other_workspace):
    return make_contact(other_workspace, emails=["bob@y.example"])


def test_months_are_the_calendar_months_a_period_touches():
    assert month_starts(dt.date(2025, 11, 20), dt.date(2026, 2, 1)) == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
    ]
    assert month_starts(dt.date(2026, 2, 1), dt.date(2026, 2, 1)) == []


def test_csat_per_month_keeps_empty_months_and_cuts_months_in_utc(
    workspace, ann, other_workspace, theirs
):
    answer(workspace, ann, "csat", 5, "2026-01-31T23:59:59+00:00")  # January's last second
    # 1 February 00:30 in Paris is still 31 January in UTC.
    answer(workspace, ann, "csat", 3, "2026-02-01T00:30:00+01:00")
    answer(workspace, ann, "csat", 1, "2026-02-01T00:00:00+00:00")  # February's first second
    answer(workspace, ann, "csat", 4, "2026-02-28T12:00:00+00:00")
    answer(workspace, ann, "csat", None, "2026-02-10T12:00:00+00:00")  # not answered
    answer(workspace, ann, "nps", 2, "2026-02-10T12:00:00+00:00")  # another kind
    answer(other_workspace, theirs, "csat", 1, "2026-02-10T12:00:00+00:00")  # not ours
    # March: nothing. April: 5 3 2, and one on the period's end, which is left out.
    for score in (5, 3, 2):
        answer(workspace, ann, "csat", score, "2026-04-15T08:00:00+00:00")
    answer(workspace, ann, "csat", 1, "2026-04-30T00:00:00+00:00")

    with workspace_scope(workspace):
        months = csat_trend(start=dt.date(2026, 1, 10), end=dt.date(2026, 4, 30))
    assert months == [
        CsatMonth(dt.date(2026, 1, 1), 2, 4.0, 50.0),  # 5 and 3
        CsatMonth(dt.date(2026, 2, 1), 2, 2.5, 50.0),  # 1 and 4
        CsatMonth(dt.date(2026, 3, 1), 0, None, None),
        CsatMonth(dt.date(2026, 4, 1), 3, 3.33, 33.3),  # 10 / 3
    ]
    with workspace_scope(other_workspace):
        theirs_only = csat_trend(start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 1))
    assert theirs_only == [CsatMonth(dt.date(2026, 2, 1), 1, 1.0, 0.0)]


def test_nps_per_month_counts_promoters_passives_and_detractors(
    workspace, ann, other_workspace, theirs
):
    # February: 10 9 | 8 7 | 6 0 → 2 promoters, 2 passives, 2 detractors of 6: NPS 0.
    for score in (10, 9, 8, 7, 6, 0):
        answer(workspace, ann, "nps", score, "2026-02-14T09:00:00+00:00")
    # April: 9 9 and 3 on its first second, 10 on its last → 3 promoters and 1 detractor of 4:
    # 75 % − 25 % = 50.
    for score in (9, 9, 3):
        answer(workspace, ann, "nps", score, "2026-04-01T00:00:00+00:00")
    answer(workspace, ann, "nps", 10, "2026-04-30T23:59:59+00:00")
    answer(workspace, ann, "csat", 5, "2026-03-14T09:00:00+00:00")  # CSAT: not in NPS
    for _ in range(5):
        answer(other_workspace, theirs, "nps", 0, "2026-03-14T09:00:00+00:00")

    with workspace_scope(workspace):
        months = nps_trend(start=dt.date(2026, 2, 1), end=dt.date(2026, 5, 1))
    assert months == [
        NpsMonth(dt.date(2026, 2, 1), 6, 2, 2, 2, 0.0),
        NpsMonth(dt.date(2026, 3, 1), 0, 0, 0, 0, None),
        NpsMonth(dt.date(2026, 4, 1), 4, 3, 0, 1, 50.0),
    ]


def test_a_workspace_without_answers_gets_every_month_empty(workspace):
    with workspace_scope(workspace):
        csat = csat_trend(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 5))
        nps = nps_trend(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1))
    assert [m.count for m in csat] == [0, 0, 0]
    assert [m.nps for m in nps] == [None]
