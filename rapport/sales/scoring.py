"""Lead and contact scoring: per-workspace rules for fit and engagement, each explaining itself.

A contact's score is recomputed after every committed change to it or to an activity linked
to it (a background task); reaching the workspace's threshold moves a subscriber or lead to
marketing-qualified, through the contacts service, so the move is audited like any other.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from rapport.activities.models import ActivityContact, ActivityKind
from rapport.audit.context import audit_source
from rapport.audit.models import AuditAction
from rapport.audit.services import audit_record
from rapport.contacts.models import Contact, LifecycleStage
from rapport.contacts.services import Actor, Data, _Collector, contact_update
from rapport.core.errors import ServiceValidationError
from rapport.core.hooks import on_records_changed
from rapport.sales.models import (
    ContactScore,
    Lead,
    ScoringOperator,
    ScoringRule,
    ScoringSettings,
    ScoringTarget,
)
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace


def _contact_tags(c: Any) -> str:
    return ",".join(t.name for t in c.tags.all())


def _company_attr(name: str) -> Callable[[Any], str]:
    return lambda c: str(getattr(c.primary_company, name, "") or "") if c.primary_company else ""


FIT_FIELDS: dict[str, dict[str, Callable[[Any], str]]] = {
    ScoringTarget.LEAD: {
        "job_title": lambda x: x.job_title,
        "company_name": lambda x: x.company_name,
        "source": lambda x: x.source,
        "campaign": lambda x: x.campaign_label,
        "email_domain": lambda x: x.email.rsplit("@", 1)[-1] if x.email else "",
        "phone": lambda x: x.phone,
    },
    ScoringTarget.CONTACT: {
        "job_title": lambda x: x.job_title,
        "source": lambda x: x.source,
        "country": lambda x: x.country,
        "tag": _contact_tags,
        "company_industry": _company_attr("industry"),
        "company_size": _company_attr("size_band"),
        "company_country": _company_attr("country"),
    },
}


@dataclass
class Score:
    total: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: int, why: str) -> None:
        if points:
            self.total += points
            self.reasons.append(f"{points:+d} {why}")


def _matches(rule: ScoringRule, actual: str) -> bool:
    actual_l, wanted = actual.strip().lower(), rule.value.strip().lower()
    if rule.operator == ScoringOperator.PRESENT:
        return bool(actual_l)
    if rule.operator == ScoringOperator.EQUALS:
        return actual_l == wanted or wanted in actual_l.split(",")
    if rule.operator == ScoringOperator.CONTAINS:
        return bool(wanted) and wanted in actual_l
    options = {v.strip() for v in wanted.split(",") if v.strip()}
    return bool(options & ({actual_l} | set(actual_l.split(","))))


def _fit(record: Any, target: str, rules: list[ScoringRule], score: Score) -> None:
    for rule in rules:
        if not rule.field:
            continue
        label = rule.field.replace("_", " ")
        if _matches(rule, FIT_FIELDS[target][rule.field](record)):
            wording = ScoringOperator(rule.operator).label
            score.add(rule.points, f"{label} {wording} {rule.value}".rstrip())


def lead_score(lead: Lead, *, rules: list[ScoringRule] | None = None) -> Score:
    """`rules`: the workspace's lead rules, if the caller read them for many leads."""
    if rules is None:
        rules = list(ScoringRule.objects.filter(target="lead"))
    score = Score()
    _fit(lead, ScoringTarget.LEAD, rules, score)
    return score


def contact_score(contact: Contact, *, now: dt.datetime | None = None) -> Score:
    now = now or timezone.now()
    rules = list(ScoringRule.objects.filter(target=ScoringTarget.CONTACT))
    score = Score()
    _fit(contact, ScoringTarget.CONTACT, rules, score)
    for rule in rules:
        if not rule.activity_kind:
            continue
        links = ActivityContact.objects.filter(
            contact=contact,
            activity__occurred_at__gte=now - dt.timedelta(days=rule.window_days or 0),
            activity__occurred_at__lte=now,
        )
        if rule.activity_kind != "any":
            links = links.filter(activity__kind=rule.activity_kind)
        n = links.count()
        points = n * rule.points
        if rule.max_points is not None:
            points = min(points, rule.max_points) if points > 0 else max(points, -rule.max_points)
        kind = "activities" if rule.activity_kind == "any" else f"{rule.activity_kind}s"
        score.add(points, f"{n} {kind} in the last {rule.window_days} days")
    return score


def _threshold() -> int:
    settings_row = ScoringSettings.objects.first()
    return settings_row.mql_threshold if settings_row else ScoringSettings().mql_threshold


