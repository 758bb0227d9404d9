"""A search by the first digits of a number as written at home (area code and exchange, no
country code) finds the contacts whose numbers start so."""

import pytest

from rapport.contacts.normalise import phone_search_key
from rapport.contacts.tests.factories import make_contact
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


@pytest.mark.parametrize(
    ("typed", "region", "key"),
    [
        ("404-555", "US", "+1404555"),
        ("(404) 555", "US", "+1404555"),
        ("06 12", "FR", "+33612"),  # the trunk prefix 0 dropped
        ("02 123", "IT", "+3902123"),  # Italy keeps its 0
        ("404-555-0139", "US", "+14045550139"),  # a whole number, as before
        ("+1 404", "US", "+1404"),
        ("123", "US", None),  # "1" is the trunk prefix: two digits left, too few
    ],
)
def test_the_first_national_digits_stand_for_the_numbers_start(typed, region, key):
    assert phone_search_key(typed, region=region) == key


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/search/", "/contacts/"])
def test_the_area_code_and_exchange_find_the_contact(owner_client, workspace, url):
    make_contact(workspace, first_name="Alan", last_name="Adams", phones=["+1 404 555 0139"])
    make_contact(workspace, first_name="Bea", last_name="Other", phones=["+1 212 555 0100"])
    content = owner_client.get(url, {"q": "404-555"}).content
    assert b"Alan Adams" in content and b"Bea Other" not in content
