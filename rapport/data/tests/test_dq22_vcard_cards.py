"""A vCard import numbers its records by card: the first card is card 1, in the preview, the
errors table and the error report (no header line to count, as a spreadsheet has)."""

import re

import pytest

from rapport.data.queries import import_errors_csv
from rapport.data.tests.test_file_formats import CARDS
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(workspace, upload):
    return upload(workspace, CARDS.encode(), name="contacts.vcf")


def test_the_preview_numbers_cards_from_one(owner_client, cards):
    html = owner_client.get(f"/imports/{cards.pk}/preview/").content.decode()

    table = re.search(r'<table class="table" id="preview-table">.*?</table>', html, re.S)
    assert table
    assert "<th>Card</th>" in table.group()
    numbers = re.findall(r'<td class="num">(\d+)</td>', table.group())
    assert numbers == ["1", "2", "3"]


def test_the_errors_table_and_report_name_the_broken_card_by_its_number(
    owner_client, cards, run_import
):
    batch = run_import(cards)

    html = owner_client.get(f"/imports/{batch.pk}/").content.decode()
    errors = re.search(
        r'<section class="card card-flush" id="import-errors".*?</section>', html, re.S
    )
    assert errors
    assert '<th class="num">Card</th>' in errors.group()
    assert '<td class="num">2</td>' in errors.group()
    report = "".join(import_errors_csv(batch=batch)).splitlines()
    assert report[0].startswith("\ufeffcard,column,error,")
    assert report[1].startswith("2,,")


def test_a_csv_still_numbers_by_row_under_its_header(owner_client, workspace, upload, run_import):
    batch = run_import(upload(workspace, "First Name,Email\nAnn,not-an-email\n"))

    report = "".join(import_errors_csv(batch=batch)).splitlines()
    assert report[0].startswith("\ufeffrow,column,error,")
    assert report[1].startswith("2,")
