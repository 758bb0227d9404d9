import datetime as dt

import time_machine

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_contact
from rapport.core.timeline import timeline_for
from rapport.sales.services import product_create
from rapport.service.reports import (
    complaint_report,
    complaint_totals,
    service_charts,
    service_kpis,
    service_trend,
)
from rapport.service.services import (
    calendar_create,
    sla_policy_create,
    ticket_create,
    ticket_reply,
    ticket_set_status,
)
from rapport.service.sweep import sla_sweep

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)  # a Monday


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def always_open_policy(ws, actor):
    calendar = calendar_create(
        workspace=ws,
        actor=actor,
        data={
            "name": "24/7",
            "timezone": "UTC",
            "weekly_hours": {
                d: ["00:00-00:00"] for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            },
        },
    )
    sla_policy_create(
        workspace=ws,
        actor=actor,
        data={
            "name": "p",
            "calendar_id": calendar.pk,
            "targets": {"normal": {"first_response": 60, "resolution": 480}},
        },
    )


def ticket(ws, actor, requester, **extra):
    return ticket_create(
        workspace=ws,
        actor=actor,
        data={
            "subject": extra.pop("subject", "Help"),
            "body": "b",
            "requester_id": requester.pk,
            **extra,
        },
    )


def test_kpis_from_a_hand_computed_fixture(scoped, owner):
    always_open_policy(scoped, owner)
    ann = make_contact(scoped, owner)
    with at(T0):
        fast, slow, open_ = (ticket(scoped, owner, ann, subject=s) for s in "abc")
    with at(T0 + dt.timedelta(minutes=30)):
        ticket_reply(workspace=scoped, actor=owner, ticket=fast, body="hi")  # 0.5 h
    with at(T0 + dt.timedelta(hours=2)):
        ticket_reply(workspace=scoped, actor=owner, ticket=slow, body="hi")  # 2 h
    with at(T0 + dt.timedelta(hours=4)):  # within the 8h target
        ticket_set_status(workspace=scoped, actor=owner, ticket=fast, status="solved")
    with at(T0 + dt.timedelta(hours=12)):  # past it
        ticket_set_status(workspace=scoped, actor=owner, ticket=slow, status="solved")
        ticket_reply(workspace=scoped, actor=None, ticket=slow, body="no", contact=ann)
        ticket_set_status(workspace=scoped, actor=owner, ticket=slow, status="solved")
    kpis = service_kpis(
        start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1), now=T0 + dt.timedelta(hours=24)
    )
    assert (kpis.created, kpis.solved, kpis.backlog) == (3, 2, 1)
    assert kpis.median_first_response_hours == 1.25  # median of 0.5 and 2
    assert kpis.median_resolution_hours == 8.0  # median of 4 and 12
    assert kpis.sla_compliance == 0.5
    assert kpis.reopen_rate == 0.5
    assert kpis.backlog_median_age_hours == 24.0
    assert open_.status == "new"


def test_the_trend_counts_each_figure_in_the_week_it_happened(scoped, owner):
    always_open_policy(scoped, owner)
    ann = make_contact(scoped, owner)
    with at(T0):  # Monday 2 March
        early, late = (ticket(scoped, owner, ann, subject=s) for s in "ab")
    with at(T0 + dt.timedelta(hours=1)):
        ticket_reply(workspace=scoped, actor=owner, ticket=early, body="hi")
        ticket_set_status(workspace=scoped, actor=owner, ticket=early, status="solved")
    with at(T0 + dt.timedelta(days=8)):  # the next week, past the 8 h resolution target
        ticket_reply(workspace=scoped, actor=owner, ticket=late, body="hi")
        ticket_set_status(workspace=scoped, actor=owner, ticket=late, status="solved")
        ticket(scoped, owner, ann, subject="c")
    trend = service_trend(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 15), size="week")
    assert [p.bucket for p in trend] == [
        dt.date(2026, 2, 23),  # the week of Sunday 1 March starts on Monday 23 February
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 9),
    ]
    first, this, next_ = trend
    assert (first.created, first.solved, first.sla_compliance) == (0, 0, None)
    assert (this.created, this.solved, this.sla_compliance) == (2, 1, 1.0)
    assert this.median_first_response_hours == 96.5  # 1 h and 8 days, both opened this week
    assert this.median_resolution_hours == 1.0
    assert (next_.created, next_.solved, next_.sla_compliance) == (1, 1, 0.0)
    assert next_.median_resolution_hours == 192.0
    charts = service_charts(trend=trend, complaints=[])
    assert charts["labels"] == ["2026-02-23", "2026-03-02", "2026-03-09"]
    assert charts["created"] == [0, 2, 1] and charts["sla_compliance"] == [None, 100.0, 0.0]


