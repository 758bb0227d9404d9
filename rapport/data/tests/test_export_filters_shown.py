"""The exports page names an export's filters as the list does, read in its own workspace."""

from html import unescape as html_unescape
from urllib.parse import parse_qs

import pytest

from rapport.contacts.tests.factories import make_company
from rapport.data.export_services import export_record
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
