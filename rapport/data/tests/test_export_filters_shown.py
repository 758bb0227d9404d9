"""The exports page names an export's filters as the list does, read in its own workspace."""

from html import unescape as html_unescape
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data.export_services import export_record
from rapport.data.models import DataExport
from rapport.marketing.tests.factories import make_segment
from rapport.sales.tests.factories import make_pipeline, stage_ids
from rapport.service.services import team_create
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def _queued(workspace, owner, entity, filters):
    with workspace_scope(workspace):
        return export_record(
            workspace=workspace,
            actor=owner,
            entity=entity,
            file_format="xlsx",
            filters=filters,
            rows=1,
            query="",
        )


def test_filters_read_as_labels_and_names_with_a_link_to_the_list(
    owner_client, workspace, owner, member
):
    member.first_name, member.last_name = "Mia", "Moss"
    member.save()
    filters = {"lifecycle_stage": "churned", "owner": str(member.pk), "tag": "vip"}
    export = _queued(workspace, owner, "contacts", {**filters, "sort": "name"})

    html = owner_client.get("/exports/").content.decode()

    row = html[html.index(f'id="export-{export.pk}"') :]
    assert "Lifecycle stage: <strong>Churned</strong>" in row
    assert "Owner: <strong>Mia Moss</strong>" in row
    assert "Tag: <strong>vip</strong>" in row
    assert "lifecycle_stage=churned" not in row.split('href="')[0]
    href = html_unescape(row.split('class="export-list-link" href="')[1].split('"')[0])
    path, query = href.split("?")
    assert path == "/contacts/"
    assert parse_qs(query) == {k: [v] for k, v in {**filters, "sort": "name"}.items()}


def test_another_workspaces_ids_are_never_named(
    owner_client, workspace, owner, outsider, other_workspace
):
    theirs = make_company(other_workspace, name="Globex Secret")
    export = _queued(
        workspace, owner, "orders", {"owner": str(outsider.pk), "company_id": str(theirs.pk)}
    )

    html = owner_client.get("/exports/").content.decode()

    row = html[html.index(f'id="export-{export.pk}"') :]
    assert "oscar" not in row and "Globex Secret" not in row
    assert f"Owner: <strong>#{outsider.pk} (unknown)</strong>" in row
    assert f"Company: <strong>#{theirs.pk} (unknown)</strong>" in row


def _row(html, export):
    return html[html.index(f'id="export-{export.pk}"') :].split("</tr>")[0]


def _list_link(row):
    return html_unescape(row.split('class="export-list-link" href="')[1].split('"')[0])


def test_sales_exports_name_their_pipeline_stage_and_contact_and_link_back(
    owner_client, workspace, owner
):
    with workspace_scope(workspace):
        pipeline = make_pipeline(workspace, owner, name="Renewals")
        stage = stage_ids(pipeline)["Proposal"]
    anna = make_contact(workspace, first_name="Anna", last_name="Smith")
    deals = _queued(workspace, owner, "deals", {"pipeline": str(pipeline.pk), "stage": str(stage)})
    orders = _queued(workspace, owner, "orders", {"contact_id": str(anna.pk), "status": "paid"})

    html = owner_client.get("/exports/").content.decode()

    deal_row = _row(html, deals)
    assert "Pipeline: <strong>Renewals</strong>" in deal_row
    assert "Stage: <strong>Proposal</strong>" in deal_row
    assert _list_link(deal_row).startswith("/deals/?")
    order_row = _row(html, orders)
    assert "Contact: <strong>Anna Smith</strong>" in order_row
    assert "Status: <strong>Paid</strong>" in order_row
    assert _list_link(order_row).startswith("/orders/?")


def test_a_ticket_export_links_to_its_queue_view_and_names_its_team(owner_client, workspace, owner):
    with workspace_scope(workspace):
        team = team_create(
            workspace=workspace, actor=owner, name="Billing", assignment="manual", member_ids=[]
        )
    export = _queued(workspace, owner, "tickets", {"view": "unassigned", "team": str(team.pk)})
    typed = _queued(workspace, owner, "tickets", {"view": "no such/view"})

    html = owner_client.get("/exports/").content.decode()

    row = _row(html, export)
    assert "Team: <strong>Billing</strong>" in row
    assert _list_link(row).startswith("/tickets/unassigned/?")
    assert "export-list-link" not in _row(html, typed)  # no URL takes it: no link, no error


def test_a_segment_members_export_names_its_segment(owner_client, workspace, owner):
    segment = make_segment(workspace, owner, name="Lapsed buyers")
    export = _queued(workspace, owner, "segment-members", {"segment": str(segment.pk)})

    html = owner_client.get("/exports/").content.decode()

    assert "Segment: <strong>Lapsed buyers</strong>" in _row(html, export)


def test_the_page_looks_up_each_kind_of_name_once_however_many_exports(
    owner_client, workspace, owner, member
):
    def page_queries(exports: int) -> int:
        for _ in range(exports):
            _queued(workspace, owner, "contacts", {"owner": str(member.pk)})
            _queued(workspace, owner, "orders", {"company_id": str(make_company(workspace).pk)})
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get("/exports/").status_code == 200
        return len(ctx.captured_queries)

    few = page_queries(1)
    assert page_queries(10) == few


def test_an_export_of_an_app_since_removed_shows_its_filters_as_asked(
    owner_client, workspace, owner
):
    export = _queued(workspace, owner, "contacts", {"colour": "teal"})
    DataExport._base_manager.filter(pk=export.pk).update(entity="gone")

    row = _row(owner_client.get("/exports/").content.decode(), export)

    assert "colour: <strong>teal</strong>" in row
    assert "export-list-link" not in row
