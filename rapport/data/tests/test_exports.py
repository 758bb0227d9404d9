"""Exports from the list pages and the API: each format's content, the list's filters,
formula neutralisation, tenant isolation, the export scope, the audit entry and streaming."""

import csv
import io
import zipfile

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.data import exports
from rapport.data.models import DataExport
from rapport.data.tests.workbooks import sheet_rows
from rapport.sales.leads import lead_create
from rapport.sales.services import deal_create, order_upsert
from rapport.sales.tests.factories import make_pipeline
from rapport.service.tests.factories import make_ticket
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage
viewer_client = fixtures.viewer_client


def csv_rows(response):
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def by_header(rows):
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def people(workspace, other_workspace):
    initech = make_company(workspace, name="Initech")
    make_contact(
        workspace,
        first_name="Cara",
        last_name="Diaz",
        emails=["cara@initech.example"],
        lifecycle_stage="customer",
        tags=["vip"],
        company_ids=[initech.pk],
        city="Lyon",
    )
    make_contact(workspace, first_name="Lea", last_name="Moss", lifecycle_stage="lead")
    make_contact(other_workspace, first_name="Secret", lifecycle_stage="customer")
    return initech


# --- CSV ------------------------------------------------------------------------------------


def test_the_csv_holds_the_filtered_rows_with_tags_and_company(owner_client, people):
    response = owner_client.get("/exports/contacts.csv?lifecycle_stage=customer")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = by_header(csv_rows(response))
    assert [(r["first_name"], r["company"], r["tags"], r["city"]) for r in rows] == [
        ("Cara", "Initech", "vip", "Lyon")
    ]


def test_the_csv_follows_the_lists_search_and_sort(owner_client, people):
    rows = by_header(csv_rows(owner_client.get("/exports/contacts.csv?sort=name")))
    assert [r["last_name"] for r in rows] == ["Diaz", "Moss"]
    rows = by_header(csv_rows(owner_client.get("/exports/contacts.csv?q=lea")))
    assert [r["first_name"] for r in rows] == ["Lea"]


def test_a_bad_filter_is_refused_naming_it_rather_than_widening(owner_client, people):
    response = owner_client.get("/exports/contacts.csv?lifecycle_stage=king")
    assert response.status_code == 400
    assert b"lifecycle_stage" in response.content


def test_custom_fields_are_columns(owner_client, workspace, owner):
    from rapport.contacts.services import custom_field_create

    with workspace_scope(workspace):
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={"entity": "contact", "key": "tier", "label": "Tier", "field_type": "text"},
        )
    make_contact(workspace, first_name="Gold", custom_fields={"tier": "gold"})
    rows = by_header(csv_rows(owner_client.get("/exports/contacts.csv")))
    assert rows[0]["cf_tier"] == "gold"


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1+2", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_are_neutralised_in_csv(owner_client, workspace, text):
    with workspace_scope(workspace):
        Contact.objects.create(workspace=workspace, first_name=text, last_name="X")
    rows = by_header(csv_rows(owner_client.get("/exports/contacts.csv")))
    assert rows[0]["first_name"] == "'" + text


# --- XLSX and vCard -------------------------------------------------------------------------


def test_the_workbook_holds_the_filtered_rows_and_neutralises_formulas(owner_client, people):
    make_contact(people.workspace, first_name="=1+1", last_name="Evil", lifecycle_stage="customer")
    response = owner_client.get("/exports/contacts.xlsx?lifecycle_stage=customer&sort=name")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content)
    values = sheet_rows(content)
    header = values[0]
    names = [(r[header.index("first_name")], r[header.index("tags")]) for r in values[1:]]
    assert names == [("Cara", "vip"), ("'=1+1", "")]
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml


def test_contacts_export_as_vcards(owner_client, people):
    response = owner_client.get("/exports/contacts.vcf?lifecycle_stage=customer")
    assert response["Content-Type"].startswith("text/vcard")
    body = b"".join(response.streaming_content).decode()
    assert body.count("BEGIN:VCARD") == 1
    assert "N:Diaz;Cara;;;\r\n" in body
    assert "EMAIL;TYPE=INTERNET:cara@initech.example\r\n" in body
    assert "ORG:Initech\r\n" in body
    assert "ADR:;;;Lyon;;;\r\n" in body


def test_companies_have_no_vcard_form(owner_client, people):
    response = owner_client.get("/exports/companies.vcf")
    assert response.status_code == 400
    assert b"format" in response.content


# --- every registered list ------------------------------------------------------------------


@pytest.fixture
def sales_and_service(workspace, other_workspace, owner, outsider):
    for ws, actor, name in ((workspace, owner, "Ours"), (other_workspace, outsider, "Theirs")):
        with workspace_scope(ws):
            make_pipeline(ws, actor)
            contact = make_contact(ws, first_name=name, emails=[f"{name.lower()}@x.example"])
            lead_create(workspace=ws, actor=actor, data={"first_name": name, "status": "new"})
            deal_create(workspace=ws, actor=actor, data={"name": f"{name} deal", "amount": "10"})
            order_upsert(
                workspace=ws,
                actor=actor,
                data={
                    "external_id": f"{name}-1",
                    "ordered_at": "2026-02-10T10:00:00+00:00",
                    "currency": "EUR",
                    "contact_id": contact.pk,
                    "status": "paid",
                    "lines": [{"description": "Mug", "quantity": 1, "unit_price": "5.00"}],
                },
            )
        make_ticket(ws, actor, contact, subject=f"{name} ticket")


