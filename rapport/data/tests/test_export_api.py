"""Exports over the API: the same formats and filters, the export scope and isolation."""

import csv
import io

import pytest

from rapport.api.testing import ApiClient, problem_fields, schema_operations
from rapport.contacts.tests.factories import make_contact
from rapport.data.models import DataExport
from rapport.data.tests.workbooks import sheet_rows


@pytest.fixture
def people(workspace, other_workspace):
    make_contact(workspace, first_name="Cara", lifecycle_stage="customer")
    make_contact(workspace, first_name="Lea", lifecycle_stage="lead")
    make_contact(other_workspace, first_name="Secret", lifecycle_stage="customer")


def test_the_api_exports_the_filtered_csv_of_the_callers_workspace(owner, workspace, people):
    api = ApiClient.with_token(owner, workspace)
    response = api.get("/exports/contacts/csv", {"lifecycle_stage": "customer"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[1] for r in rows[1:]] == ["Cara"]
    assert DataExport.unscoped.get().rows == 1


def test_the_api_exports_a_workbook(owner, workspace, people):
    response = ApiClient.with_token(owner, workspace).get("/exports/contacts/xlsx")
    rows = sheet_rows(b"".join(response.streaming_content))
    assert sorted(r[1] for r in rows[1:]) == ["Cara", "Lea"]


def test_an_outsider_exports_only_their_own_workspace(outsider, other_workspace, people):
    response = ApiClient.with_token(outsider, other_workspace).get("/exports/contacts/csv")
    body = b"".join(response.streaming_content).decode()
    assert "Secret" in body and "Cara" not in body


def test_a_viewer_may_not_export_through_the_api(viewer, workspace, people):
    response = ApiClient.with_token(viewer, workspace).get("/exports/contacts/csv")
    assert response.status_code == 403
    assert not DataExport.unscoped.exists()


def test_a_bad_format_is_a_problem_naming_the_field(owner, workspace, people):
    response = ApiClient.with_token(owner, workspace).get("/exports/contacts/pdf")
    assert response.status_code == 400
    assert "format" in problem_fields(response)


def test_the_export_operations_are_the_ones_these_tests_cover(db):
    # A new export endpoint needs its outsider and viewer cases here.
    assert schema_operations("/exports/") == {
        ("get", "/exports/{entity}/{file_format}"),
        ("get", "/exports/jobs/{export_id}"),
        ("get", "/exports/jobs/{export_id}/file"),
    }


@pytest.mark.parametrize("entity", ["contacts", "companies", "leads", "deals", "orders", "tickets"])
def test_a_viewer_may_export_no_list_through_the_api(viewer, workspace, entity):
    response = ApiClient.with_token(viewer, workspace).get(f"/exports/{entity}/csv")
    assert response.status_code == 403
