"""The service dashboard in a browser: CSAT and NPS per month and the backlog by age are
drawn by Chart.js from the page's data, and their numbers are in tables a reader can open."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_contact
from rapport.feedback.models import SurveyInvite
from rapport.service.models import Ticket
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser

CHARTS = ["chart-volume", "chart-times", "chart-csat", "chart-nps", "chart-backlog"]
_tokens = itertools.count()


def seed(workspace, owner):
    """This month: CSAT 5, 4 and 1; NPS 10, 9, 7 and 2. Open tickets: two urgent ones opened
    now and a normal one ten days old; a solved one, which is not in the backlog."""
    ann = make_contact(workspace, emails=["ann@acme.io"])
    now = timezone.now()
    with workspace_scope(workspace):
        for kind, scores in (("csat", [5, 4, 1]), ("nps", [10, 9, 7, 2])):
            for score in scores:
                SurveyInvite.objects.create(
                    workspace=workspace,
                    kind=kind,
                    token=f"b{next(_tokens)}",
                    contact=ann,
                    score=score,
                    answered_at=now,
                )
    for _ in range(2):
        make_ticket(workspace, owner, ann, priority="urgent")
    old = make_ticket(workspace, owner, ann, priority="normal")
    solved = make_ticket(workspace, owner, ann, priority="high")
    with workspace_scope(workspace):
        Ticket.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=10))
        Ticket.objects.filter(pk=solved.pk).update(status="solved", solved_at=now)
    return now.astimezone(dt.UTC).strftime("%Y-%m")


def chart_data(page, canvas_id):
    """Each dataset of the chart drawn on the canvas: its label and its numbers."""
    return page.evaluate(
        """(id) => Chart.getChart(document.getElementById(id)).data.datasets
            .map((d) => [d.label, d.data])""",
        canvas_id,
    )


def test_the_dashboard_draws_csat_nps_and_backlog_charts_with_their_numbers(
    page, log_in, workspace, owner
):
    month = seed(workspace, owner)
    log_in("olivia")
    page.get_by_role("link", name="Service dashboard").click()
    for canvas in CHARTS:
        expect(page.locator(f"#{canvas}")).to_be_visible()
    # Chart.js has made a chart on every canvas once its script has loaded.
    page.wait_for_function(
        "(ids) => window.Chart && ids.every((id) => Chart.getChart(document.getElementById(id)))",
        arg=CHARTS,
    )

    csat = dict(chart_data(page, "chart-csat"))
    assert len(csat["Answers"]) == 12 and csat["Answers"][-1] == 3
    assert csat["Average score"][-1] == 3.33 and csat["Average score"][0] is None
    nps = dict(chart_data(page, "chart-nps"))
    assert (nps["Promoters"][-1], nps["Passives"][-1], nps["Detractors"][-1]) == (2, 1, 1)
    assert nps["NPS"][-1] == 25.0
    backlog = dict(chart_data(page, "chart-backlog"))
    assert backlog == {
        "Urgent": [2, 0, 0, 0, 0],
        "High": [0, 0, 0, 0, 0],
        "Normal": [0, 0, 0, 1, 0],
        "Low": [0, 0, 0, 0, 0],
    }

    # The same numbers in the tables, folded under each chart.
    csat_card = page.locator("#csat-trend")
    csat_card.get_by_text("The numbers").click()
    this_month = csat_card.locator("tr", has_text=month)
    expect(this_month).to_be_visible()
    expect(this_month.locator("td")).to_have_text([month, "3", "3.33", "67%"])
    nps_card = page.locator("#nps-trend")
    nps_card.get_by_text("The numbers").click()
    expect(nps_card.locator("tr", has_text=month).locator("td")).to_have_text(
        [month, "2", "1", "1", "25"]
    )
    backlog_card = page.locator("#backlog-age")
    expect(backlog_card).to_contain_text("3 unsolved now")
    backlog_card.get_by_text("The numbers").click()
    expect(backlog_card.locator("tr", has_text="< 1 day").locator("td")).to_have_text(
        ["< 1 day", "2", "0", "0", "0", "2"]
    )
    expect(backlog_card.locator("tr", has_text="7–30 days").locator("td")).to_have_text(
        ["7–30 days", "0", "0", "1", "0", "1"]
    )
