"""The audit log page: filters by who, record type, action, door and days; changes in detail."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.audit.context import audit_source
from rapport.audit.models import AuditEntry
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(workspace, owner, member, other_workspace, outsider):
    with audit_source("api"):
        ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    with audit_source("ui"):
        make_company(workspace, member, name="Initech")
        with workspace_scope(workspace):
            contact_update(
                workspace=workspace, actor=member, contact=ann, data={"job_title": "<b>CEO</b>"}
            )
    make_contact(other_workspace, outsider, first_name="Hidden")
    # An old entry, to be found by its day.
    with workspace_scope(workspace):
        old = AuditEntry.objects.get(entity="contacts.company")
        old.at = dt.datetime(2025, 6, 1, 23, 30, tzinfo=dt.UTC)
        old.save(update_fields=["at"])


def _shown(client, **params) -> list[tuple[str, str]]:
    page = client.get("/settings/audit/", params).context["page"]
    return [(e.entity, e.action) for e in page.items]


def test_the_trail_filters_by_who_record_type_action_door_and_days(
    owner_client, owner, member, trail
):
    everything = _shown(owner_client)
    assert sorted(everything) == [
        ("contacts.company", "create"),
        ("contacts.contact", "create"),
        ("contacts.contact", "update"),
    ]
    assert _shown(owner_client, actor=owner.pk) == [("contacts.contact", "create")]
    assert sorted(_shown(owner_client, actor=member.pk)) == [
        ("contacts.company", "create"),
        ("contacts.contact", "update"),
    ]
    assert _shown(owner_client, entity="contacts.company") == [("contacts.company", "create")]
    assert _shown(owner_client, action="update") == [("contacts.contact", "update")]
    assert sorted(_shown(owner_client, source="api")) == [("contacts.contact", "create")]
    # Days are whole and inclusive at both ends.
    june = {"at_from": "2025-06-01", "at_to": "2025-06-01"}
    assert _shown(owner_client, **june) == [("contacts.company", "create")]
    today = timezone.now().date().isoformat()
    assert len(_shown(owner_client, at_from=today)) == 2


def test_another_workspaces_entries_and_members_are_never_offered(owner_client, outsider, trail):
    content = owner_client.get("/settings/audit/").content.decode()
    assert "Hidden" not in content and f'value="{outsider.pk}"' not in content
    # Naming the outsider is refused as a choice, not answered with their entries.
    refused = owner_client.get("/settings/audit/", {"actor": outsider.pk}).content.decode()
    assert "Who: Select a valid choice." in refused and "Hidden" not in refused


def test_a_bad_filter_is_named_and_shows_no_entries(owner_client, trail):
    response = owner_client.get("/settings/audit/", {"at_from": "June", "action": "create"})
    content = response.content.decode()
    assert "From: Enter a valid date." in content
    assert response.context["page"].items == []


def test_changes_open_to_before_and_after_escaped(owner_client, trail):
    partial = owner_client.get(
        "/settings/audit/",
        {"action": "update"},
        headers={"HX-Request": "true", "HX-Target": "audit-table"},
    ).content.decode()
    assert "<html" not in partial and 'id="audit-table"' in partial
    assert "<dt>job_title</dt><dd><del>—</del> → &lt;b&gt;CEO&lt;/b&gt;</dd>" in partial
    assert "<b>CEO</b>" not in partial