def scoring_threshold_get() -> int:
    """The workspace's marketing-qualified threshold (the default until one is set)."""
    return _threshold()


BEFORE_MQL = {LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD}


def contacts_rescore_now(*, workspace: Workspace, contact_ids: list[int]) -> None:
    threshold = _threshold()
    now = timezone.now()
    contacts = Contact.objects.filter(pk__in=contact_ids).select_related("primary_company")
    for contact in contacts.prefetch_related("tags"):
        score = contact_score(contact, now=now)
        ContactScore.objects.update_or_create(
            workspace=workspace,
            contact=contact,
            defaults={"score": score.total, "reasons": score.reasons, "computed_at": now},
        )
        if score.total >= threshold and contact.lifecycle_stage in BEFORE_MQL:
            with audit_source("system"):
                contact_update(
                    workspace=workspace,
                    actor=None,
                    contact=contact,
                    data={"lifecycle_stage": LifecycleStage.MARKETING_QUALIFIED},
                )


@task()
def contacts_rescore(workspace_id: int, contact_ids: list[int]) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace), transaction.atomic():
        contacts_rescore_now(workspace=workspace, contact_ids=contact_ids)


@on_records_changed("contacts.contact")
def _contact_changed(workspace_id: int, ids: list[int]) -> None:
    contacts_rescore.enqueue(workspace_id, ids)


@on_records_changed("activities.activity")
def _activity_changed(workspace_id: int, ids: list[int]) -> None:
    workspace = Workspace.objects.get(pk=workspace_id)
    with workspace_scope(workspace):
        contact_ids = list(
            ActivityContact.objects.filter(activity_id__in=ids).values_list("contact_id", flat=True)
        )
    if contact_ids:
        contacts_rescore.enqueue(workspace_id, contact_ids)


# --- rules ---------------------------------------------------------------------------------

RULE_FIELDS = [
    "target",
    "field",
    "operator",
    "value",
    "activity_kind",
    "window_days",
    "max_points",
    "points",
]


def scoring_rule_create(*, workspace: Workspace, actor: Actor, data: Data) -> ScoringRule:
    c = _Collector()
    for key in data.keys() - set(RULE_FIELDS):
        c.add(key, "is not a known field")
    target = data.get("target")
    if target not in ScoringTarget.values:
        c.add("target", "must be lead or contact")
    points = data.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or not -1000 <= points <= 1000:
        c.add("points", "must be a whole number from -1000 to 1000")
    is_engagement = bool(data.get("activity_kind"))
    if is_engagement:
        if target != ScoringTarget.CONTACT:
            c.add("activity_kind", "engagement rules apply to contacts")
        if data["activity_kind"] not in [*ActivityKind.values, "any"]:
            c.add("activity_kind", f"must be one of {', '.join(ActivityKind.values)} or any")
        window = data.get("window_days")
        if not isinstance(window, int) or not 1 <= window <= 3650:
            c.add("window_days", "must be a number of days from 1 to 3650")
    elif target in FIT_FIELDS:
        if data.get("field") not in FIT_FIELDS[target]:
            c.add("field", f"must be one of {', '.join(FIT_FIELDS[target])}")
        if data.get("operator") not in ScoringOperator.values:
            c.add("operator", f"must be one of {', '.join(ScoringOperator.values)}")
        if data.get("operator") != ScoringOperator.PRESENT and not str(data.get("value", "")):
            c.add("value", "is required")
    c.raise_if_any()
    with transaction.atomic():
        rule = ScoringRule.objects.create(
            workspace=workspace, **{k: v for k, v in data.items() if v is not None}
        )
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.CREATE,
            instance=rule,
            changes={k: [None, v] for k, v in data.items()},
        )
    return rule


def scoring_threshold_set(*, workspace: Workspace, actor: Actor, threshold: int) -> None:
    if not isinstance(threshold, int) or not 1 <= threshold <= 10_000:
        raise ServiceValidationError.single("mql_threshold", "must be from 1 to 10000")
    with transaction.atomic():
        row, _ = ScoringSettings.objects.get_or_create(workspace=workspace)
        before = row.mql_threshold
        row.mql_threshold = threshold
        row.save()
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.UPDATE,
            instance=row,
            changes={"mql_threshold": [before, threshold]},
        )


def scoring_rule_delete(*, workspace: Workspace, actor: Actor, rule: ScoringRule) -> None:
    """Delete a rule. Stored scores keep their old figures until the record next changes."""
    with transaction.atomic():
        audit_record(
            workspace_id=workspace.pk,
            actor=actor,
            action=AuditAction.DELETE,
            instance=rule,
            changes={k: [getattr(rule, k), None] for k in RULE_FIELDS if getattr(rule, k)},
        )
        rule.delete()
