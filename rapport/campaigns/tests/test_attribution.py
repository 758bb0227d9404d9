"""Attribution maths and the campaign report, on hand-built touches and deals."""

import datetime as dt
from decimal import Decimal

import time_machine

from rapport.campaigns.attribution import campaign_attribution
from rapport.campaigns.models import EventKind, Recipient, RecipientStatus, TrackingEvent
from rapport.campaigns.queries import campaign_report
from rapport.campaigns.tests.factories import make_campaign, make_template
from rapport.contacts.tests.factories import make_contact
from rapport.sales.leads import lead_convert, lead_create
from rapport.sales.services import deal_create, deal_update, exchange_rate_set
from rapport.sales.tests.factories import make_pipeline, stage_ids

UTC = dt.UTC


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, 12, tzinfo=UTC)


def touch(workspace, campaign, contact, kind, day, status=RecipientStatus.SENT):
    recipient, _ = Recipient.objects.get_or_create(
        workspace=workspace,
        campaign=campaign,
        contact=contact,
        email=contact.email,
        defaults={"status": status},
    )
    TrackingEvent.objects.create(
        workspace=workspace,
        recipient=recipient,
        campaign=campaign,
        contact=contact,
        kind=kind,
        at=at(day),
    )


def won_deal(workspace, owner, pipeline, day, **data):
    with time_machine.travel(at(day), tick=False):
        return deal_create(
            workspace=workspace,
            actor=owner,
            data={"pipeline_id": pipeline.pk, "stage_id": stage_ids(pipeline)["Won"], **data},
        )


def test_first_and_last_touch_split_won_revenue_in_the_base_currency(scoped, workspace, owner):
    template = make_template(workspace, owner)
    a, b, c = (
        make_campaign(workspace, owner, name=n, template_id=template.pk) for n in ("A", "B", "C")
    )
    pipeline = make_pipeline(workspace, owner)
    exchange_rate_set(
        workspace=workspace, actor=owner, currency="EUR", day=at(1).date(), rate="1.1"
    )
    ann = make_contact(workspace, first_name="Ann", emails=["ann@x.example"])
    bo = make_contact(workspace, first_name="Bo", emails=["bo@x.example"])
    touch(workspace, a, ann, EventKind.OPEN, 2)
    touch(workspace, b, ann, EventKind.CLICK, 3)
    won_deal(
        workspace,
        owner,
        pipeline,
        5,
        name="Ann's",
        amount="1000",
        currency="EUR",
        contacts=[ann.pk],
    )
    touch(workspace, c, ann, EventKind.CLICK, 6)  # after the win: not a touch of that deal
    won_deal(
        workspace,
        owner,
        pipeline,
        7,
        name="Untouched",
        amount="50",
        currency="USD",
        contacts=[bo.pk],
    )
    with time_machine.travel(at(1), tick=False):
        lead = lead_create(
            workspace=workspace,
            actor=owner,
            data={"first_name": "Cy", "email": "cy@x.example", "campaign_id": c.pk},
        )
    with time_machine.travel(at(8), tick=False):
        conversion = lead_convert(
            workspace=workspace,
            actor=owner,
            lead=lead,
            deal={
                "name": "Cy's",
                "amount": "500",
                "currency": "USD",
                "pipeline_id": pipeline.pk,
                "stage_id": stage_ids(pipeline)["Won"],
            },
        )
    touch(workspace, a, conversion.contact, EventKind.CLICK, 4)

    result = campaign_attribution(workspace=workspace)

    assert result[a.pk].first_touch_revenue == Decimal("1100.00")
    assert result[a.pk].last_touch_revenue == Decimal("500.00")
    assert result[b.pk].first_touch_revenue == 0
    assert result[b.pk].last_touch_revenue == Decimal("1100.00")
    assert result[c.pk].first_touch_revenue == Decimal("500.00")
    assert result[c.pk].last_touch_revenue == 0
    assert (result[a.pk].first_touch_deals, result[c.pk].first_touch_deals) == (1, 1)
    total_first = sum(r.first_touch_revenue for r in result.values())
    assert total_first == Decimal("1600.00")  # the untouched deal is nobody's


