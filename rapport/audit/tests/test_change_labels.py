"""A record's change items read as its form does: fields by their labels, choices by theirs,
a custom field by its label; a long value is kept whole (folded behind "show all")."""

import re
from html import unescape

import pytest

from rapport.contacts.services import contact_update, custom_field_create
from rapport.contacts.tests.factories import make_contact
from rapport.tenancy.access import workspace_scope
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db

LONG = "Head of " + " and ".join(f"region {n}" for n in range(30)) + " (the end)"


@pytest.fixture
def ann(workspace, owner):
    with workspace_scope(workspace):
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={
                "entity": "contact",
                "label": "Customer tier",
                "key": "tier",
                "field_type": "text",
            },
        )
        custom_field_create(
            workspace=workspace,
            actor=owner,
            data={"entity": "contact", "label": "About", "key": "about", "field_type": "text"},
        )
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee")
    with workspace_scope(workspace):
        contact_update(
            workspace=workspace,
            actor=owner,
            contact=ann,
            data={
                "lifecycle_stage": "customer",
                "custom_fields": {"tier": "Gold", "about": LONG},
                "preferred_channel": "phone",
            },
        )
    return ann


def _changes(html: str) -> list[str]:
    """Each change line's text, tags stripped, spaces made one."""
    items = re.findall(r'<li><span class="change-field">(.*?)</li>', html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


def test_a_change_item_names_fields_and_choices_by_their_labels(owner_client, ann):
    html = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    lines = _changes(html)
    assert "Lifecycle stage Lead → Customer" in lines
    assert "Customer tier — → Gold" in lines
    assert "Preferred channel No preference → Phone" in lines
    assert not any(line.startswith(("custom fields", "lifecycle stage")) for line in lines)


def test_a_long_value_is_shown_whole_behind_show_all(owner_client, ann):
    html = owner_client.get(f"/contacts/{ann.pk}/timeline/").content.decode()
    assert "(the end)" in html and "…" in html
    folded = re.search(
        r'<details class="change-long"><summary>(.*?)</summary>(.*?)</details>', html
    )
    assert folded is not None and "show all" in folded[1]
    assert unescape(re.sub(r"<[^>]+>", "", folded[2])) == LONG
