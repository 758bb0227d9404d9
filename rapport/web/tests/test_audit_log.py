"""The audit log page: filters by who, record type, action, door and days; changes in detail."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.audit.context import audit_source
from rapport.audit.models import AuditEntry
from rapport.contacts.services import contact_delete, contact_update, custom_field_create
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
    assert "<dt>Job title</dt><dd><del>—</del> → &lt;b&gt;CEO&lt;/b&gt;</dd>" in partial
    assert "<b>CEO</b>" not in partial


@pytest.fixture
def labelled(workspace, owner):
    """Ann's stage, company and a custom field changed: what the trail stores by name."""
    with workspace_scope(workspace):
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={
                "entity": "contact",
                "label": "Customer tier",
                "key": "tier",
                "field_type": "choice",
                "choices": ["Gold", "Silver"],
            },
        )
    acme = make_company(workspace, owner, name="Acme")
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    with workspace_scope(workspace):
        contact_update(
            workspace=workspace,
            actor=owner,
            contact=ann,
            data={
                "lifecycle_stage": "customer",
                "company_ids": [acme.pk],
                "region": "Bavaria",
                "custom_fields": {"tier": "Gold"},
            },
        )
    return ann


def test_changes_read_by_the_forms_labels_and_choices_by_theirs(owner_client, labelled):
    content = owner_client.get("/settings/audit/", {"action": "update"}).content.decode()
    assert "<dt>Lifecycle stage</dt><dd><del>Lead</del> → Customer</dd>" in content
    assert "<dt>Primary company</dt><dd><del>—</del> → Acme</dd>" in content
    assert "<dt>Companies</dt><dd><del>—</del> → Acme</dd>" in content
    assert "<dt>State / region</dt><dd><del>—</del> → Bavaria</dd>" in content
    assert "<dt>Customer tier</dt><dd><del>—</del> → Gold</dd>" in content
    for raw in ("lifecycle_stage", "primary_company", "custom_fields", "tier:"):
        assert raw not in content


def test_a_record_links_to_its_page_while_it_exists_here(
    owner_client, workspace, owner, other_workspace, outsider
):
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    gone = make_contact(workspace, owner, first_name="Gone", last_name="Away")
    acme = make_company(workspace, owner, name="Acme")
    with workspace_scope(workspace):
        contact_delete(workspace=workspace, actor=owner, contact=gone)
    theirs = make_contact(other_workspace, outsider, first_name="Hidden")
    # An entry naming another workspace's record (by its id) links nowhere.
    with workspace_scope(workspace):
        AuditEntry.objects.create(
            workspace=workspace,
            source="ui",
            action="update",
            entity="contacts.contact",
            object_id=theirs.pk,
            object_repr="Stray",
            changes={},
            at=timezone.now(),
        )
    content = owner_client.get("/settings/audit/").content.decode()
    assert f'<a href="/contacts/{ann.pk}/">Ann Lee</a>' in content
    assert f'<a href="/companies/{acme.pk}/">Acme</a>' in content
    assert "Gone Away <small" in content and f'href="/contacts/{gone.pk}/"' not in content
    assert "Stray <small" in content and f'href="/contacts/{theirs.pk}/"' not in content


def test_a_page_of_the_trail_costs_the_same_queries_for_more_records(
    owner_client, workspace, owner, django_assert_max_num_queries
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get("/settings/audit/").status_code == 200
        return len(captured)

    acme = make_company(workspace, owner, name="Acme")
    make_contact(workspace, owner, first_name="Ann", company_ids=[acme.pk])
    few = queries()
    for n in range(6):
        make_company(workspace, owner, name=f"Co {n}")
        make_contact(workspace, owner, first_name=f"Bo {n}", company_ids=[acme.pk])
    assert queries() == few


def test_segments_lists_and_campaigns_link_to_their_pages_while_they_exist(
    owner_client, workspace, owner, other_workspace, outsider
):
    from rapport.campaigns.tests.factories import make_campaign
    from rapport.marketing.services import segment_delete, static_list_create
    from rapport.marketing.tests.factories import make_segment

    vips = make_segment(workspace, owner, name="VIPs")
    gone = make_segment(workspace, owner, name="Gone segment")
    with workspace_scope(workspace):
        fair = static_list_create(workspace=workspace, actor=owner, data={"name": "Trade fair"})
        segment_delete(workspace=workspace, actor=owner, segment=gone)
    spring = make_campaign(workspace, owner, name="Spring launch")
    theirs = make_segment(other_workspace, outsider, name="Theirs")
    with workspace_scope(workspace):  # an entry naming another workspace's segment by its id
        AuditEntry.objects.create(
            workspace=workspace,
            source="ui",
            action="update",
            entity="marketing.segment",
            object_id=theirs.pk,
            object_repr="Stray segment",
            changes={},
            at=timezone.now(),
        )
    content = owner_client.get("/settings/audit/").content.decode()
    assert f'<a href="/marketing/segments/{vips.pk}/">VIPs</a>' in content
    assert f'<a href="/marketing/lists/{fair.pk}/">Trade fair</a>' in content
    assert f'<a href="/campaigns/{spring.pk}/">Spring launch</a>' in content
    assert "Gone segment <small" in content and f"/marketing/segments/{gone.pk}/" not in content
    assert "Stray segment <small" in content and f"/marketing/segments/{theirs.pk}/" not in content
