"""The dashboard's newer charts from hand-built tickets and answers: the backlog by age and
priority (tickets exactly on a bucket's edge, solved ones and another workspace's left out),
the reopen rate per bucket, and the page that shows each chart with its numbers."""

import datetime as dt
import html
import json
import re

import pytest
import time_machine

from rapport.contacts.tests.factories import make_contact
from rapport.feedback.models import SurveyInvite
from rapport.service.models import Ticket
from rapport.service.reports import (
    AGE_BUCKETS,
    backlog_by_age,
    monthly_trends,
    service_charts,
    service_trend,
)
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
outsider_client = fixtures.outsider_client
plain_static_storage = fixtures.plain_static_storage

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def backdated(workspace, owner, requester, *, opened, status="open", priority="normal", **set_):
    """A ticket made through the service, then given the history under test."""
    ticket = make_ticket(workspace, owner, requester, priority=priority)
    with workspace_scope(workspace):
        Ticket.objects.filter(pk=ticket.pk).update(created_at=opened, status=status, **set_)
    return ticket


@pytest.fixture
def ann(workspace):
    return make_contact(workspace, emails=["ann@acme.io"])


@pytest.fixture
def backlog(workspace, owner, ann, other_workspace, outsider):
    """Open tickets on each bucket's edges, and tickets that must not count."""
    for opened, priority in [
        (NOW, "urgent"),  # 0 → < 1 day
        (NOW + dt.timedelta(minutes=5), "low"),  # stamped after now (a skewed clock) → < 1 day
        (NOW - DAY + dt.timedelta(seconds=1), "normal"),  # a second short of a day → < 1 day
        (NOW - DAY, "high"),  # exactly 1 day → 1–3 days
        (NOW - 3 * DAY, "normal"),  # exactly 3 → 3–7
        (NOW - 7 * DAY + dt.timedelta(seconds=1), "normal"),  # just under 7 → 3–7
        (NOW - 7 * DAY, "urgent"),  # exactly 7 → 7–30
        (NOW - 30 * DAY, "low"),  # exactly 30 → 30 +
        (NOW - 400 * DAY, "low"),  # → 30 +
    ]:
        backdated(workspace, owner, ann, opened=opened, priority=priority)
    for status in ("new", "pending", "on_hold"):  # unsolved too: 2 days old
        backdated(workspace, owner, ann, opened=NOW - 2 * DAY, status=status, priority="high")
    for status in ("solved", "closed"):  # not in the backlog
        backdated(workspace, owner, ann, opened=NOW - 2 * DAY, status=status, priority="high")
    bob = make_contact(other_workspace, emails=["bob@globex.io"])
    for _ in range(3):
        backdated(other_workspace, outsider, bob, opened=NOW - 2 * DAY, priority="high")


def test_the_backlog_is_counted_by_age_bucket_and_priority(scoped, backlog):
    age = backlog_by_age(now=NOW)
    assert age.buckets == ["< 1 day", "1–3 days", "3–7 days", "7–30 days", "30 days +"]
    assert [p for p, _ in age.priorities] == ["urgent", "high", "normal", "low"]
    assert age.counts == {
        "urgent": [1, 0, 0, 1, 0],
        "high": [0, 4, 0, 0, 0],
        "normal": [1, 0, 2, 0, 0],
        "low": [1, 0, 0, 0, 2],
    }
    assert [(label, total) for label, _, total in age.rows] == [
        ("< 1 day", 3),
        ("1–3 days", 4),
        ("3–7 days", 2),
        ("7–30 days", 1),
        ("30 days +", 2),
    ]
    assert age.total == 12


def test_the_backlog_is_one_query_whatever_its_size(scoped, backlog, django_assert_num_queries):
    with django_assert_num_queries(1):
        backlog_by_age(now=NOW)


def test_an_empty_backlog_has_zero_everywhere(scoped):
    age = backlog_by_age(now=NOW)
    assert age.total == 0
    assert all(counts == [0] * len(AGE_BUCKETS) for counts in age.counts.values())


def test_the_trend_gives_the_reopen_rate_of_the_tickets_solved_in_each_bucket(scoped, owner, ann):
    monday = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    for solved, reopened in [(monday, 1), (monday, 0), (monday, 0), (monday, 2)]:
        backdated(
            scoped,
            owner,
            ann,
            opened=monday - DAY,
            status="solved",
            solved_at=solved + dt.timedelta(hours=1),
            reopened_count=reopened,
        )
    first, second = service_trend(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4), size="day")
    assert (first.solved, first.solved_reopened, first.reopen_rate) == (4, 2, 0.5)
    assert (second.solved, second.reopen_rate) == (0, None)
    charts = service_charts(trend=[first, second], complaints=[])
    assert charts["reopen_rate"] == [50.0, None]


