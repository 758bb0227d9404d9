"""Blocking and scoring on hand-built frames: planted pairs found, true pairs ranked first."""

import numpy as np

from rapport.dedupe.blocking import candidate_pairs
from rapport.dedupe.comparison import compare
from rapport.dedupe.detection import detect
from rapport.dedupe.frames import CONTACT_SPEC, contact_frame_from

PEOPLE = [
    # id, first, last, email, phone, company, street, city, postcode
    (1, "Ann", "Lee", "ann@acme.io", "+442071234567", "Acme", "1 High St", "London", "N1 1AA"),
    (2, "Anne", "Lee", "ann@acme.io", "", "Acme Ltd", "1 High Street", "London", "N11AA"),
    (3, "Robert", "Smith", "bob@globex.io", "+33142000000", "Globex", "", "Paris", ""),
    (4, "Robert", "Smyth", "", "+33142000000", "Globex", "", "Paris", ""),
    (5, "Carl", "Jones", "carl@initech.io", "", "Initech", "9 Elm Rd", "Leeds", "LS1 2AB"),
    (6, "Karl", "Jones", "karl.jones@mail.example", "", "", "9 Elm Road", "Leeds", "LS12AB"),
    (7, "Dana", "Lee", "dana@acme.io", "", "Acme", "", "London", ""),
    (8, "Jon", "Leeds", "jon@hooli.io", "", "Hooli", "", "York", ""),
    (9, "Maria", "García", "maria@umbrella.io", "", "Umbrella", "", "Madrid", ""),
    (10, "Peter", "Smith", "peter@globex.io", "", "Globex", "", "Paris", ""),
    (11, "Lena", "Berg", "lena@stark.io", "", "Stark", "", "Oslo", ""),
    (12, "Omar", "Haddad", "omar@wayne.io", "", "Wayne", "", "Cairo", ""),
]
TRUE_PAIRS = {(1, 2), (3, 4), (5, 6)}


def _found(result) -> dict[tuple[int, int], float]:
    return {
        (int(a), int(b)): float(p)
        for a, b, p in zip(result.a, result.b, result.probability, strict=True)
    }


def test_blocking_finds_every_planted_pair_without_pairing_everything():
    frame = contact_frame_from(PEOPLE).sort("id")
    ia, ib, _ = candidate_pairs(frame, CONTACT_SPEC.blocking, order="sort", window=10)
    ids = frame["id"].to_numpy()
    pairs = {(int(ids[a]), int(ids[b])) for a, b in zip(ia, ib, strict=True)}

    assert pairs >= TRUE_PAIRS
    assert len(pairs) < len(PEOPLE) * (len(PEOPLE) - 1) // 2 // 2


def test_a_pair_found_by_several_keys_is_one_pair_carrying_each_keys_bit():
    frame = contact_frame_from(PEOPLE).sort("id")
    ia, ib, keys = candidate_pairs(frame, CONTACT_SPEC.blocking, order="sort", window=10)
    pairs = list(zip(ia.tolist(), ib.tolist(), strict=True))
    names = [key.name for key in CONTACT_SPEC.blocking]

    assert len(pairs) == len(set(pairs))
    ann = int(keys[pairs.index((0, 1))])  # rows 0 and 1: Ann and Anne Lee, one email
    assert ann & (1 << names.index("email"))
    assert ann & (1 << names.index("last name sound, first initial"))
    assert not ann & (1 << names.index("phone"))


def test_a_block_larger_than_the_window_is_read_as_a_sorted_neighbourhood():
    many = [(i, "John", "Smith", "", "", "", "", "", "") for i in range(1, 101)]
    frame = contact_frame_from(many).sort("id")
    ia, ib, _ = candidate_pairs(frame, CONTACT_SPEC.blocking, order="sort", window=5)

    assert len(ia) <= 100 * 5  # not 4,950
    assert np.all(ia < ib)


def test_true_pairs_score_above_every_other_pair_with_reasons():
    result = detect(contact_frame_from(PEOPLE), CONTACT_SPEC, threshold=0.0)
    found = _found(result)

    assert set(found) >= TRUE_PAIRS
    weakest_true = min(found[p] for p in TRUE_PAIRS)
    others = [p for pair, p in found.items() if pair not in TRUE_PAIRS]
    assert all(p < weakest_true for p in others)
    assert weakest_true >= 0.5
    reasons = dict(zip(zip(result.a.tolist(), result.b.tolist()), result.reasons, strict=True))
    assert "same email" in reasons[(1, 2)]
    assert any(r.startswith("first name 0.9") for r in reasons[(1, 2)])
    assert "same phone" in reasons[(3, 4)]


def test_the_threshold_keeps_only_likely_pairs():
    found = _found(detect(contact_frame_from(PEOPLE), CONTACT_SPEC))

    assert set(found) == TRUE_PAIRS


def test_pairs_compared_a_few_at_a_time_get_the_levels_and_similarities_of_one_go(monkeypatch):
    frame = contact_frame_from(PEOPLE * 3).sort("id")
    ia, ib = np.triu_indices(frame.height, k=1)
    for c in CONTACT_SPEC.comparisons:
        whole = compare(c, frame[c.column], ia, ib)
        chunked = compare(c, frame[c.column], ia, ib, chunk=7)
        assert np.array_equal(chunked.levels, whole.levels), c.column
        assert np.array_equal(chunked.similarity, whole.similarity), c.column

    expected = _found(detect(contact_frame_from(PEOPLE), CONTACT_SPEC, threshold=0.0))
    monkeypatch.setattr("rapport.dedupe.comparison.PAIR_CHUNK", 2)
    assert _found(detect(contact_frame_from(PEOPLE), CONTACT_SPEC, threshold=0.0)) == expected
