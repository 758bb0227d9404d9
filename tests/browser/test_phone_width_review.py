"""On a phone (390 px), the duplicates queue and the merge comparison stack their cells: both
records and every button are reached without scrolling sideways, in the page or a card."""

import pytest
from playwright.sync_api import expect

from rapport.contacts.tests.factories import make_activity, make_contact
from rapport.dedupe.tests.factories import pair_of, plant

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _no_sideways_scroll(page, selector):
    """The element's box, and what it holds, fit its width and the viewport's."""
    widths = page.eval_on_selector(
        selector, "e => [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().right]"
    )
    scroll_width, client_width, right = widths
    assert scroll_width <= client_width, f"{selector} scrolls: {scroll_width} > {client_width}"
    assert right <= PHONE["width"]


def _in_view(locator):
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_duplicates_queue_stacks_its_cells(page, log_in, workspace, owner):
    p = plant(workspace)
    pair = pair_of(workspace, p["bob"], p["rob"])
    page.set_viewport_size(PHONE)
    log_in("olivia")

    page.goto("/duplicates/")

    row = page.locator(f"#pair-{pair.pk}")
    expect(row).to_contain_text("Robert")
    _no_sideways_scroll(page, "#duplicate-queue")
    _no_sideways_scroll(page, "section.card .table-wrap")
    _in_view(row.get_by_role("link", name="Merge"))
    _in_view(row.get_by_role("button", name="Not a duplicate"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_merge_comparison_stacks_its_cells(page, log_in, workspace, owner):
    ann = make_contact(
        workspace, first_name="Christopher", last_name="Santiago", emails=["c.santiago@acme.io"]
    )
    chris = make_contact(
        workspace, first_name="C.", last_name="Santiago", emails=["chris.santiago@globex.io"]
    )
    make_activity(workspace, contact_ids=[chris.pk], subject="Met Chris at the fair")
    page.set_viewport_size(PHONE)
    log_in("olivia")

    page.goto(f"/merge/contacts/{ann.pk}/{chris.pk}/")

    expect(page.locator("#merge-counts")).to_contain_text("Activities")
    for table in ("#merge-fields", "#merge-counts"):
        _no_sideways_scroll(page, table)
    for wrap in page.locator("#merge-form .table-wrap").all():
        assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")
    _in_view(page.get_by_label("Email: chris.santiago@globex.io"))
    _in_view(page.get_by_role("button", name="Merge contacts"))
