"""Merging two contacts in the browser: compare, pick a value, merge, see the other's
activity on the survivor's timeline, undo, and both are back."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Contact
from rapport.contacts.tests.factories import make_activity, make_contact
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_it_merges_two_contacts_and_undoes_the_merge(page, log_in, workspace, owner):
    ann = make_contact(workspace, first_name="Ann", last_name="Lee", emails=["ann@acme.io"])
    annie = make_contact(workspace, first_name="Annie", last_name="Lee", emails=["annie@globex.io"])
    make_activity(workspace, contact_ids=[annie.pk], subject="Met Annie at the fair")
    log_in("olivia")

    # From Ann's page, "Merge with…" finds Annie by name.
    page.goto(f"/contacts/{ann.pk}/")
    page.get_by_role("link", name="Merge with…").click()
    page.wait_for_url(re.compile(rf"/merge/contacts/{ann.pk}/$"))
    page.get_by_label("Find the other contact").fill("annie")
    page.locator("#merge-candidates").get_by_role("link", name=re.compile("Annie Lee")).click()
    expect(page).to_have_url(re.compile(rf"/merge/contacts/{ann.pk}/{annie.pk}/$"))
    expect(page.locator("#merge-counts")).to_contain_text("Activities")

    # Ann survives, with Annie's first name.
    page.get_by_label("First name: Annie").check()
    page.get_by_role("button", name="Merge contacts").click()
    expect(page).to_have_url(re.compile(rf"/contacts/{ann.pk}/$"))
    expect(page.locator("#record-title")).to_have_text("Annie Lee")
    timeline = page.locator("#timeline-items")
    expect(timeline).to_contain_text("Met Annie at the fair")
    expect(timeline).to_contain_text("merged Annie Lee")
    with workspace_scope(workspace):
        assert not Contact.objects.filter(pk=annie.pk).exists()

    # Undo: both are back, Ann with her own name, Annie with her activity.
    timeline.get_by_role("button", name="Undo merge").click()
    expect(page.locator(".messages")).to_contain_text("is back")
    expect(page.locator("#record-title")).to_have_text("Ann Lee")
    expect(page.locator("#timeline-items")).not_to_contain_text("Met Annie at the fair")
    page.goto(f"/contacts/{annie.pk}/")
    expect(page.locator("#record-title")).to_have_text("Annie Lee")
    expect(page.locator("#timeline-items")).to_contain_text("Met Annie at the fair")


def test_on_a_phone_the_merge_page_does_not_scroll_sideways(page, log_in, workspace, owner):
    ann = make_contact(workspace, first_name="Christopher", last_name="Santiago")
    chris = make_contact(workspace, first_name="C.", last_name="Santiago")
    make_activity(workspace, contact_ids=[chris.pk], subject="Met Chris at the fair")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("olivia")

    page.goto(f"/merge/contacts/{ann.pk}/{chris.pk}/")

    expect(page.locator("#merge-counts")).to_contain_text("Activities")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
