"""A segment's report against a hand-computed fixture: only members count, each amount is
converted at the right rate, a deal two members share counts once, a missing rate is named,
and another workspace's segment is a 404 on the page and the API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.api.testing import ApiClient
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_contact
from rapport.marketing.segment_report import segment_report
from rapport.marketing.services import consent_record
from rapport.marketing.tests.factories import make_segment
from rapport.sales.models import Deal
from rapport.sales.services import deal_create, exchange_rate_set, order_upsert
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client

CUSTOMERS_AND_LEADS = {
    "op": "or",
    "rules": [
        {"type": "lifecycle_stage", "op": "is", "stage": "customer"},
        {"type": "lifecycle_stage", "op": "is", "stage": "lead"},
    ],
}


def _order(workspace, owner, contact, external_id, currency, total, day, status="paid"):
    order_upsert(
        workspace=workspace,
        actor=owner,
        data={
            "external_id": external_id,
            "ordered_at": f"{day}T10:00:00+00:00",
            "currency": currency,
            "contact_id": contact.pk,
            "status": status,
            "lines": [{"description": "Item", "quantity": 1, "unit_price": total}],
        },
    )


def _consent(workspace, owner, contact, status):
    consent_record(
        workspace=workspace,
        actor=owner,
        contact=contact,
        purpose="email_marketing",
        status=status,
        source="test",
    )


@pytest.fixture
def segment(scoped, owner):
    """Members Ann (customer), Bob and Cy (leads); Dee (subscriber) is not one."""
    ws = scoped
    ann, bob, cy, dee = (
        make_contact(ws, owner, first_name=name, lifecycle_stage=stage)
        for name, stage in (
            ("Ann", "customer"),
            ("Bob", "lead"),
            ("Cy", "lead"),
            ("Dee", "subscriber"),
        )
    )
    for day, rate in (("2026-01-01", "1.10"), ("2026-03-01", "1.20")):
        exchange_rate_set(
            workspace=ws, actor=owner, currency="EUR", day=dt.date.fromisoformat(day), rate=rate
        )
    _order(ws, owner, ann, "A1", "EUR", "25.00", "2026-02-10")  # 27.50 at 1.10
    _order(ws, owner, ann, "A2", "EUR", "25.00", "2026-03-05")  # 30.00 at 1.20
    _order(ws, owner, bob, "B1", "USD", "10.00", "2026-04-01")
    _order(ws, owner, cy, "C1", "USD", "100.00", "2026-04-01", status="cancelled")
    _order(ws, owner, dee, "D1", "USD", "1000.00", "2026-04-01")
    _consent(ws, owner, ann, "opted_in")
    _consent(ws, owner, bob, "opted_out")
    _consent(ws, owner, dee, "opted_in")
    pipeline = make_pipeline(ws, owner)
    stages = stage_ids(pipeline)

    def deal(name, amount, currency, stage, *people):
        contacts = [{"id": p.pk, "role": ""} for p in people]
        data = {"name": name, "amount": amount, "currency": currency, "pipeline_id": pipeline.pk}
        data |= {"stage_id": stages[stage], "contacts": contacts}
        return deal_create(workspace=ws, actor=owner, data=data)

    deal("Shared", "200", "EUR", "Proposal", bob, cy)  # open: 240.00 at today's 1.20, once
    deal("Won", "100", "USD", "Won", ann)  # won now; its order adds 100.00 to Ann's revenue
    deal("Not theirs", "5000", "USD", "Qualify", dee)
    return make_segment(ws, name="Customers and leads", definition=CUSTOMERS_AND_LEADS)


def test_the_report_counts_only_members_at_the_right_rates(scoped, segment):
    report = segment_report(workspace=scoped, segment=segment)

    assert (report.currency, report.members, report.problem) == ("USD", 3, "")
    assert [(s.stage, s.count, round(s.share)) for s in report.stages] == [
        ("lead", 2, 67),
        ("customer", 1, 33),
    ]
    assert report.email_reachable == 1  # Ann; Bob opted out, Cy never said, Dee not a member
    assert report.buyers == 2  # Ann and Bob; Cy's only order was cancelled
    assert report.lifetime_revenue == Decimal("167.50")  # 27.50 + 30.00 + 10.00 + 100.00
    assert report.revenue_per_member == Decimal("55.83")
    assert (report.open_deals, report.open_pipeline) == (1, Decimal("240.00"))
    assert report.won_last_year == Decimal("100.00")


def test_the_report_reads_the_exchange_rates_once(scoped, segment):
    with CaptureQueriesContext(connection) as queries:
        segment_report(workspace=scoped, segment=segment)

    reads = [q["sql"] for q in queries if "sales_exchangerate" in q["sql"]]
    assert len(reads) == 1  # one rate book for orders and deals alike


def test_an_amount_without_a_rate_is_named_and_the_counts_stay(scoped, owner, segment):
    ann = Contact.objects.get(first_name="Ann")
    _order(scoped, owner, ann, "G1", "GBP", "5.00", "2026-05-01")

    report = segment_report(workspace=scoped, segment=segment)

    assert "no GBP→USD exchange rate" in report.problem
    assert (report.members, report.buyers, report.email_reachable) == (3, 2, 1)


def test_the_page_panel_and_the_api_show_the_report(owner_client, workspace, owner, segment):
    page = owner_client.get(f"/marketing/segments/{segment.pk}/").content.decode()
    assert f"/marketing/segments/{segment.pk}/report/" in page

    panel = owner_client.get(f"/marketing/segments/{segment.pk}/report/").content.decode()
    # Tiles round to whole units; the exact amount is in the title.
    assert 'data-kpi="lifetime_revenue" title="167.50 USD">168<' in panel
    assert 'data-kpi="open_pipeline" title="240.00 USD">240<' in panel
    assert 'data-stage="lead"' in panel and 'data-stage="subscriber"' not in panel

    body = ApiClient.with_token(owner, workspace).get(f"/marketing/segments/{segment.pk}/report")
    assert body.status_code == 200
    assert body.json()["lifetime_revenue"] == "167.50"
    assert body.json()["won_last_year"] == "100.00"
    assert [s["stage"] for s in body.json()["stages"]] == ["lead", "customer"]


def test_another_workspaces_segment_report_is_a_404(
    owner_client, owner, workspace, other_workspace
):
    theirs = make_segment(other_workspace, name="Theirs", definition=CUSTOMERS_AND_LEADS)

    assert owner_client.get(f"/marketing/segments/{theirs.pk}/report/").status_code == 404
    api = ApiClient.with_token(owner, workspace)
    assert api.get(f"/marketing/segments/{theirs.pk}/report").status_code == 404


def test_a_kept_report_shows_a_new_order_at_once(
    settings, scoped, owner, segment, django_capture_on_commit_callbacks
):
    settings.RAPPORT_KEEP_PAGES = True
    assert segment_report(workspace=scoped, segment=segment).lifetime_revenue == Decimal("167.50")

    with django_capture_on_commit_callbacks(execute=True):
        _order(
            scoped, owner, Contact.objects.get(first_name="Bob"), "B2", "USD", "2.50", "2026-06-01"
        )
    scoped.refresh_from_db()

    assert segment_report(workspace=scoped, segment=segment).lifetime_revenue == Decimal("170.00")


def test_the_report_asks_four_queries_however_many_members_and_deals(scoped, owner, segment):
    """The members' counts, their deals, the rates, their orders: the segment's SQL is read
    inside each, never member by member."""
    with CaptureQueriesContext(connection) as few:
        segment_report(workspace=scoped, segment=segment)
    pipeline = make_pipeline(scoped, owner, name="More")
    for i in range(10):
        lead = make_contact(scoped, owner, first_name=f"Lead {i}", lifecycle_stage="lead")
        _order(scoped, owner, lead, f"L{i}", "EUR", "1.00", f"2026-03-0{i % 9 + 1}")
        data = {"name": f"Deal {i}", "amount": "1", "currency": "EUR", "pipeline_id": pipeline.pk}
        deal_create(workspace=scoped, actor=owner, data=data | {"contacts": [{"id": lead.pk}]})

    with CaptureQueriesContext(connection) as many:
        report = segment_report(workspace=scoped, segment=segment)

    assert (report.members, report.buyers, report.open_deals) == (13, 12, 11)
    assert len(few) == len(many) == 4


def test_lost_deals_and_deals_won_over_a_year_ago_are_left_out(scoped, owner, segment):
    ann = Contact.objects.get(first_name="Ann")
    pipeline = make_pipeline(scoped, owner, name="Older")
    stages = stage_ids(pipeline)
    for name, stage in (("Lost", "Lost"), ("Won long ago", "Won")):
        data = {"name": name, "amount": "70", "pipeline_id": pipeline.pk, "stage_id": stages[stage]}
        data |= {"contacts": [{"id": ann.pk}], "lost_reason": "Price"}
        deal_create(workspace=scoped, actor=owner, data=data)
    Deal.objects.filter(name="Won long ago").update(
        closed_at=timezone.now() - dt.timedelta(days=400)
    )

    report = segment_report(workspace=scoped, segment=segment)

    assert (report.open_deals, report.open_pipeline) == (1, Decimal("240.00"))
    assert report.won_last_year == Decimal("100.00")