def answer(workspace, contact, kind, score, when):
    with workspace_scope(workspace):
        SurveyInvite.objects.create(
            workspace=workspace,
            kind=kind,
            token=f"{kind}-{score}-{when.isoformat()}",
            contact=contact,
            score=score,
            answered_at=when,
        )


def test_the_monthly_trends_cover_the_last_twelve_months(scoped, ann, backlog):
    answer(scoped, ann, "csat", 4, NOW)
    answer(scoped, ann, "csat", 2, dt.datetime(2025, 7, 1, tzinfo=dt.UTC))  # the first month
    answer(scoped, ann, "csat", 5, dt.datetime(2025, 6, 30, 23, tzinfo=dt.UTC))  # before it
    answer(scoped, ann, "nps", 10, dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    monthly = monthly_trends(now=NOW)
    assert [m.month for m in monthly.csat][:2] == [dt.date(2025, 7, 1), dt.date(2025, 8, 1)]
    assert [m.month for m in monthly.csat][-1] == dt.date(2026, 6, 1)
    assert [m.count for m in monthly.csat] == [1] + [0] * 10 + [1]
    assert [m.nps for m in monthly.nps] == [None] * 6 + [100.0] + [None] * 5
    charts = service_charts(trend=[], complaints=[], monthly=monthly)
    assert charts["csat"]["labels"][0] == "2025-07"  # type: ignore[index]
    assert charts["csat"]["average"][-1] == 4.0  # type: ignore[index]
    assert charts["nps"]["promoters"][6] == 1  # type: ignore[index]
    assert charts["backlog"]["priorities"][0] == {  # type: ignore[index]
        "key": "urgent",
        "label": "Urgent",
        "counts": [1, 0, 0, 1, 0],
    }


def cells(row: str) -> list[str]:
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table with that id."""
    table = page[page.index(f'id="{table_id}"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells(row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_dashboard_draws_each_chart_from_numbers_it_also_tabulates(
    owner_client, workspace, ann, backlog
):
    answer(workspace, ann, "csat", 5, NOW - DAY)
    answer(workspace, ann, "csat", 2, NOW - DAY)
    for score in (10, 8, 3):
        answer(workspace, ann, "nps", score, dt.datetime(2026, 5, 3, tzinfo=dt.UTC))
    with time_machine.travel(NOW, tick=False):
        page = owner_client.get("/service/?period=30").content.decode()
    for canvas in ("chart-volume", "chart-times", "chart-csat", "chart-nps", "chart-backlog"):
        assert f'<canvas id="{canvas}"' in page
    assert "{#" not in page and "comment %}" not in page  # no template comment shows
    assert table_rows(page, "csat-trend-table")[-1] == ["2026-06", "2", "3.50", "50%"]
    assert table_rows(page, "csat-trend-table")[-2] == ["2026-05", "0", "—", "—"]
    assert table_rows(page, "nps-trend-table")[-2] == ["2026-05", "1", "1", "1", "0"]
    assert table_rows(page, "backlog-age-table") == [
        ["< 1 day", "1", "0", "1", "1", "3"],
        ["1–3 days", "0", "4", "0", "0", "4"],
        ["3–7 days", "0", "0", "2", "0", "2"],
        ["7–30 days", "1", "0", "0", "0", "1"],
        ["30 days +", "0", "0", "0", "2", "2"],
    ]
    assert len(table_rows(page, "trend-table")) == 31  # a row per day of the period
    found = re.search(r'id="service-charts"[^>]*>(.*?)</script>', page, re.S)
    assert found is not None
    data = json.loads(found[1])
    assert data["csat"]["answers"][-1] == 2 and data["nps"]["nps"][-2] == 0.0
    assert [p["counts"] for p in data["backlog"]["priorities"]][1] == [0, 4, 0, 0, 0]


def test_an_outsider_cannot_see_the_dashboards_figures(outsider_client, workspace, backlog):
    with time_machine.travel(NOW, tick=False):
        page = outsider_client.get("/service/?period=30").content.decode()
    # The outsider sees their own workspace's dashboard: its 3 open tickets, none of ours.
    assert table_rows(page, "backlog-age-table")[1][-1] == "3"
    assert sum(int(row[-1]) for row in table_rows(page, "backlog-age-table")) == 3
