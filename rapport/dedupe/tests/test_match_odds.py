"""The queue's badge reads the odds of a match from the pair's weight, so strong pairs whose
probabilities all read ">99.9%" show how much stronger one is than another; the probability
stays beside it; the API's `match_odds` is the same text."""

import re

import pytest

from rapport.api.testing import ApiClient
from rapport.dedupe.match_odds import match_odds
from rapport.dedupe.tests.test_match_weight import _pairs
from rapport.web.tests import fixtures

member_client = fixtures.member_client
plain_static_storage = fixtures.plain_static_storage

# The pairs of `_pairs`: three at probability 1.0 ("weak" and "tie" of equal weight).
SHOWN = {
    "strong": "2.1 billion to 1",
    "weak": "23,000 to 1",
    "tie": "23,000 to 1",
    "low": "13 to 1",
}


@pytest.mark.parametrize(
    ("weight", "shown"),
    [
        (2.0, "4 to 1"),
        (0.5, "1.4 to 1"),
        (3.8, "13 to 1"),
        (10.0, "1,000 to 1"),
        (14.5, "23,000 to 1"),
        (19.93, "990,000 to 1"),
        (20.0, "1 million to 1"),
        (31.0, "2.1 billion to 1"),
        (40.0, "1 trillion to 1"),
        (60.0, "1.1 quintillion to 1"),
        (75.0, "over 1,000 quintillion to 1"),
        (0.0, "1 to 1"),
        (-1.6, "1 to 3"),
    ],
)
def test_odds_read_in_words_rounded_down_to_two_figures(weight, shown):
    assert match_odds(weight) == shown


def test_a_bit_more_weight_is_never_shown_as_lower_odds():
    texts = [match_odds(w / 4) for w in range(0, 280)]
    values = [_value(t) for t in texts]
    assert values == sorted(values)


def _value(text: str) -> float:
    """The odds a text says, back as a number (a test's reading, not the display's)."""
    if text.startswith("over"):
        return float("inf")
    number, *word, _, _ = text.split()
    scale = {"million": 6, "billion": 9, "trillion": 12, "quadrillion": 15, "quintillion": 18}
    return float(number.replace(",", "")) * 10 ** scale.get(word[0] if word else "", 0)


@pytest.mark.django_db
def test_the_queue_tells_strong_pairs_apart_keeping_the_probability(member_client, workspace):
    pairs = _pairs(workspace)

    html = member_client.get("/duplicates/").content.decode()

    for name, pair in pairs.items():
        row = re.search(rf'<tr id="pair-{pair.pk}">.*?</tr>', html, re.S)
        assert row, name
        badge = re.search(r'class="badge match-odds">([^<]*)<', row.group())
        assert badge and badge.group(1) == SHOWN[name], name
        probability = ">99.9%" if name != "low" else "93%"
        assert f'class="muted match-probability">{probability.replace(">", "&gt;")}<' in row.group()
    assert "Odds of a match" in html


@pytest.mark.django_db
def test_the_api_gives_the_badges_odds(workspace, owner):
    pairs = _pairs(workspace)

    listed = ApiClient.with_token(owner, workspace).get("/dedupe/pairs").json()

    by_id = {p["id"]: p for p in listed}
    for name, pair in pairs.items():
        assert by_id[pair.pk]["match_odds"] == SHOWN[name]
        assert by_id[pair.pk]["match_weight"] == pair.match_weight
    assert {"probability", "match_weight", "match_odds"} <= listed[0].keys()
