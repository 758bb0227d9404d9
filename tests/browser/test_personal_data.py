"""An owner downloads a person's data from the contact page; the export then shows on the
contact's timeline."""

import json
import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_activity, make_contact

pytestmark = pytest.mark.browser


def test_an_owner_downloads_a_persons_data_and_sees_the_export_recorded(
    page, log_in, workspace, owner
):
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee", emails=["ann@x.io"])
    make_activity(workspace, owner, contact_ids=[ann.pk], subject="Asked about pricing")
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")

    with page.expect_download() as download:
        page.get_by_role("button", name="Personal data").click()
    data = json.loads(download.value.path().read_text())
    page.reload()

    assert download.value.suggested_filename == f"personal-data-contact-{ann.pk}.json"
    assert data["contact"]["last_name"] == "Lee"
    sections = {s["relation"]: s["rows"] for s in data["related"]}
    assert [r["email"] for r in sections["contacts.contactemail.contact"]] == ["ann@x.io"]
    assert [r["activity"]["subject"] for r in sections["activities.activitycontact.contact"]] == [
        "Asked about pricing"
    ]
    expect(page.locator(".tl-change").first).to_contain_text("exported this person's data")


def test_an_owner_erases_a_person_after_typing_their_name(page, log_in, workspace, owner):
    ann = make_contact(workspace, owner, first_name="Ann", last_name="Lee", emails=["ann@x.io"])
    make_contact(workspace, owner, first_name="Cleo", last_name="Ray")
    make_activity(workspace, owner, contact_ids=[ann.pk], subject="Asked about pricing")
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")

    page.get_by_role("link", name="Erase…").click()
    preview = page.locator(".erase-preview")
    expect(preview).to_contain_text("Activities about this person only: 1")
    expect(preview).not_to_contain_text("shared with others")
    page.get_by_label("Type Ann Lee to confirm").fill("Ann")
    page.get_by_role("button", name="Erase this person").click()
    expect(page.locator("#confirm-error")).to_contain_text("type the person's name")
    page.get_by_label("Type Ann Lee to confirm").fill("Ann Lee")
    page.get_by_role("button", name="Erase this person").click()

    expect(page).to_have_url(re.compile(r"/contacts/$"))
    expect(page.locator("body")).to_contain_text("The person was erased")
    expect(page.locator("#contact-table, table").first).to_contain_text("Cleo")
    expect(page.locator("#contact-table, table").first).not_to_contain_text("Ann Lee")
