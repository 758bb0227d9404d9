"""Cases an export and a re-import must keep (imp14): formula-safe cells, tags holding a
comma or semicolon, HubSpot's ";"-joined emails, and phone kinds, read from other tools'
layouts and written by Rapport's own exports."""

import csv
import io

import pytest

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact, ContactPhone
from rapport.contacts.tests.factories import make_contact
from rapport.data.clean_pool import CleanAhead
from rapport.data.csv_files import CsvRow
from rapport.data.exports import formula_safe, formula_safe_undone
from rapport.data.importers import importer_get
from rapport.data.services import import_undo
from rapport.data.tests.test_qa13_other_tools import (
    contacts,
    export_csv,
    only_row_error,
    suggested,
)
from rapport.data.tests.test_qa13_round_trip import snapshot
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


@pytest.fixture(params=[True, False], ids=["bulk", "rows"])
def import_bulk(request):
    return request.param


def exported(client, extension):
    response = client.get(f"/exports/contacts.{extension}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def kinds(workspace, **by_number):
    """Give the phones these kinds (the contact services write work phones)."""
    with workspace_scope(workspace):
        for number, kind in by_number.items():
            ContactPhone.objects.filter(number=number).update(kind=kind)


def assert_comes_back(client, workspace, upload, run_import, extension):
    """Export the contacts, delete them and import the file: the same contacts again."""
    before = snapshot(workspace)
    raw = exported(client, extension)
    with workspace_scope(workspace):
        Contact.objects.all().delete()

    batch = run_import(upload(workspace, raw, name=f"contacts.{extension}"))

    assert (batch.created, batch.failed) == (len(before), 0)
    assert snapshot(workspace) == before


def phones(contact):
    return [(p.number, p.kind) for p in contact.phones.all()]


# --- formula-safe cells ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+2", "+44 20", "-x", "@home", "\tx", "'t Hooft", "'", ""])
def test_a_formula_safe_cell_reads_as_the_value_it_was(text):
    assert formula_safe_undone(formula_safe(text)) == text


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_cells_an_export_made_formula_safe_come_back_without_their_apostrophe(
    extension, owner_client, workspace, upload, run_import
):
    make_contact(
        workspace,
        first_name="Gerard",
        last_name="'t Hooft",  # an apostrophe of the name's own stays
        job_title="=HYPERLINK(1)",
        street="-1 Basement",
        city="@Home",
        tags=["+plus", "vip"],
    )

    assert_comes_back(owner_client, workspace, upload, run_import, extension)


# --- tags holding a comma or semicolon ----------------------------------------------------

ODD_TAGS = ["Smith, Jones", "a;b", "vip"]


@pytest.mark.parametrize("extension", ["csv", "xlsx", "vcf"])
def test_a_tag_holding_a_comma_or_semicolon_comes_back_as_one_tag(
    extension, owner_client, workspace, upload, run_import
):
    make_contact(workspace, emails=["ann@x.io"], tags=ODD_TAGS)
    make_contact(workspace, first_name="Bo", emails=["bo@x.io"], tags=["new", "vip"])

    assert_comes_back(owner_client, workspace, upload, run_import, extension)


def test_the_csv_joins_tags_with_the_multi_value_separator_only_when_one_holds_a_separator(
    owner_client, workspace
):
    make_contact(workspace, emails=["ann@x.io"], tags=ODD_TAGS)
    make_contact(workspace, first_name="Bo", emails=["bo@x.io"], tags=["new", "vip"])

    rows = csv.DictReader(io.StringIO(exported(owner_client, "csv").decode()))

    assert sorted(r["tags"] for r in rows) == ["Smith, Jones ::: a;b ::: vip", "new, vip"]


def test_the_card_escapes_a_comma_inside_a_category(owner_client, workspace):
    make_contact(workspace, emails=["ann@x.io"], tags=ODD_TAGS)

    body = exported(owner_client, "vcf").decode().replace("\r\n ", "")

    assert "CATEGORIES:Smith\\, Jones,a\\;b,vip\r\n" in body


def test_a_tags_cell_is_split_on_the_multi_value_separator_alone_when_it_holds_it(
    workspace, upload, run_import
):
    raw = export_csv(
        ["Email", "Tags"],
        [
            {"Email": "a@x.io", "Tags": "Smith, Jones ::: a;b"},
            {"Email": "b@x.io", "Tags": "x; y,z"},
        ],
    )

    batch = run_import(upload(workspace, raw))

    assert (batch.created, batch.failed) == (2, 0)
    assert [sorted(t.name for t in c.tags.all()) for c in contacts(workspace)] == [
        ["Smith, Jones", "a;b"],
        ["x", "y", "z"],
    ]


# --- HubSpot's additional emails ----------------------------------------------------------

HUBSPOT = ["Record ID", "First Name", "Email", "Additional email addresses", "Phone Number"]


def test_hubspot_s_additional_emails_are_suggested_and_each_kept(workspace, upload, run_import):
    assert suggested(HUBSPOT)["Additional email addresses"] == "email"
    raw = export_csv(
        HUBSPOT,
        [
            {
                "Record ID": "51",
                "First Name": "Ann",
                "Email": "ann@acme.io",
                "Additional email addresses": "ann@home.example;a.lee@acme.io",
            }
        ],
    )

    batch = run_import(upload(workspace, raw, name="hubspot.csv"))

    assert (batch.created, batch.failed) == (1, 0)
    [ann] = contacts(workspace)
    assert [e.email for e in ann.emails.all()] == [
        "ann@acme.io",
        "ann@home.example",
        "a.lee@acme.io",
    ]


def test_a_bad_address_among_hubspot_s_additional_emails_names_their_column(
    workspace, upload, run_import
):
    raw = export_csv(
        HUBSPOT,
        [{"First Name": "Bo", "Email": "bo@x.io", "Additional email addresses": "b@x.io; nope"}],
    )

    batch = run_import(upload(workspace, raw, name="hubspot.csv"))

    error = only_row_error(workspace, batch)
    assert (error.row, error.column) == (2, "Additional email addresses")
    assert "'nope' is not a valid email" in error.message


# --- phone kinds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "row", "expected"),
    [
        (  # Outlook
            ["First Name", "Business Phone", "Mobile Phone", "Home Phone", "Other Phone"],
            ["Ann", "+1 415 555 0100", "+1 415 555 0101", "+1 415 555 0102", "+1 415 555 0103"],
            ["work", "mobile", "home", "other"],
        ),
        (  # Salesforce
            ["First Name", "Phone", "Mobile", "Home Phone"],
            ["Ann", "+1 415 555 0100", "+1 415 555 0101", "+1 415 555 0102"],
            ["work", "mobile", "home"],
        ),
        (  # HubSpot
            ["First Name", "Phone Number", "Mobile Phone Number"],
            ["Ann", "+1 415 555 0100", "+1 415 555 0101"],
            ["work", "mobile"],
        ),
        (  # Google: a type for each value cell, one type for a cell of several numbers
            [
                "Given Name",
                "Phone 1 - Type",
                "Phone 1 - Value",
                "Phone 2 - Type",
                "Phone 2 - Value",
            ],
            ["Ann", "Mobile", "+1 415 555 0100 ::: +1 415 555 0101", "Home", "+1 415 555 0102"],
            ["mobile", "mobile", "home"],
        ),
        (  # Pipedrive
            ["Person - Name", "Person - Phone - Work", "Person - Phone - Mobile"],
            ["Ann Lee", "+1 415 555 0100", "+1 415 555 0101"],
            ["work", "mobile"],
        ),
    ],
    ids=["outlook", "salesforce", "hubspot", "google", "pipedrive"],
)
def test_phone_kinds_are_read_from_other_tools_layouts(
    columns, row, expected, workspace, upload, run_import
):
    raw = export_csv(columns, [dict(zip(columns, row, strict=True))])

    batch = run_import(upload(workspace, raw))

    assert (batch.created, batch.failed) == (1, 0)
    [ann] = contacts(workspace)
    assert [kind for _, kind in phones(ann)] == expected


