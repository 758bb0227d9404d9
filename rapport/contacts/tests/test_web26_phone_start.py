"""In Great Britain a number's first digits typed at home ("020 79") find the numbers that
start so, though the phone library reads such text as a whole (local) number with its 0."""

import pytest

from rapport.contacts.normalise import phone_search_key
from rapport.contacts.tests.factories import make_contact
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("020 79", "+442079"),  # the library alone: "+4402079"
        ("020 7946", "+44207946"),  # the library alone: "+440207946"
        ("0161 496", "+44161496"),
        ("020 7946 0958", "+442079460958"),  # a whole number, as before
        ("+44 20 79", "+442079"),
    ],
)
def test_a_british_numbers_start_drops_its_trunk_prefix(typed, key):
    assert phone_search_key(typed, region="GB") == key


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/search/", "/contacts/"])
def test_the_london_code_and_exchange_find_the_contact(owner_client, workspace, url):
    workspace.default_region = "GB"
    workspace.save(update_fields=["default_region"])
    make_contact(workspace, first_name="Alan", last_name="Adams", phones=["020 7946 0958"])
    make_contact(workspace, first_name="Bea", last_name="Other", phones=["0161 496 0000"])
    content = owner_client.get(url, {"q": "020 79"}).content
    assert b"Alan Adams" in content and b"Bea Other" not in content
