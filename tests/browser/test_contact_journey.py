"""A salesperson's day in the browser: log in, add a contact, note, search, edit in place."""

import re

import pytest
from playwright.sync_api import expect

from rapport.audit.models import AuditEntry
from rapport.contacts.models import Contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def contacts_named(workspace, first_name):
    with workspace_scope(workspace):
        return list(Contact.objects.filter(first_name=first_name))


def test_it_creates_a_contact_notes_it_finds_it_and_edits_it_in_place(
    page, log_in, workspace, owner
):
    log_in("olivia")

    # A bad email: the error shows next to the field and nothing is saved.
    page.get_by_role("link", name="Contacts").first.click()
    page.get_by_role("link", name="New contact").click()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Emails").fill("grace-at-navy")
    page.get_by_role("button", name="Create contact").click()
    expect(page.locator("#field-emails .field-error")).to_contain_text("not a valid email")
    expect(page.get_by_label("First name")).to_have_value("Grace")
    assert contacts_named(workspace, "Grace") == []

    # Corrected, it is created and the contact's page opens.
    page.get_by_label("Emails").fill("grace@navy.mil")
    page.get_by_role("button", name="Create contact").click()
    expect(page.locator("#record-title")).to_have_text("Grace Hopper")
    [grace] = contacts_named(workspace, "Grace")
    assert grace.email == "grace@navy.mil"
    # Its detail rows (written in Python, contacts.detail_html): values, and the empty ones.
    expect(page.locator("#f-emails .kv-value")).to_have_text("grace@navy.mil")
    expect(page.locator("#f-job_title .kv-value.is-empty")).to_have_text("Add…")

    # A note added from the timeline appears at its top without a reload.
    page.get_by_label("Note", exact=True).fill("Asked about COBOL training for her team")
    page.get_by_role("button", name="Add note").click()
    first_item = page.locator("#timeline-items > li.tl-item").first
    expect(first_item).to_contain_text("Asked about COBOL training")
    expect(page.get_by_label("Note", exact=True)).to_have_value("")

    # The global search box finds her, by part of her name.
    page.goto("/companies/")
    page.locator("#global-search").fill("grac")
    hit = page.locator("#search-results .search-hit", has_text="Grace Hopper")
    expect(hit).to_be_visible()
    hit.click()
    expect(page).to_have_url(re.compile(rf"/contacts/{grace.pk}/$"))

    # A click on a field swaps in an input; saving shows the new value in place.
    page.locator("#f-job_title .kv-value").click()
    page.locator("#f-job_title input").fill("Rear Admiral")
    page.locator("#f-job_title").get_by_role("button", name="Save").click()
    expect(page.locator("#f-job_title .kv-value")).to_have_text("Rear Admiral")
    # ...and the change joins the timeline.
    expect(page.locator("#timeline-items")).to_contain_text("Rear Admiral")
    grace.refresh_from_db()
    assert grace.job_title == "Rear Admiral"
    with workspace_scope(workspace):
        entry = AuditEntry.objects.filter(
            entity="contacts.contact", object_id=grace.pk, action="update"
        ).get()
    assert entry.source == "ui"
    assert entry.changes["job_title"] == ["", "Rear Admiral"]


def test_an_inline_edit_with_a_bad_value_shows_the_error_and_keeps_the_old_one(
    page, log_in, workspace, owner
):
    from rapport.contacts.tests.factories import make_contact

    ann = make_contact(workspace, phones=["+1 415 555 0100"])
    log_in("olivia")
    page.goto(f"/contacts/{ann.pk}/")
    page.locator("#f-phones .kv-value").click()
    page.locator("#f-phones textarea").fill("12")
    page.locator("#f-phones").get_by_role("button", name="Save").click()
    expect(page.locator("#f-phones .field-error")).to_contain_text("not")
    page.locator("#f-phones").get_by_role("button", name="Cancel").click()
    expect(page.locator("#f-phones .kv-value")).to_contain_text("415")
    ann.refresh_from_db()
    assert ann.phone == "+14155550100"
