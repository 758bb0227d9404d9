"""Export, then import the file back: the same contacts, whatever the format."""

import pytest

from rapport.contacts.models import Company, Contact
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


def snapshot(workspace):
    """Each contact as an export and import carry it: its emails and phones (with their
    extensions and kinds) in order, the primary first, its tags, its company and address."""
    with workspace_scope(workspace):
        contacts = Contact.objects.select_related("primary_company").prefetch_related(
            "emails", "phones", "tags"
        )
        return sorted(
            (
                c.first_name,
                c.last_name,
                c.external_id,
                c.job_title,
                tuple(e.email for e in c.emails.all()),
                tuple((p.text, p.kind) for p in c.phones.all()),
                tuple(sorted(t.name for t in c.tags.all())),
                c.primary_company.name if c.primary_company else "",
                c.street,
                c.city,
                c.region,
                c.postal_code,
                c.country,
            )
            for c in contacts
        )


@pytest.mark.parametrize("extension", ["csv", "xlsx", "vcf"])
def test_an_export_imported_again_gives_the_same_contacts(
    extension, owner_client, workspace, upload, run_import
):
    smith = make_company(workspace, name="Smith, Jones; & Co")
    make_contact(
        workspace,
        first_name="Zoë",
        last_name="O'Neil-Brûlé",
        job_title="VP, Sales; EMEA",
        emails=["zoe@smith.example"],
        phones=["+442079460958"],
        company_ids=[smith.pk],
        street="1 Main St\nApt 2",
        city="London",
        region="Greater London",
        postal_code="SW1A 1AA",
        country="GB",
    )
    make_contact(workspace, first_name="Bo", last_name="Ray", emails=["bo@x.io"])
    before = snapshot(workspace)
    response = owner_client.get(f"/exports/contacts.{extension}")
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    with workspace_scope(workspace):
        Contact.objects.all().delete()
        Company.objects.all().delete()

    batch = run_import(upload(workspace, raw, name=f"contacts.{extension}"))

    assert (batch.created, batch.failed) == (2, 0)
    assert snapshot(workspace) == before
