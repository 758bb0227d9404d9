import datetime as dt

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.tests.factories import make_activity, make_company, make_contact
from rapport.core.errors import ServiceValidationError
from rapport.sales.leads import lead_create, lead_update
from rapport.sales.models import ContactScore
from rapport.sales.scoring import contact_score, scoring_rule_create, scoring_threshold_set


def rule(ws, actor, **data):
    return scoring_rule_create(workspace=ws, actor=actor, data=data)


def test_a_lead_score_adds_up_and_explains_itself(scoped, owner):
    rule(
        scoped, owner, target="lead", field="job_title", operator="contains", value="VP", points=20
    )
    rule(
        scoped,
        owner,
        target="lead",
        field="source",
        operator="in",
        value="webinar, referral",
        points=10,
    )
    rule(
        scoped,
        owner,
        target="lead",
        field="email_domain",
        operator="equals",
        value="gmail.com",
        points=-15,
    )
    lead = lead_create(
        workspace=scoped,
        actor=owner,
        data={"email": "ana@gmail.com", "job_title": "VP Sales", "source": "Referral"},
    )
    assert lead.score == 15
    assert lead.score_reasons == [
        "+20 job title contains VP",
        "+10 source is one of webinar, referral",
        "-15 email domain is gmail.com",
    ]
    lead_update(workspace=scoped, actor=owner, lead=lead, data={"job_title": "Intern"})
    assert lead.score == -5


def test_engagement_counts_activities_in_the_window_with_a_cap(scoped, owner):
    rule(
        scoped,
        owner,
        target="contact",
        activity_kind="call",
        window_days=30,
        points=10,
        max_points=25,
    )
    ann = make_contact(scoped, owner)
    now = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
    for days in (1, 5, 20, 45):
        make_activity(
            scoped,
            owner,
            kind="call",
            contact_ids=[ann.pk],
            occurred_at=now - dt.timedelta(days=days),
        )
    make_activity(scoped, owner, kind="note", contact_ids=[ann.pk], occurred_at=now)
    score = contact_score(ann, now=now)
    assert (score.total, score.reasons) == (25, ["+25 3 calls in the last 30 days"])


def test_company_fit_fields_count_for_contacts(scoped, owner):
    rule(
        scoped,
        owner,
        target="contact",
        field="company_industry",
        operator="equals",
        value="software",
        points=30,
    )
    rule(scoped, owner, target="contact", field="tag", operator="equals", value="vip", points=5)
    acme = make_company(scoped, owner, name="Acme", industry="Software")
    ann = make_contact(scoped, owner, company_ids=[acme.pk], tags=["VIP", "x"])
    assert contact_score(ann).total == 35


def test_reaching_the_threshold_makes_a_lead_marketing_qualified_after_commit(
    scoped, owner, django_capture_on_commit_callbacks
):
    scoring_threshold_set(workspace=scoped, actor=owner, threshold=20)
    rule(scoped, owner, target="contact", activity_kind="any", window_days=90, points=10)
    with django_capture_on_commit_callbacks(execute=True):
        ann = make_contact(scoped, owner, lifecycle_stage="lead")
    assert ContactScore.objects.get(contact=ann).score == 0
    with django_capture_on_commit_callbacks(execute=True):
        make_activity(scoped, owner, contact_ids=[ann.pk])
    ann.refresh_from_db()
    assert ann.lifecycle_stage == "lead"
    with django_capture_on_commit_callbacks(execute=True):
        make_activity(scoped, owner, contact_ids=[ann.pk])
    ann.refresh_from_db()
    assert ann.lifecycle_stage == "marketing_qualified"
    assert ContactScore.objects.get(contact=ann).reasons == ["+20 2 activities in the last 90 days"]
    entry = AuditEntry.objects.filter(entity="contacts.contact", action="update").first()
    assert entry is not None
    assert (entry.source, entry.actor) == ("system", None)
    assert entry.changes["lifecycle_stage"] == ["lead", "marketing_qualified"]


def test_a_customer_is_never_moved_back_to_marketing_qualified(
    scoped, owner, django_capture_on_commit_callbacks
):
    scoring_threshold_set(workspace=scoped, actor=owner, threshold=1)
    rule(scoped, owner, target="contact", field="source", operator="present", points=5)
    with django_capture_on_commit_callbacks(execute=True):
        ann = make_contact(scoped, owner, source="ads", lifecycle_stage="customer")
    ann.refresh_from_db()
    assert ann.lifecycle_stage == "customer"


@pytest.mark.parametrize(
    "data,field",
    [
        (
            {"target": "lead", "field": "shoe", "operator": "equals", "value": "x", "points": 1},
            "field",
        ),
        (
            {"target": "lead", "activity_kind": "call", "window_days": 30, "points": 1},
            "activity_kind",
        ),
        (
            {"target": "contact", "activity_kind": "call", "window_days": 0, "points": 1},
            "window_days",
        ),
        ({"target": "contact", "field": "source", "operator": "equals", "points": 1}, "value"),
        (
            {"target": "contact", "field": "source", "operator": "present", "points": "ten"},
            "points",
        ),
    ],
)
def test_bad_rules_name_the_field(scoped, owner, data, field):
    with pytest.raises(ServiceValidationError) as exc:
        rule(scoped, owner, **data)
    assert field in exc.value.as_dict()
