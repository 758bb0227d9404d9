"""dq24 in the browser: the duplicate queue's badges read the odds of a match, telling apart
strong pairs whose probabilities all read ">99.9%", each badge on one line with the
probability under it, at a desktop's width and a phone's."""

import pytest
from playwright.sync_api import expect

from rapport.dedupe.tests.test_match_weight import _pairs

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_the_queue_shows_each_pairs_odds_above_its_probability(
    page, log_in, workspace, owner, width
):
    pairs = _pairs(workspace)
    page.set_viewport_size({"width": width, "height": 860})
    log_in("olivia")

    page.goto("/duplicates/")

    for name, shown, probability in [
        ("strong", "2.1 billion to 1", ">99.9%"),
        ("weak", "23,000 to 1", ">99.9%"),
        ("low", "13 to 1", "93%"),
    ]:
        row = page.locator(f"#pair-{pairs[name].pk}")
        badge, under = row.locator(".match-odds"), row.locator(".match-probability")
        expect(badge).to_have_text(shown)
        expect(under).to_have_text(probability)
        badge_box, under_box = badge.bounding_box(), under.bounding_box()
        assert badge_box and under_box
        assert badge_box["height"] < 24, name  # one line
        assert under_box["y"] >= badge_box["y"] + badge_box["height"] - 1, name