def test_phone_kinds_are_read_from_a_card_s_tel_types(workspace, upload, run_import):
    cards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nFN:Ann Lee\r\n"
        "TEL;TYPE=WORK,VOICE:+1 415 555 0100\r\nTEL;TYPE=CELL,PREF:+1 415 555 0101\r\n"
        "TEL;TYPE=HOME:+1 415 555 0102\r\nTEL:+1 415 555 0103\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Ray;Bo;;;\r\nTEL;CELL:+1 415 555 0200\r\nEND:VCARD\r\n"
    )

    batch = run_import(upload(workspace, cards, name="contacts.vcf"))

    assert (batch.created, batch.failed) == (2, 0)
    ann, bo = contacts(workspace)
    assert [kind for _, kind in phones(ann)] == ["work", "mobile", "home", "work"]
    assert phones(bo) == [("+14155550200", "mobile")]


@pytest.mark.parametrize("extension", ["csv", "xlsx", "vcf"])
def test_phone_kinds_survive_an_export_and_re_import(
    extension, owner_client, workspace, upload, run_import
):
    make_contact(
        workspace,
        emails=["ann@x.io"],
        phones=["+14155550100", "+14155550101", "+14155550102", "+14155550103"],
    )
    make_contact(workspace, first_name="Bo", emails=["bo@x.io"], phones=["+14155550200"])
    kinds(workspace, **{"+14155550100": "mobile", "+14155550102": "home", "+14155550103": "other"})

    assert_comes_back(owner_client, workspace, upload, run_import, extension)


