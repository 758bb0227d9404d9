"""Term frequency: a shared rare surname says more than a shared common one."""

import itertools

import numpy as np

from rapport.dedupe.detection import detect
from rapport.dedupe.fellegi_sunter import term_frequency_bits
from rapport.dedupe.frames import CONTACT_SPEC, contact_frame_from

FIRSTS = ["Alan", "Beth", "Chen", "Dora", "Eric", "Fay", "Gus", "Hana", "Ivan", "Jude"]
SYLLABLES = ["bar", "cov", "dun", "fel", "gim", "hol", "kip", "lor", "mav", "nop", "rud", "tal"]


def _people() -> list[tuple]:
    """2,000 filler contacts (a quarter of them Smiths) and two planted pairs alike in
    everything but how common their shared surname is."""
    rows = []
    rare = ("".join(s) for s in itertools.product(SYLLABLES, repeat=3))
    for i in range(2000):
        last = "Smith" if i % 4 == 0 else next(rare).title()
        first = FIRSTS[i % len(FIRSTS)]
        rows.append((i + 1, first, last, "", "", "", f"{i} Elm Rd", f"Town {i}", ""))
    for n, last in enumerate(["Smith", "Smith", "Quillfeather", "Quillfeather"], start=2001):
        rows.append((n, "Mary", last, "", "", "", "", "Leeds", ""))
    return rows


def _scores(result) -> dict[tuple[int, int], tuple[float, list[str]]]:
    return {
        (int(a), int(b)): (float(p), reasons)
        for a, b, p, reasons in zip(
            result.a, result.b, result.probability, result.reasons, strict=True
        )
    }


def test_a_shared_rare_surname_scores_higher_than_a_shared_common_one():
    found = _scores(detect(contact_frame_from(_people()), CONTACT_SPEC, threshold=0.0))

    common, rare = found[(2001, 2002)], found[(2003, 2004)]
    assert rare[0] > common[0]
    assert any(r.startswith("same last name (rare: 2 of 2,004") for r in rare[1])
    assert any(r.startswith("same last name (common: 502 of 2,004") for r in common[1])


def test_probabilities_stay_between_0_and_1_with_term_frequency():
    result = detect(contact_frame_from(_people()), CONTACT_SPEC, threshold=0.0)

    assert len(result.probability) > 2000
    assert np.all(np.isfinite(result.probability))
    assert np.all((result.probability >= 0) & (result.probability <= 1))


def test_bits_rise_for_rare_values_fall_for_common_and_vanish_at_the_average():
    holders = np.array([2, 10_000, 100_000])
    bits = term_frequency_bits(0.01, holders, records=1_000_000)

    assert bits[0] > 5  # 2 in a million against one in a hundred
    assert abs(bits[1]) < 1e-9  # exactly the field's average share
    assert bits[2] < -3  # one in ten
