"""An update import's undo puts a lead back exactly as it was: the status, the disqualify
reason the import set (cleared), the message it replaced, each in the lead's audit trail."""

from rapport.audit.models import AuditEntry
from rapport.sales.leads import lead_create, lead_disqualify
from rapport.sales.models import Lead
from rapport.sales.tests.test_importers import _import, _undo
from rapport.tenancy.access import workspace_scope


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
