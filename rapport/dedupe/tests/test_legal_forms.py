"""Companies whose names differ only by their legal forms are two legal entities, not a typo
(Acme GmbH and Acme Ltd); a form spelled two ways, or written on one side only, is one name."""

import numpy as np
import polars as pl

from rapport.dedupe.blocking import candidate_pairs
from rapport.dedupe.comparison import compare
from rapport.dedupe.detection import DEFAULT_THRESHOLD, detect
from rapport.dedupe.frames import COMPANY_SPEC, company_frame_from, legal_form
from rapport.dedupe.tests.factories import BYSTANDERS

NAME = COMPANY_SPEC.comparisons[0]


def _frame(pairs: list[tuple[str, str]], domain: str = "") -> pl.DataFrame:
    """The pairs' companies (ids 1, 2; 3, 4; ...), each pair on one domain, and the
    bystanders of the service tests."""
    rows = [
        (i, name, domain and f"{domain}{(i + 1) // 2}.com", "", "", "")
        for i, name in enumerate((n for pair in pairs for n in pair), start=1)
    ]
    rows += [
        (100 + i, name, f"{name.lower()}.example", "", "", "")
        for i, (_, _, name) in enumerate(BYSTANDERS)
    ]
    return company_frame_from(rows)


def _name_levels(pairs: list[tuple[str, str]]) -> list[int]:
    frame = _frame(pairs)
    ia = np.arange(0, 2 * len(pairs), 2)
    return compare(NAME, frame["name"], ia, ia + 1).levels.tolist()


def test_a_name_splits_into_its_legal_form_and_the_rest():
    forms, cores = legal_form(
        pl.Series(["acme gmbh", "acme, inc.", "acme limited", "acme gmbh & co. kg", "acme s.a."])
    )
    assert forms.to_list() == ["gmbh", "inc", "ltd", "gmbh & co kg", "sa"]
    assert cores.to_list() == ["acme"] * 5
    # a name that is a form, or ends in one's letters inside a word, has none
    forms, cores = legal_form(pl.Series(["ag", "atlas", "wayne enterprises"]))
    assert forms.to_list() == ["", "", ""]
    assert cores.to_list() == ["ag", "atlas", "wayne enterprises"]


def test_names_apart_only_in_their_legal_forms_are_unlike():
    top = NAME.levels - 1
    assert (
        _name_levels(
            [
                ("Northwind Traders GmbH", "Northwind Traders Ltd"),  # 0.84 alike as text
                ("Acme AG", "Acme Inc."),
                ("Northwind Traders Limited", "Northwind Traders Ltd"),
                ("Northwind Traders", "Northwind Traders GmbH"),
                ("Northwind Traders GmbH", "Northwind Trader GmbH"),
            ]
        )[:4]
        == [0, 0, top, top]
    )
    assert 0 < _name_levels([("Northwind Traders GmbH", "Northwind Trader GmbH")])[0] < top


def _probability(pair: tuple[str, str]) -> float:
    """The pair's match probability, the two sharing a domain, among the bystanders."""
    frame = _frame([pair], domain="northwind")
    found = detect(frame, COMPANY_SPEC, threshold=0.0)
    for a, b, p in zip(found.a, found.b, found.probability, strict=True):
        if {int(a), int(b)} == {1, 2}:
            return float(p)
    return 0.0


def test_two_legal_entities_on_one_domain_stay_out_of_the_queue():
    # Before: "name 0.84 similar" and "same domain" gave 0.86 to 0.94.
    assert _probability(("Northwind Traders GmbH", "Northwind Traders Ltd")) < DEFAULT_THRESHOLD


def test_one_entity_written_two_ways_on_one_domain_is_a_likely_duplicate():
    assert _probability(("Northwind Traders Limited", "Northwind Traders Ltd")) >= DEFAULT_THRESHOLD
    assert _probability(("Northwind Traders", "Northwind Traders GmbH")) >= DEFAULT_THRESHOLD


def test_records_that_share_no_blocking_key_give_no_pairs():
    frame = company_frame_from([(1, "Acme", "", "", "", ""), (2, "Acme GmbH", "", "", "", "")])
    ia, ib, keys = candidate_pairs(frame, COMPANY_SPEC.blocking, order="name", window=10)
    assert len(ia) == len(ib) == len(keys) == 0
