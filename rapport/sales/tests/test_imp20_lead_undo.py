"""An update import's undo puts a lead back exactly as it was: the status, the disqualify
reason the import set (cleared), the message it replaced, each in the lead's audit trail."""

from django.utils import timezone

from rapport.audit.models import AuditEntry
from rapport.data.importers import Importer
from rapport.sales.importers import LeadImporter
from rapport.sales.leads import lead_create, lead_disqualify
from rapport.sales.models import Lead, ScoringRule
from rapport.sales.tests.test_importers import _import, _undo
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.services import workspace_create


def _lead_state(lead):
    lead.refresh_from_db()
    return (lead.status, lead.disqualify_reason, lead.message, lead.job_title)


def test_undoing_a_disqualifying_update_clears_the_reason_it_set(workspace, owner):
    with workspace_scope(workspace):
        lead = lead_create(
            workspace=workspace,
            actor=owner,
            data={"email": "a@x.io", "status": "new", "message": "Call me", "job_title": ""},
        )
        before = _lead_state(lead)
    text = "Email,Status,Disqualify reason,Message,Job title\na@x.io,Disqualified,Spam,,CTO\n"
    text = text.replace(",,CTO", ",Not now,CTO")

    batch = _import(workspace, owner, "leads", text, mode="update")

    assert batch.updated == 1
    with workspace_scope(workspace):
        assert _lead_state(lead) == ("disqualified", "Spam", "Not now", "CTO")
    _undo(batch, owner)
    with workspace_scope(workspace):
        assert _lead_state(lead) == before == ("new", "", "Call me", "")
        last = AuditEntry.objects.filter(entity="sales.lead", object_id=lead.pk).latest("id")
        assert last.changes["status"] == ["disqualified", "new"]
        assert last.changes["disqualify_reason"] == ["Spam", ""]
        assert last.changes["message"] == ["Not now", "Call me"]


def test_undoing_a_reopening_update_puts_the_lead_and_its_reason_back(workspace, owner):
    with workspace_scope(workspace):
        lead = lead_create(workspace=workspace, actor=owner, data={"email": "a@x.io"})
        lead_disqualify(workspace=workspace, actor=owner, lead=lead, reason="No budget")
        before = _lead_state(lead)

    batch = _import(workspace, owner, "leads", "Email,Status\na@x.io,Working\n", mode="update")

    with workspace_scope(workspace):
        assert Lead.objects.get().status == "working"
    _undo(batch, owner)
    with workspace_scope(workspace):
        assert _lead_state(lead) == before == ("disqualified", "No budget", "", "")


UPDATES = (
    "Email,Status,Disqualify reason,Message,Job title,First name\n"
    "a@x.io,Disqualified,Spam,Not now,CTO,\n"
    "b@x.io,Working,,,,Bea\n"
    "a@x.io,,,Later,,Ann\n"  # Ann again: her undo ends as she was before the first row
    "c@x.io,Qualified,,,,\n"
)


def _leads(workspace, owner):
    with workspace_scope(workspace):
        ScoringRule.objects.create(
            workspace=workspace,
            target="lead",
            field="job_title",
            operator="equals",
            value="CTO",
            points=20,
        )
        lead_create(
            workspace=workspace, actor=owner, data={"email": "a@x.io", "message": "Call me"}
        )
        b = lead_create(workspace=workspace, actor=owner, data={"email": "b@x.io"})
        lead_disqualify(workspace=workspace, actor=owner, lead=b, reason="No budget")
        lead_create(workspace=workspace, actor=owner, data={"email": "c@x.io", "job_title": "CTO"})


def _state(workspace, since):
    with workspace_scope(workspace):
        leads = list(
            Lead.objects.order_by("email").values_list(
                "email",
                "first_name",
                "status",
                "disqualify_reason",
                "message",
                "job_title",
                "score",
                "score_reasons",
            )
        )
        entries = AuditEntry.objects.filter(entity="sales.lead", at__gte=since)
        return leads, sorted(((e.action, e.object_repr, e.changes) for e in entries), key=repr)


def test_a_bulk_undo_of_leads_leaves_what_undoing_one_by_one_leaves(owner, monkeypatch):
    results = []
    for bulk in (False, True):
        if not bulk:  # the importer's base method: `restore` for each record
            monkeypatch.setattr(LeadImporter, "restore_many", Importer.restore_many)
        else:
            monkeypatch.undo()
        workspace = workspace_create(name=f"ws {bulk}", owner=owner, default_region="US")
        _leads(workspace, owner)
        before = _state(workspace, timezone.now())[0]
        batch = _import(workspace, owner, "leads", UPDATES, mode="update")
        assert (batch.updated, batch.failed) == (4, 0)
        since = timezone.now()
        _undo(batch, owner)
        state = _state(workspace, since)
        assert state[0] == before
        results.append(state)

    assert results[0] == results[1]
    assert len(results[1][1]) == 4  # an entry per record put back
