"""The duplicates review queue in the browser: dismiss one pair as not a duplicate (its row
gives way to the decision), follow Merge for another and merge it."""

import re

import pytest
from playwright.sync_api import expect

from rapport.contacts.models import Contact
from rapport.dedupe.models import PairStatus
from rapport.dedupe.tests.factories import pair_of, plant
from rapport.tenancy.access import workspace_scope

pytestmark = pytest.mark.browser


def test_it_dismisses_one_pair_and_merges_another(page, log_in, workspace, owner):
    p = plant(workspace)
    ann_pair = pair_of(workspace, p["ann"], p["anne"])
    bob_pair = pair_of(workspace, p["bob"], p["rob"])
    log_in("olivia")

    page.goto("/")
    page.get_by_role("link", name="Duplicates").first.click()
    expect(page).to_have_url(re.compile(r"/duplicates/$"))
    queue = page.locator("#duplicate-queue")
    expect(queue).to_contain_text("same email")
    expect(queue).to_contain_text("same phone")

    # Ann and Anne are two people: the decision, with its undo, takes the row's place (htmx).
    page.locator(f"#pair-{ann_pair.pk}").get_by_role("button", name="Not a duplicate").click()
    expect(page.locator(f"#pair-{ann_pair.pk}")).to_contain_text("not a duplicate.")
    expect(page.locator(f"#pair-{ann_pair.pk}").get_by_role("button", name="Merge")).to_have_count(
        0
    )
    assert pair_of(workspace, p["ann"], p["anne"]).status == PairStatus.NOT_DUPLICATE

    # Robert Smith and Robert Smyth are one: Merge opens the merge page for the pair.
    page.locator(f"#pair-{bob_pair.pk}").get_by_role("link", name="Merge").click()
    low, high = sorted((p["bob"].pk, p["rob"].pk))
    expect(page).to_have_url(re.compile(rf"/merge/contacts/{low}/{high}/\?next="))
    page.get_by_role("button", name="Merge contacts").click()
    # Back in the queue, to review the next pair; the pair merged has left it.
    expect(page).to_have_url(re.compile(r"/duplicates/$"))
    expect(page.locator(".flash-success")).to_contain_text("Merged")
    with workspace_scope(workspace):
        assert not Contact.objects.filter(pk=high).exists()
    expect(page.locator(f"#pair-{bob_pair.pk}")).to_have_count(0)
    assert pair_of(workspace, p["bob"], p["rob"]).status == PairStatus.MERGED


def test_the_data_quality_dashboard_counts_pairs_and_leads_to_their_review(
    page, log_in, workspace, owner
):
    plant(workspace)
    log_in("olivia")

    page.goto("/data/quality/")
    section = page.locator(".quality-section", has_text="Suspected duplicates")
    expect(section.locator("h2")).to_contain_text("(3 pairs)")
    section.get_by_role("link", name="Review").click()

    expect(page).to_have_url(re.compile(r"/duplicates/$"))
    expect(page.locator("#queue-count")).to_have_text("2 pairs, most likely first.")