@pytest.mark.parametrize(
    ("path", "column", "expected"),
    [
        ("/exports/leads.csv?status=new", "first_name", ["Ours"]),
        ("/exports/leads.csv?status=qualified", "first_name", []),
        ("/exports/deals.csv?outcome=open", "name", ["Ours deal"]),
        ("/exports/deals.csv?outcome=won", "name", []),
        ("/exports/orders.csv?status=paid", "external_id", ["Ours-1"]),
        ("/exports/orders.csv?status=refunded", "external_id", []),
        ("/exports/orders.csv?q=urs-&ordered_to=2026-02-10", "external_id", ["Ours-1"]),
        ("/exports/orders.csv?ordered_from=2026-02-11", "external_id", []),
        ("/exports/orders.csv?external_id=Ours-1", "external_id", ["Ours-1"]),
        ("/exports/orders.csv?contact_id=999999", "external_id", []),
        ("/exports/tickets.csv?view=all", "subject", ["Ours ticket"]),
        ("/exports/tickets.csv?view=unassigned&status=solved", "subject", []),
    ],
)
def test_each_list_exports_its_filtered_rows_of_this_workspace(
    owner_client, sales_and_service, path, column, expected
):
    rows = by_header(csv_rows(owner_client.get(path)))
    assert [r[column] for r in rows] == expected


def test_every_list_is_registered(sales_and_service):
    assert {e.entity for e in exports.exporters()} >= {
        "contacts",
        "companies",
        "leads",
        "deals",
        "orders",
        "tickets",
    }


# --- tenancy, permissions, audit --------------------------------------------------------------


def test_another_workspaces_records_never_leave_even_when_named(
    owner_client, people, other_workspace
):
    make_company(other_workspace, name="Globex")
    assert csv_rows(owner_client.get("/exports/contacts.csv?company=Globex")) == [
        csv_rows(owner_client.get("/exports/contacts.csv"))[0]
    ]
    rows = by_header(csv_rows(owner_client.get("/exports/contacts.csv")))
    assert {r["first_name"] for r in rows} == {"Cara", "Lea"}


def test_a_viewer_may_not_export(viewer_client, people):
    assert viewer_client.get("/exports/contacts.csv").status_code == 403
    assert not DataExport.unscoped.exists()


def test_a_viewer_sees_no_export_buttons(viewer_client, owner_client, people):
    assert b"export-csv" not in viewer_client.get("/contacts/").content
    assert b"export-csv" in owner_client.get("/contacts/").content


def test_an_unknown_list_is_refused(owner_client, people):
    assert owner_client.get("/exports/passwords.csv").status_code == 400


def test_each_export_is_in_the_audit_trail_with_its_row_count(owner_client, owner, people):
    csv_rows(owner_client.get("/exports/contacts.csv?lifecycle_stage=customer"))
    export = DataExport.unscoped.get()
    assert (export.entity, export.file_format, export.rows) == ("contacts", "csv", 1)
    assert export.filters == {"lifecycle_stage": "customer"}
    entry = AuditEntry.unscoped.get(entity="data.dataexport")
    assert entry.actor == owner and entry.source == "ui"
    assert entry.changes["rows"] == [None, 1]
    assert entry.workspace_id == people.workspace_id


# --- streaming --------------------------------------------------------------------------------


def test_the_csv_streams_and_reads_the_database_in_chunks(owner_client, workspace, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 3)
    with workspace_scope(workspace):
        Contact.objects.bulk_create(
            Contact(
                workspace=workspace, first_name=f"P{i:02d}", last_name="X", sort_name=f"x{i:02d}"
            )
            for i in range(10)
        )
    seen = []
    original = exports.QuerySet.iterator

    def spy(self, chunk_size=None):
        seen.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(exports.QuerySet, "iterator", spy)
    response = owner_client.get("/exports/contacts.csv")
    assert response.streaming
    assert seen == []  # nothing is read before the body is consumed
    rows = csv_rows(response)
    assert seen == [3] and len(rows) == 11


def test_vcard_values_are_escaped_and_long_lines_folded():
    from rapport.data.export_formats import vcard_stream
    from rapport.data.exports import ExportColumn

    columns = [ExportColumn("first_name", "first_name"), ExportColumn("company", "x")]
    org = "Smith, Jones; Partners " + "é" * 60
    body = "".join(
        vcard_stream(
            columns, [["Ann", org]], {"first_name": "first_name", "company": "organisation"}
        )
    )
    lines = body.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = body.replace("\r\n ", "")
    assert "ORG:Smith\\, Jones\\; Partners " + "é" * 60 + "\r\n" in unfolded
