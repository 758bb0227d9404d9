"""A deal at risk whose last activity is still to come (a meeting booked ahead) says when."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from rapport.sales.models import Deal
from rapport.sales.services import deal_create
from rapport.sales.tests.factories import make_pipeline
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def test_a_late_deals_meeting_ahead_reads_in_so_long_not_ago(owner_client, workspace):
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace)
        data = {
            "name": "Late deal",
            "pipeline_id": pipeline.pk,
            "expected_close_date": "2020-01-01",
        }
        deal = deal_create(workspace=workspace, actor=None, data=data)
        ahead = timezone.now() + dt.timedelta(days=2, hours=3, minutes=1)
        Deal.objects.filter(pk=deal.pk).update(last_activity_at=ahead)
    at_risk = owner_client.get("/forecast/panels/at-risk/").content.decode()
    [last] = re.findall(r'<td class="num nowrap hide-sm">([^<]*)</td>', at_risk)
    assert last == "in 2\xa0days, 3\xa0hours"