def test_the_report_counts_recipients_once_and_computes_roi(scoped, workspace, owner):
    campaign = make_campaign(workspace, owner, cost="200", currency="USD")
    pipeline = make_pipeline(workspace, owner)
    people = [
        make_contact(workspace, first_name=f"P{n}", emails=[f"p{n}@x.example"]) for n in range(4)
    ]
    touch(workspace, campaign, people[0], EventKind.OPEN, 2)
    touch(workspace, campaign, people[0], EventKind.OPEN, 3)  # twice: one opener
    touch(workspace, campaign, people[0], EventKind.CLICK, 3)
    touch(workspace, campaign, people[1], EventKind.OPEN, 2)
    touch(workspace, campaign, people[2], EventKind.BOUNCE, 2)
    touch(workspace, campaign, people[3], EventKind.UNSUBSCRIBE, 2, status=RecipientStatus.SENT)
    Recipient.objects.create(
        workspace=workspace,
        campaign=campaign,
        contact=people[3],
        email="other@x.example",
        status=RecipientStatus.SKIPPED,
    )
    lead_create(
        workspace=workspace, actor=owner, data={"first_name": "L", "campaign_id": campaign.pk}
    )
    # A lead of another campaign that happens to share the name is not this one's.
    namesake = make_campaign(workspace, owner, name=campaign.name, template_id=campaign.template_id)
    lead_create(
        workspace=workspace, actor=owner, data={"first_name": "M", "campaign_id": namesake.pk}
    )
    won_deal(
        workspace,
        owner,
        pipeline,
        9,
        name="Won",
        amount="500",
        currency="USD",
        contacts=[people[0].pk],
    )

    report = campaign_report(workspace=workspace, campaign=campaign)

    assert (report.recipients, report.skipped, report.sent) == (5, 1, 4)
    assert (report.bounced, report.delivered) == (1, 3)
    assert (report.opened, report.clicked, report.unsubscribed) == (2, 1, 1)
    assert report.leads == 1
    assert report.attributed.first_touch_revenue == Decimal("500.00")
    assert report.roi == {"first_touch": Decimal("1.50"), "last_touch": Decimal("1.50")}
    assert report.rate(report.opened) == 2 / 3


def test_a_deals_own_campaign_is_credited_before_its_leads(scoped, workspace, owner):
    template = make_template(workspace, owner)
    by_lead, by_deal, mailed = (
        make_campaign(workspace, owner, name=n, template_id=template.pk)
        for n in ("Lead's", "Deal's", "Mailed")
    )
    pipeline = make_pipeline(workspace, owner)
    won = {"pipeline_id": pipeline.pk, "stage_id": stage_ids(pipeline)["Won"]}
    leads = []
    for day, name in ((1, "Kept"), (2, "Changed")):
        with time_machine.travel(at(day), tick=False):
            lead = lead_create(
                workspace=workspace,
                actor=owner,
                data={"email": f"{name}@x.example", "campaign_id": by_lead.pk},
            )
        with time_machine.travel(at(10), tick=False):
            deal = lead_convert(
                workspace=workspace,
                actor=owner,
                lead=lead,
                deal={"name": name, "amount": "100", "currency": "USD", **won},
            ).deal
        assert deal is not None
        leads.append(deal)
    kept, changed = leads
    with time_machine.travel(at(10), tick=False):
        deal_update(
            workspace=workspace, actor=owner, deal=changed, data={"campaign_id": by_deal.pk}
        )
    # The changed deal's contact was mailed on day 3, after its lead (day 2) but before the
    # deal (day 10): the deal's own campaign counts from the deal's creation, so it is last.
    touch(workspace, mailed, changed.contacts.get(), EventKind.CLICK, 3)
    # A deal made by hand with a campaign and no lead.
    won_deal(
        workspace,
        owner,
        pipeline,
        11,
        name="Own",
        amount="40",
        currency="USD",
        campaign_id=by_deal.pk,
    )

    result = campaign_attribution(workspace=workspace)

    # Kept keeps its lead's campaign, touched at the lead's creation (day 1): first and last.
    assert (result[by_lead.pk].first_touch_revenue, result[by_lead.pk].last_touch_revenue) == (
        Decimal("100.00"),
        Decimal("100.00"),
    )
    assert result[by_lead.pk].deal_ids == {kept.pk}  # never the changed deal's
    assert result[mailed.pk].first_touch_revenue == Decimal("100.00")
    assert result[by_deal.pk].first_touch_revenue == Decimal("40.00")
    assert result[by_deal.pk].last_touch_revenue == Decimal("140.00")
