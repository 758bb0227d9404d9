"""The preview says what a row's error is about and counts a vCard's cards as cards (qa23)."""

import re

import pytest

from rapport.data.queries import import_errors_csv
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db

TWO_CARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann One\r\nN:One;Ann;;;\r\nEMAIL:ann@example.com\r\n"
    "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Two\r\nN:Two;Bob;;;\r\n"
    "EMAIL:not-an-email\r\nEND:VCARD\r\n"
)


def _preview(client, batch) -> str:
    return client.get(f"/imports/{batch.pk}/preview/").content.decode()


def test_a_required_value_left_empty_is_named_by_its_field(
    owner_client, workspace, upload, run_import
):
    """A company row with an empty name said a bare "is required"."""
    batch = upload(workspace, "Name,City\n,Berlin\n", entity="companies")

    html = _preview(owner_client, batch)

    assert '<p class="field-error">Name: is required</p>' in html
    report = "".join(import_errors_csv(batch=run_import(batch))).splitlines()
    assert report[1].startswith("2,Name,is required,")


def test_a_vcards_preview_counts_cards(owner_client, workspace, upload):
    batch = upload(workspace, TWO_CARDS, name="people.vcf")

    html = _preview(owner_client, batch)

    scope = re.search(r'<p class="muted" id="preview-scope">(.*?)</p>', html, re.S)
    assert scope and scope.group(1).startswith("All 2 cards as they will be stored")
    assert "1 of these cards would not be imported" in html


def test_one_row_reads_as_one_and_all_failing_says_none(owner_client, workspace, upload):
    batch = upload(workspace, "First Name,Email\nAnn,not-an-email\n")

    html = _preview(owner_client, batch)

    assert "The file's one row as it will be stored" in html
    assert "None of these rows would be imported" in html


def test_the_upload_step_offers_contacts_first(owner_client):
    html = owner_client.get("/imports/new/").content.decode()

    assert '<option value="contacts" selected>Contacts</option>' in html
