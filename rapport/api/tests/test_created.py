"""A create answers 201 with the new record and its URL in `Location`."""

import pytest

from rapport.api.testing import PREFIX, ApiClient
from rapport.contacts.tests.factories import make_contact


@pytest.mark.parametrize(
    "path, body",
    [
        ("/contacts", {"first_name": "Ann"}),
        ("/companies", {"name": "Initech"}),
        ("/activities", {"kind": "note", "body": "hello", "contact_ids": "{contact}"}),
        ("/tags", {"name": "vip"}),
        ("/custom-fields", {"entity": "contact", "label": "Region", "field_type": "text"}),
    ],
)
def test_a_create_names_the_new_records_url_in_location(workspace, owner, path, body):
    api = ApiClient.with_token(owner, workspace)
    contact = make_contact(workspace)
    body = {k: [contact.pk] if v == "{contact}" else v for k, v in body.items()}

    response = api.post(path, body)

    assert response.status_code == 201, response.content
    location = response["Location"]
    assert location == f"{PREFIX}{path}/{response.json()['id']}"
    assert api.get(location.removeprefix(PREFIX)).json() == response.json()
