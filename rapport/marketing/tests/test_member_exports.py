"""Exports of a segment's and a static list's members: the contacts export's columns, only
the members, only this workspace's segment or list, a bad or foreign id refused by name."""

import pytest

from rapport.api.testing import ApiClient, problem_fields
from rapport.contacts.tests.factories import make_contact
from rapport.data import exports
from rapport.data.tests.test_exports import by_header, csv_rows
from rapport.marketing.services import static_list_add, static_list_create
from rapport.marketing.tests.factories import make_segment
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
viewer_client = fixtures.viewer_client
plain_static_storage = fixtures.plain_static_storage

LEADS = {"op": "and", "rules": [{"type": "lifecycle_stage", "op": "is", "stage": "lead"}]}


@pytest.fixture
def people(workspace):
    return {
        name: make_contact(
            workspace,
            first_name=name,
            last_name="Diaz",
            emails=[f"{name.lower()}@example.com"],
            lifecycle_stage=stage,
        )
        for name, stage in (("Ann", "customer"), ("Bob", "lead"), ("Cy", "lead"))
    }


@pytest.fixture
def theirs(other_workspace):
    make_contact(other_workspace, first_name="Secret", lifecycle_stage="lead")
    segment = make_segment(other_workspace, name="Their leads", definition=LEADS)
    with workspace_scope(other_workspace):
        their_list = static_list_create(workspace=other_workspace, actor=None, data={"name": "X"})
    return segment, their_list


def test_a_segments_export_holds_its_current_members_with_the_contact_columns(
    owner_client, workspace, people
):
    segment = make_segment(workspace, name="Leads", definition=LEADS)
    rows = csv_rows(owner_client.get(f"/exports/segment-members.csv?segment={segment.pk}"))
    contacts = csv_rows(owner_client.get("/exports/contacts.csv"))

    assert rows[0] == contacts[0]
    assert [(r["first_name"], r["email"]) for r in by_header(rows)] == [
        ("Bob", "bob@example.com"),
        ("Cy", "cy@example.com"),
    ]


def test_a_lists_export_holds_its_members_and_vcards_too(owner_client, workspace, people):
    with workspace_scope(workspace):
        static_list = static_list_create(workspace=workspace, actor=None, data={"name": "Fair"})
        static_list_add(
            workspace=workspace,
            actor=None,
            static_list=static_list,
            contact_ids=[people["Ann"].pk, people["Cy"].pk],
        )

    rows = by_header(csv_rows(owner_client.get(f"/exports/list-members.csv?list={static_list.pk}")))
    vcards = owner_client.get(f"/exports/list-members.vcf?list={static_list.pk}")

    assert [r["first_name"] for r in rows] == ["Ann", "Cy"]
    assert vcards.status_code == 200
    body = b"".join(vcards.streaming_content).decode()
    assert body.count("BEGIN:VCARD") == 2
    assert "ann@example.com" in body and "bob@example.com" not in body


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/exports/segment-members.csv", "segment: must be the id of a segment"),
        ("/exports/segment-members.csv?segment=x", "segment: must be the id of a segment"),
        ("/exports/list-members.csv?list=", "list: must be the id of a static list"),
    ],
)
def test_a_missing_or_bad_id_is_refused_naming_the_parameter(owner_client, people, path, message):
    response = owner_client.get(path)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_another_workspaces_segment_or_list_is_refused_and_nothing_leaves(
    owner_client, people, theirs
):
    segment, their_list = theirs
    by_segment = owner_client.get(f"/exports/segment-members.csv?segment={segment.pk}")
    by_list = owner_client.get(f"/exports/list-members.csv?list={their_list.pk}")

    assert by_segment.status_code == by_list.status_code == 400
    assert "segment: is not a segment of this workspace" in by_segment.content.decode()
    assert "list: is not a static list of this workspace" in by_list.content.decode()
    assert "Secret" not in by_segment.content.decode() + by_list.content.decode()


def test_a_viewer_may_not_export_members_nor_sees_the_buttons(
    viewer_client, owner_client, workspace, people
):
    segment = make_segment(workspace, name="Leads", definition=LEADS)
    page = f"/marketing/segments/{segment.pk}/"

    assert (
        viewer_client.get(f"/exports/segment-members.csv?segment={segment.pk}").status_code == 403
    )
    assert b"export-csv" not in viewer_client.get(page).content
    assert f"/exports/segment-members.csv?segment={segment.pk}".encode() in (
        owner_client.get(page).content
    )


def test_both_member_exports_are_registered():
    assert {"segment-members", "list-members"} <= {e.entity for e in exports.exporters()}


def test_the_api_exports_a_segment_and_names_a_foreign_one(owner, workspace, people, theirs):
    api = ApiClient.with_token(owner, workspace)
    segment = make_segment(workspace, name="Leads", definition=LEADS)

    ours = api.get("/exports/segment-members/csv", {"segment": segment.pk})
    foreign = api.get("/exports/segment-members/csv", {"segment": theirs[0].pk})

    assert [r["first_name"] for r in by_header(csv_rows(ours))] == ["Bob", "Cy"]
    assert foreign.status_code == 400
    assert problem_fields(foreign) == {"segment": "is not a segment of this workspace"}
