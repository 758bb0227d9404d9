"""An inline edit sends the record's heading again: the page never shows the value it replaced."""

import re

import pytest

from rapport.contacts.tests.factories import make_company, make_contact
from rapport.web.tests import fixtures

owner_client = fixtures.owner_client
plain_static_storage = fixtures.plain_static_storage

pytestmark = pytest.mark.django_db


def out_of_band(html: str, element_id: str) -> str:
    """The element `element_id` the response swaps in out of band, as text without tags."""
    oob = rf'<(\w+)[^>]*id="{element_id}"[^>]*hx-swap-oob="true"[^>]*>(.*?)</\1>'
    found = re.search(oob, html, re.S)
    assert found is not None, f"no out-of-band #{element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", found[2]).split())


def test_a_contacts_stage_edited_in_place_changes_the_badge_beside_its_name(
    owner_client, workspace
):
    ann = make_contact(workspace, job_title="Buyer", lifecycle_stage="customer")
    response = owner_client.post(
        f"/contacts/{ann.pk}/fields/lifecycle_stage/", {"lifecycle_stage": "churned"}
    )
    heading = out_of_band(response.content.decode(), "record-heading")
    assert "Churned" in heading and "Customer" not in heading and "Buyer" in heading


def test_a_name_edited_in_place_renames_the_heading_the_crumb_the_avatar_and_the_tab(
    owner_client, workspace
):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee")
    response = owner_client.post(f"/contacts/{ann.pk}/fields/first_name/", {"first_name": "Zoe"})
    html = response.content.decode()
    assert "Zoe Lee" in out_of_band(html, "record-heading")
    assert out_of_band(html, "record-crumb") == "Zoe Lee"
    assert out_of_band(html, "record-avatar") == "ZL"
    assert re.search(r"<title>Zoe Lee · ", html)


def test_a_companys_industry_edited_in_place_changes_the_line_under_its_name(
    owner_client, workspace
):
    initech = make_company(workspace, name="Initech", industry="Software")
    response = owner_client.post(
        f"/companies/{initech.pk}/fields/industry/", {"industry": "Consulting"}
    )
    heading = out_of_band(response.content.decode(), "record-heading")
    assert "Consulting" in heading and "Software" not in heading


def test_a_refused_edit_sends_no_heading(owner_client, workspace):
    ann = make_contact(workspace, emails=["ann@acme.io"])
    response = owner_client.post(f"/contacts/{ann.pk}/fields/emails/", {"emails": "nope"})
    assert b"record-heading" not in response.content


def test_the_page_shows_the_heading_once_without_swapping_it(owner_client, workspace):
    ann = make_contact(workspace, job_title="Buyer", lifecycle_stage="customer")
    html = owner_client.get(f"/contacts/{ann.pk}/").content.decode()
    assert html.count('id="record-heading"') == 1
    assert 'id="record-heading" hx-swap-oob' not in html
    assert '<span id="record-crumb">Ann Lee</span>' in html
