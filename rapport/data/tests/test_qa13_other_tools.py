"""Files as other tools export them (Outlook, Google Contacts, Salesforce, HubSpot, Pipedrive,
Zoho), built here by code, imported as a user migrating from them would: the mapping each
gets suggested, and what is stored."""

import csv
import io

import pytest

from rapport.contacts.models import Contact
from rapport.data.importers import importer_get, mapping_suggest
from rapport.data.models import ImportRowError
from rapport.tenancy.access import workspace_scope


@pytest.fixture(params=[True, False], ids=["bulk", "rows"])
def import_bulk(request):
    return request.param


def export_csv(columns, rows, *, encoding="utf-8", delimiter=","):
    """A CSV as a spreadsheet saves it (CRLF, quoted where needed) holding `rows` (dicts by
    column; the other cells empty)."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return text.getvalue().encode(encoding)


def suggested(columns):
    return mapping_suggest(importer_get("contacts"), columns)


def only_row_error(workspace, batch):
    """The batch's one row error: its one failed row's."""
    assert batch.failed == 1
    with workspace_scope(workspace):
        [error] = ImportRowError.objects.filter(batch=batch)
    return error


def contacts(workspace):
    with workspace_scope(workspace):
        return list(Contact.objects.order_by("pk").prefetch_related("emails", "phones", "tags"))


OUTLOOK = [
    *("First Name", "Middle Name", "Last Name", "Title", "Suffix", "Web Page", "Notes"),
    *("E-mail Address", "E-mail 2 Address", "E-mail 3 Address", "Primary Phone", "Home Phone"),
    *("Mobile Phone", "Business Phone", "Business Phone 2", "Business Fax", "Company"),
    *("Job Title", "Department", "Home Street", "Home City", "Home Country", "Business Street"),
    *("Business City", "Business State", "Business Postal Code", "Business Country"),
    *("Other Phone", "Categories"),
]


def test_outlook_suggests_its_job_title_not_its_title_which_is_the_salutation():
    mapping = suggested(OUTLOOK)

    assert "Title" not in mapping
    assert mapping["Job Title"] == "job_title"
    assert [c for c, f in mapping.items() if f == "email"] == [
        "E-mail Address",
        "E-mail 2 Address",
        "E-mail 3 Address",
    ]
    assert {c: f for c, f in mapping.items() if c.startswith("Business") and f != "phone"} == {
        "Business Street": "street",
        "Business City": "city",
        "Business State": "region",
        "Business Postal Code": "postal_code",
        "Business Country": "country",
    }
    assert "Business Fax" not in mapping


def test_an_outlook_csv_saved_as_windows_1252_is_imported_whole(workspace, upload, run_import):
    raw = export_csv(
        OUTLOOK,
        [
            {
                "First Name": "Zoë",
                "Last Name": "Müller",
                "Title": "Dr.",
                "E-mail Address": "Zoe@Example.DE",
                "E-mail 2 Address": "z.mueller@example.de",
                "Mobile Phone": "+49 151 23456789",
                "Company": "Bäckerei “Süß” GmbH",
                "Job Title": "Geschäftsführerin",
                "Business Street": "Hauptstraße 1\r\nHinterhaus",
                "Business City": "Berlin",
                "Business Country": "Germany",
                "Categories": "VIP;Kunde",
            }
        ],
        encoding="cp1252",
    )

    batch = run_import(upload(workspace, raw, name="contacts.csv"))

    assert (batch.created, batch.failed) == (1, 0)
    [zoe] = contacts(workspace)
    assert (zoe.first_name, zoe.last_name, zoe.job_title) == ("Zoë", "Müller", "Geschäftsführerin")
    assert [e.email for e in zoe.emails.all()] == ["zoe@example.de", "z.mueller@example.de"]
    assert (zoe.street, zoe.city, zoe.country) == ("Hauptstraße 1\r\nHinterhaus", "Berlin", "DE")
    assert zoe.primary_company.name == "Bäckerei “Süß” GmbH"
    assert sorted(t.name for t in zoe.tags.all()) == ["Kunde", "VIP"]


GOOGLE = [
    *("Name", "Given Name", "Family Name", "Group Membership"),
    *("E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value"),
    *("Phone 1 - Type", "Phone 1 - Value", "Address 1 - Type", "Address 1 - Formatted"),
    *("Address 1 - Street", "Address 1 - City", "Address 1 - Region", "Address 1 - Postal Code"),
    *("Address 1 - Country", "Organization 1 - Type", "Organization 1 - Name"),
    *("Organization 1 - Title", "Website 1 - Type", "Website 1 - Value"),
]


def test_google_contacts_values_and_their_cells_of_several_values_are_imported(
    workspace, upload, run_import
):
    mapping = suggested(GOOGLE)
    # "Name" feeds the full name, split only in a row without the given and family names
    assert mapping["Name"] == "full_name"
    assert {c: mapping.get(c) for c in GOOGLE if "Type" in c} == {
        c: "phone_kinds" if c == "Phone 1 - Type" else None for c in GOOGLE if "Type" in c
    }
    assert mapping["Organization 1 - Title"] == "job_title"
    raw = export_csv(
        GOOGLE,
        [
            {
                "Name": "Ann Lee",
                "Given Name": "Ann",
                "Family Name": "Lee",
                "Group Membership": "* myContacts ::: * starred ::: Friends",
                "E-mail 1 - Type": "* Work",
                "E-mail 1 - Value": "ann@acme.io ::: ann.lee@acme.io",
                "E-mail 2 - Type": "Home",
                "E-mail 2 - Value": "ann@home.example",
                "Phone 1 - Value": "+1 415-555-2671 ::: (415) 555-2672",
                "Address 1 - Country": "United States",
                "Organization 1 - Name": "Acme",
                "Organization 1 - Title": "CTO",
            }
        ],
        encoding="utf-8-sig",
    )

    batch = run_import(upload(workspace, raw, name="contacts.csv"))

    assert (batch.created, batch.failed) == (1, 0)
    [ann] = contacts(workspace)
    assert [e.email for e in ann.emails.all()] == [
        "ann@acme.io",
        "ann.lee@acme.io",
        "ann@home.example",
    ]
    assert [p.number for p in ann.phones.all()] == ["+14155552671", "+14155552672"]
    assert (ann.job_title, ann.country) == ("CTO", "US")
    assert sorted(t.name for t in ann.tags.all()) == ["Friends", "starred"]


def test_an_invalid_value_among_several_in_one_google_cell_names_that_column(
    workspace, upload, run_import
):
    raw = export_csv(
        ["Given Name", "E-mail 1 - Value", "E-mail 2 - Value"],
        [{"Given Name": "Bo", "E-mail 1 - Value": "bo@x.io", "E-mail 2 - Value": "a@b.io ::: no"}],
    )

    batch = run_import(upload(workspace, raw, name="contacts.csv"))

    error = only_row_error(workspace, batch)
    assert (error.row, error.column) == (2, "E-mail 2 - Value")
    assert "'no' is not a valid email" in error.message


def test_pipedrive_and_zoho_exports_get_every_contact_column_suggested():
    pipedrive = [
        *("Person - ID", "Person - Name", "Person - First name", "Person - Last name"),
        *("Person - Email - Work", "Person - Email - Home", "Person - Phone - Work"),
        *("Person - Phone - Mobile", "Person - Organization", "Person - Label"),
        "Person - Job title",
    ]
    zoho = [
        *("Record Id", "Contact Owner", "First Name", "Last Name", "Email", "Secondary Email"),
        *("Phone", "Mobile", "Home Phone", "Other Phone", "Mailing Street", "Mailing City"),
        *("Mailing State", "Mailing Zip", "Mailing Country", "Tag"),
    ]

    assert suggested(pipedrive) == {
        "Person - ID": "external_id",
        "Person - Name": "full_name",  # split only in a row without the first and last names
        "Person - First name": "first_name",
        "Person - Last name": "last_name",
        "Person - Email - Work": "email",
        "Person - Email - Home": "email",
        "Person - Phone - Work": "phone",
        "Person - Phone - Mobile": "phone",
        "Person - Organization": "company",
        "Person - Label": "tags",
        "Person - Job title": "job_title",
    }
    assert [c for c in zoho if c not in suggested(zoho)] == []
    assert suggested(zoho)["Contact Owner"] == "owner"  # a member, by name (imp18)
    assert suggested(zoho)["Mailing Zip"] == "postal_code"


def test_a_salesforce_report_with_uk_addresses_is_stored_with_iso_codes(
    workspace, upload, run_import
):
    columns = [
        *("Contact ID", "Salutation", "First Name", "Last Name", "Title", "Account Name"),
        *("Mailing Street", "Mailing City", "Mailing State/Province"),
        *("Mailing Zip/Postal Code", "Mailing Country", "Phone", "Mobile", "Email"),
    ]
    assert suggested(columns)["Mailing State/Province"] == "region"
    raw = export_csv(
        columns,
        [
            {
                "Contact ID": "0035g00000ABCDE",
                "First Name": "Jo",
                "Last Name": "Ng",
                "Mailing City": "Leeds",
                "Mailing State/Province": "West Yorkshire",
                "Mailing Country": "UK",
                "Mobile": "+44 7911 123456",
                "Email": "jo@x.co.uk",
            },
            {"Contact ID": "0035g00000ABCDF", "Last Name": "Roe", "Mailing Country": "U.K."},
            {"Contact ID": "0035g00000ABCDG", "Last Name": "Poe", "Mailing Country": "England"},
        ],
    )

    batch = run_import(upload(workspace, raw, name="report.csv"))

    assert (batch.created, batch.failed) == (3, 0)
    assert [(c.external_id, c.region, c.country) for c in contacts(workspace)] == [
        ("0035g00000ABCDE", "West Yorkshire", "GB"),
        ("0035g00000ABCDF", "", "GB"),
        ("0035g00000ABCDG", "", "GB"),
    ]


def test_hubspot_lifecycle_stages_are_read_as_its_exports_write_them(workspace, upload, run_import):
    raw = export_csv(
        ["Record ID", "Email", "Lifecycle Stage"],
        [
            {"Record ID": "1", "Email": "a@x.io", "Lifecycle Stage": "Marketing Qualified Lead"},
            {"Record ID": "2", "Email": "b@x.io", "Lifecycle Stage": "salesqualifiedlead"},
            {"Record ID": "3", "Email": "c@x.io", "Lifecycle Stage": "Customer"},
            {"Record ID": "4", "Email": "d@x.io", "Lifecycle Stage": "marketing-qualified"},
        ],
    )

    batch = run_import(upload(workspace, raw, name="hubspot.csv"))

    assert (batch.created, batch.failed) == (4, 0)
    assert [c.lifecycle_stage for c in contacts(workspace)] == [
        "marketing_qualified",
        "sales_qualified",
        "customer",
        "marketing_qualified",
    ]


def test_salesforce_accounts_get_their_billing_address_suggested():
    columns = [
        *("Account ID", "Account Name", "Website", "Industry", "Billing Street", "Billing City"),
        *("Billing State/Province", "Billing Zip/Postal Code", "Billing Country", "Account Owner"),
    ]

    assert mapping_suggest(importer_get("companies"), columns) == {
        "Account ID": "external_id",
        "Account Name": "name",
        "Website": "domain",
        "Industry": "industry",
        "Billing Street": "street",
        "Billing City": "city",
        "Billing State/Province": "region",
        "Billing Zip/Postal Code": "postal_code",
        "Billing Country": "country",
        "Account Owner": "owner",  # a member, by name (imp18)
    }


def test_addresses_copied_with_their_display_name_or_as_mailto_links_are_the_address(
    workspace, upload, run_import
):
    raw = export_csv(
        ["First Name", "Primary Email", "Secondary Email"],
        [
            {"First Name": "Ann", "Primary Email": '"Lee, Ann" <Ann@Acme.IO>'},
            {"First Name": "Bo", "Primary Email": "mailto:bo@acme.io"},
            {"First Name": "Cy", "Primary Email": "cy@acme.io", "Secondary Email": "Cy <nope>"},
        ],
    )

    batch = run_import(upload(workspace, raw, name="thunderbird.csv"))

    assert batch.created == 2
    assert [c.email for c in contacts(workspace)] == ["ann@acme.io", "bo@acme.io"]
    error = only_row_error(workspace, batch)
    assert (error.row, error.column) == (4, "Secondary Email")
    assert error.message.startswith("'Cy <nope>' is not a valid email")


def test_api_names_of_salesforce_s_data_export_and_hubspot_s_properties_are_suggested():
    salesforce = ["Id", "FirstName", "LastName", "MailingPostalCode", "MobilePhone", "Title"]
    hubspot = ["hs_object_id", "firstname", "jobtitle", "zip", "lifecyclestage"]

    assert suggested(salesforce) == {
        "FirstName": "first_name",
        "LastName": "last_name",
        "MailingPostalCode": "postal_code",
        "MobilePhone": "phone",
        "Title": "job_title",
    }
    assert suggested(hubspot) == {
        "hs_object_id": "external_id",
        "firstname": "first_name",
        "jobtitle": "job_title",
        "zip": "postal_code",
        "lifecyclestage": "lifecycle_stage",
    }
