"""ui24: a late deal whose next meeting is booked ahead says "in …" among the deals at risk,
not "0 minutes ago"."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_activity
from rapport.sales.services import deal_create
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_a_late_deal_with_a_meeting_ahead_reads_in_so_long(page, log_in, workspace, owner):
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace)
        data = {
            "name": "Late deal",
            "pipeline_id": pipeline.pk,
            "expected_close_date": "2020-01-01",
        }
        deal = deal_create(workspace=workspace, actor=owner, data=data)
    # Its listener, after the commit, makes the meeting the deal's last activity.
    make_activity(
        workspace, owner, kind="meeting", starts_at="2040-05-06T09:00:00Z", deal_ids=[deal.pk]
    )
    log_in("olivia")
    page.goto("/forecast/")
    row = page.locator("#at-risk tbody tr", has_text="Late deal")
    expect(row).to_contain_text(re.compile(r"in \d+\xa0years?"))
    expect(row).not_to_contain_text("ago")
