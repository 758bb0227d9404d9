"""A phone's extension ("x204"), which E.164 has no place for, is kept beside the number:
written by the services from whatever text carries it, shown on the contact's page, given by
the API, kept by an edit; and an edit keeps the kinds of the phones it gives again."""

import pytest

from rapport.api.testing import ApiClient
from rapport.contacts.models import ContactPhone
from rapport.contacts.normalise import phone_extension
from rapport.contacts.services import contact_update
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client


def phones(workspace, contact):
    with workspace_scope(workspace):
        return [(p.number, p.extension, p.kind) for p in contact.phones.all()]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 415 555 0100 x204", "204"),
        ("(415) 555-0100 ext. 204", "204"),
        ("+1 415 555 0100;ext=204", "204"),
        ("+44 20 7946 0958 #12", "12"),
        ("+1 415 555 0100", ""),
        ("not a number x2", ""),
    ],
)
def test_the_extension_is_read_from_the_ways_people_write_it(raw, expected):
    assert phone_extension(raw, region="US") == expected


def test_the_services_keep_the_extension_beside_the_e164_number(workspace):
    ann = make_contact(workspace, phones=["+1 415 555 0100 x204", "+1 415 555 0101"])

    assert ann.phone == "+14155550100"
    assert phones(workspace, ann) == [
        ("+14155550100", "204", "work"),
        ("+14155550101", "", "work"),
    ]


def test_an_edit_keeps_the_kind_of_a_phone_given_again_and_takes_its_extension_as_given(
    workspace,
):
    ann = make_contact(workspace, phones=["+14155550100", "+14155550101 x7"])
    with workspace_scope(workspace):
        ContactPhone.objects.filter(number="+14155550100").update(kind="mobile")

        contact_update(
            workspace=workspace,
            actor=None,
            contact=ann,
            data={"phones": ["+14155550100 ext. 9", "+14155550101", "+14155550102"]},
        )

    assert phones(workspace, ann) == [
        ("+14155550100", "9", "mobile"),
        ("+14155550101", "", "work"),
        ("+14155550102", "", "work"),
    ]


def test_the_api_gives_and_takes_phones_with_their_extension(workspace, owner):
    api = ApiClient.with_token(owner, workspace)

    created = api.post("/contacts", {"first_name": "Ann", "phones": ["(415) 555-0100 x204"]})
    listed = api.get("/contacts")
    searched = api.get("/contacts", {"q": "Ann"})

    assert created.status_code == 201, created.content
    assert created.json()["phones"] == ["+14155550100 ext. 204"]
    assert created.json()["phone"] == "+14155550100"
    assert [c["phones"] for c in listed.json()["items"]] == [["+14155550100 ext. 204"]]
    assert [c["phones"] for c in searched.json()["items"]] == [["+14155550100 ext. 204"]]


def test_the_contact_page_shows_the_extension_and_an_edit_of_the_phones_keeps_it(
    owner_client, workspace
):
    ann = make_contact(workspace, phones=["+1 415 555 0100 x204"])

    page = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    editing = owner_client.get(f"/contacts/{ann.pk}/fields/phones/?edit=1").content.decode()
    saved = owner_client.post(
        f"/contacts/{ann.pk}/fields/phones/", {"phones": "+14155550100 ext. 204\n+14155550101"}
    )

    assert "+1 415-555-0100 ext. 204" in page
    assert "+14155550100 ext. 204" in editing
    assert saved.status_code == 200
    assert phones(workspace, ann) == [
        ("+14155550100", "204", "work"),
        ("+14155550101", "", "work"),
    ]
