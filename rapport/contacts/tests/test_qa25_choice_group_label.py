"""A multiple-choice custom field is a set of checkboxes with no one input to label: the set is
a group named by the field's label, on the full form and in an inline edit."""

import re

import pytest

from rapport.contacts.services import custom_field_create
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def interests(workspace, owner):
    with workspace_scope(workspace):
        return custom_field_create(
            workspace=workspace,
            actor=owner,
            data={
                "entity": "contact",
                "label": "Interests",
                "field_type": "multi_choice",
                "choices": ["CRM", "Billing"],
            },
        )


def group_name(html: str) -> str:
    """The text of what names the group holding the Interests checkboxes."""
    group = re.search(
        r'<div role="group" aria-labelledby="([^"]+)">\s*<div id="id_cf_interests"', html
    )
    assert group is not None, "the checkboxes are in no named group"
    label = re.search(rf'id="{group[1]}">([^<]*)<', html)
    assert label is not None, f"nothing has the id {group[1]}"
    return label[1]


def test_the_forms_checkboxes_are_a_group_named_by_the_fields_label(owner_client, interests):
    html = owner_client.get("/contacts/new/").content.decode()
    assert group_name(html) == "Interests"
    assert 'for=""' not in html


def test_the_inline_edits_checkboxes_are_a_group_named_by_the_fields_label(
    owner_client, workspace, interests
):
    ann = make_contact(workspace)
    html = owner_client.get(f"/contacts/{ann.pk}/fields/cf_interests/?edit=1").content.decode()
    assert group_name(html) == "Interests"
    assert 'for=""' not in html