def test_the_csv_lists_every_phone_s_kind_primary_first_and_the_card_each_tel_s_type(
    owner_client, workspace
):
    make_contact(workspace, emails=["ann@x.io"], phones=["+14155550100", "+14155550101"])
    kinds(workspace, **{"+14155550100": "mobile"})

    [row] = csv.DictReader(io.StringIO(exported(owner_client, "csv").decode()))
    card = exported(owner_client, "vcf").decode()

    assert (row["phone"], row["other_phones"], row["phone_kinds"]) == (
        "'+14155550100",
        "'+14155550101",
        "mobile ::: work",
    )
    assert "TEL;TYPE=CELL,PREF:+14155550100\r\nTEL;TYPE=WORK:+14155550101\r\n" in card


def test_an_update_keeps_the_kinds_of_the_phones_it_does_not_name_and_its_undo_them_all(
    workspace, owner, upload, run_import
):
    make_contact(workspace, emails=["ann@x.io"], phones=["+14155550100"])
    kinds(workspace, **{"+14155550100": "mobile"})
    raw = export_csv(["Email", "Home Phone"], [{"Email": "ann@x.io", "Home Phone": "4155550102"}])

    batch = run_import(upload(workspace, raw), mode="update")

    assert batch.updated == 1
    [ann] = contacts(workspace)
    assert phones(ann) == [("+14155550100", "mobile"), ("+14155550102", "home")]
    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)
    [ann] = contacts(workspace)
    assert phones(ann) == [("+14155550100", "mobile")]


def test_the_cleaning_workers_get_the_phones_as_the_import_reads_them(
    workspace, upload, monkeypatch
):
    """Without their apostrophe, else none of their answers is used."""
    batch = upload(workspace, "Email,Phone\r\na@x.io,'+1 415 555 2671\r\n")
    handed = []
    monkeypatch.setattr(CleanAhead, "submit", lambda _, key, emails, phones: handed.append(phones))
    with workspace_scope(workspace):
        writer = importer_get("contacts").bulk_writer(batch=batch, actor=None)
        assert writer is not None
        writer.prepare([CsvRow(2, ["a@x.io", "'+1 415 555 2671"])])
        writer.close()

    assert handed == [{"+1 415 555 2671": None}]