def test_complaints_chart_stacks_causes_per_month():
    rows = [
        {"month": "2026-01", "root_cause": "Courier", "product": "A", "complaints": 2},
        {"month": "2026-01", "root_cause": "Courier", "product": "B", "complaints": 1},
        {"month": "2026-02", "root_cause": "Billing", "product": "A", "complaints": 4},
    ]
    charts = service_charts(trend=[], complaints=rows)
    assert charts["complaint_months"] == ["2026-01", "2026-02"]
    assert charts["complaints_by_cause"] == {"Billing": [0, 4], "Courier": [3, 0]}


def test_complaint_totals_sum_per_cause_and_weigh_each_months_average_by_what_it_resolved():
    def row(month, cause, product, complaints, resolved, hours):
        return {
            "month": month,
            "root_cause": cause,
            "product": product,
            "complaints": complaints,
            "resolved": resolved,
            "avg_hours_to_resolve": hours,
        }

    rows = [
        row("2026-01", "Courier", "A", 2, 2, 10.0),
        row("2026-02", "Courier", "B", 3, 1, 40.0),  # (2 × 10 + 1 × 40) / 3 = 20
        row("2026-02", "Billing", "A", 1, 0, None),
        row("2026-03", "Billing", "A", 4, 0, None),
    ]

    by_cause = complaint_totals(rows, "root_cause")
    by_product = complaint_totals(rows, "product")

    assert by_cause == [
        {"name": "Billing", "complaints": 5, "resolved": 0, "avg_hours_to_resolve": None},
        {"name": "Courier", "complaints": 5, "resolved": 3, "avg_hours_to_resolve": 20.0},
    ]
    assert [(g["name"], g["complaints"]) for g in by_product] == [("A", 7), ("B", 3)]


def test_the_sweep_flags_each_breach_once_audits_it_and_tells_the_assignee(
    scoped, owner, django_capture_on_commit_callbacks, mailoutbox
):
    always_open_policy(scoped, owner)
    ann = make_contact(scoped, owner)
    with at(T0):
        late = ticket(scoped, owner, ann, assignee_id=owner.pk)
        answered = ticket(scoped, owner, ann)
        ticket_reply(workspace=scoped, actor=owner, ticket=answered, body="hi")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        flagged = sla_sweep(workspace=scoped, now=T0 + dt.timedelta(hours=2))
    assert flagged == [late.pk]
    assert [m.to for m in mailoutbox] == [["o@x.io"]]
    assert sla_sweep(workspace=scoped, now=T0 + dt.timedelta(hours=3)) == []
    assert (
        AuditEntry.objects.filter(
            entity="service.ticket", object_id=late.pk, changes__has_key="sla_breached_at"
        ).count()
        == 1
    )


def test_the_complaint_report_groups_by_month_cause_and_product(scoped, owner):
    ann = make_contact(scoped, owner)
    mug = product_create(workspace=scoped, actor=owner, data={"sku": "MUG", "name": "Mug"})
    with at(T0):
        a = ticket(
            scoped,
            owner,
            ann,
            ticket_type="complaint",
            root_cause="breakage",
            resolution="Sent a new mug",
            product_id=mug.pk,
        )
        ticket(
            scoped, owner, ann, ticket_type="complaint", root_cause="breakage", product_id=mug.pk
        )
        ticket(scoped, owner, ann, ticket_type="complaint", root_cause="late delivery")
        ticket(scoped, owner, ann, ticket_type="question")
    with at(T0 + dt.timedelta(hours=6)):
        ticket_set_status(workspace=scoped, actor=owner, ticket=a, status="solved")
    rows = complaint_report(start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    assert rows == [
        {
            "month": "2026-03",
            "root_cause": "breakage",
            "product": "Mug",
            "complaints": 2,
            "resolved": 1,
            "avg_hours_to_resolve": 6.0,
        },
        {
            "month": "2026-03",
            "root_cause": "late delivery",
            "product": "(none)",
            "complaints": 1,
            "resolved": 0,
            "avg_hours_to_resolve": None,
        },
    ]


def test_tickets_join_the_requesters_timeline(scoped, owner):
    ann = make_contact(scoped, owner)
    t = ticket(scoped, owner, ann, subject="Broken login")
    tickets = [i.obj for i in timeline_for(ann).items if i.kind == "ticket"]
    assert tickets == [t]
