"""Other tools' exports through the API's preview and the CLI: the same reading, suggestions
and normalisation as the wizard."""

from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from rapport.api.testing import ApiClient
from rapport.contacts.models import Contact
from rapport.data.tests.test_qa13_other_tools import GOOGLE, OUTLOOK, export_csv
from rapport.tenancy.access import workspace_scope


def test_the_api_previews_a_google_contacts_export_as_it_would_be_stored(workspace, owner):
    api = ApiClient.with_token(owner, workspace)
    raw = export_csv(
        GOOGLE,
        [
            {
                "Given Name": "ann",
                "Family Name": "LEE",
                "Group Membership": "* myContacts ::: Clients",
                "E-mail 1 - Value": "Ann@Acme.IO ::: ann.lee@acme.io",
                "Phone 1 - Value": "447911123456",
                "Address 1 - Country": "UK",
            }
        ],
        encoding="utf-8-sig",
    )
    created = api.client.post(
        "/api/v1/data/imports",
        {"file": SimpleUploadedFile("contacts.csv", raw), "entity": "contacts"},
        headers=api.headers,
    )
    assert created.status_code == 201, created.content
    batch = created.json()
    assert batch["mapping"]["E-mail 1 - Value"] == "email"

    preview = api.post(f"/data/imports/{batch['id']}/dry-run", {})

    assert preview.status_code == 200, preview.content
    [row] = preview.json()
    assert (row["row"], row["action"], row["errors"]) == (2, "created", [])
    values = row["values"]
    assert (values["first_name"], values["last_name"], values["country"]) == ("Ann", "Lee", "GB")
    assert values["emails"] == ["ann@acme.io", "ann.lee@acme.io"]
    assert values["phones"] == ["+447911123456"]
    assert values["tags"] == ["Clients"]
    with workspace_scope(workspace):
        assert not Contact.objects.exists()


def test_the_cli_imports_an_outlook_export_with_its_suggested_mapping(workspace, tmp_path):
    path = tmp_path / "outlook.csv"
    path.write_bytes(
        export_csv(
            OUTLOOK,
            [
                {
                    "First Name": "Zoë",
                    "Title": "Mrs.",
                    "Job Title": "Directrice",
                    "E-mail Address": "zoe@x.fr",
                    "Business Country": "France",
                }
            ],
            encoding="cp1252",
        )
    )
    out = StringIO()

    call_command(
        "import_file", str(path), "--workspace", workspace.slug, "--entity", "contacts", stdout=out
    )

    assert "1 created" in out.getvalue()
    with workspace_scope(workspace):
        zoe = Contact.objects.get()
    assert (zoe.first_name, zoe.job_title, zoe.email, zoe.country) == (
        "Zoë",
        "Directrice",
        "zoe@x.fr",
        "FR",
    )