# --- phone extensions ---------------------------------------------------------------------


def test_phone_extensions_are_read_as_other_tools_write_them(workspace, upload, run_import):
    raw = export_csv(
        ["Email", "Business Phone", "Mobile Phone"],
        [
            {"Email": "a@x.io", "Business Phone": "+1 415 555 0100 x204"},
            {
                "Email": "b@x.io",
                "Business Phone": "(415) 555-0200 ext. 7",
                "Mobile Phone": "4155550201",
            },
        ],
    )

    batch = run_import(upload(workspace, raw))

    assert (batch.created, batch.failed) == (2, 0)
    assert [
        [(p.number, p.extension, p.kind) for p in c.phones.all()] for c in contacts(workspace)
    ] == [
        [("+14155550100", "204", "work")],
        [("+14155550200", "7", "work"), ("+14155550201", "", "mobile")],
    ]


@pytest.mark.parametrize("extension", ["csv", "xlsx", "vcf"])
def test_phone_extensions_survive_an_export_and_re_import(
    extension, owner_client, workspace, upload, run_import
):
    make_contact(
        workspace, emails=["ann@x.io"], phones=["+1 415 555 0100 x204", "+1 415 555 0101 x5"]
    )
    make_contact(workspace, first_name="Bo", emails=["bo@x.io"], phones=["+14155550200"])

    assert_comes_back(owner_client, workspace, upload, run_import, extension)


def test_the_export_writes_each_phone_with_its_extension(owner_client, workspace):
    make_contact(workspace, emails=["a@x.io"], phones=["+1 415 555 0100 x204", "+14155550101 x5"])

    [row] = csv.DictReader(io.StringIO(exported(owner_client, "csv").decode()))
    card = exported(owner_client, "vcf").decode().replace("\r\n ", "")

    assert (row["phone"], row["other_phones"]) == ("'+14155550100 ext. 204", "'+14155550101 ext. 5")
    assert "TEL;TYPE=WORK,PREF:+14155550100 ext. 204\r\nTEL;TYPE=WORK:+14155550101 ext. 5\r\n" in (
        card
    )


def test_an_update_keeps_the_extensions_of_the_phones_it_adds_to(
    workspace, owner, upload, run_import
):
    make_contact(workspace, emails=["ann@x.io"], phones=["+14155550100 x204"])
    raw = export_csv(["Email", "Phone"], [{"Email": "ann@x.io", "Phone": "4155550101 x9"}])

    batch = run_import(upload(workspace, raw), mode="update")

    assert batch.updated == 1
    [ann] = contacts(workspace)
    assert [p.text for p in ann.phones.all()] == ["+14155550100 ext. 204", "+14155550101 ext. 9"]
    with workspace_scope(workspace):
        import_undo(workspace=workspace, actor=owner, batch=batch)
    [ann] = contacts(workspace)
    assert [p.text for p in ann.phones.all()] == ["+14155550100 ext. 204"]


@pytest.mark.parametrize("import_bulk", [False, True], ids=["rows", "bulk"])
def test_an_update_giving_a_phone_an_extension_alone_is_in_the_audit_entry(
    workspace, upload, run_import
):
    ann = make_contact(workspace, emails=["ann@x.io"], phones=["+14155550100"])
    raw = export_csv(["Email", "Phone"], [{"Email": "ann@x.io", "Phone": "4155550100 x9"}])

    batch = run_import(upload(workspace, raw), mode="update")

    assert batch.updated == 1
    with workspace_scope(workspace):
        updates = AuditEntry.objects.filter(entity="contacts.contact", action="update")
        [entry] = updates.filter(object_id=ann.pk)
    assert entry.changes == {"phones": [["+14155550100"], ["+14155550100 ext. 9"]]}
