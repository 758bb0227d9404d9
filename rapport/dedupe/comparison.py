"""Comparing the two records of many candidate pairs at once, field by field, into levels.

A field's *level* says how alike the two values are (0: unlike; the top level: equal; between:
similar above a threshold; -1: one side empty). Scoring works on levels only. Similarities are
computed once per distinct pair of values (names and cities repeat a lot), in rapidfuzz's
vectorised `cpdist`, never in a Python loop over pairs.

A field compared with `term_frequency` also tells how many records hold each pair's shared
value, so scoring can weigh a shared rare surname above a shared "Smith".
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import token_sort_ratio

MISSING = -1
# Candidate pairs compared at once: a million contacts give about ten million pairs, whose
# values as Python lists (what rapidfuzz takes) held gigabytes when scored in one go.
PAIR_CHUNK = 500_000


# A rapidfuzz scorer (native, so cpdist never calls back into Python) and its full score.
Scorer = tuple[Callable[..., float], float]
JARO_WINKLER: Scorer = (JaroWinkler.normalized_similarity, 1.0)
TOKEN_SORT: Scorer = (token_sort_ratio, 100.0)
# Edits (a transposition counts one) over the longer length: a typo in an address, where
# Jaro-Winkler's bonus for a shared start rewards the name an address is made of.
TYPO: Scorer = (OSA.normalized_similarity, 1.0)


@dataclass(frozen=True)
class Comparison:
    """One compared column; `thresholds` (ascending similarities) make the in-between levels."""

    column: str
    label: str  # in reasons: "same email", "last name 0.94 similar"
    scorer: Scorer | None = None  # None: equal or not
    thresholds: tuple[float, ...] = field(default=())
    term_frequency: bool = False  # weigh an equal value by how rare it is in the records
    # A key per value: two different values with the same key are unlike whatever their
    # similarity (two mailboxes of one free-mail domain, addresses differing only in digits).
    apart: Callable[[pl.Series], pl.Series] | None = None
    # Each value as (group, part): two values of one group are scored on their parts alone,
    # since what they share says nothing of whether they are one (the mailboxes of one
    # company domain: theresa.nelson@ and theresa.jensen@ are two people, not a typo).
    within: Callable[[pl.Series], tuple[pl.Series, pl.Series]] | None = None
    # Each value as (qualifier, core), "" for no qualifier: two values whose qualifiers are
    # both set and differ are unlike, and the rest are scored on their cores (a company's
    # legal form: Acme GmbH and Acme Ltd are two legal entities, Acme and Acme GmbH one name).
    qualified: Callable[[pl.Series], tuple[pl.Series, pl.Series]] | None = None

    @property
    def levels(self) -> int:
        """How many levels besides missing: unlike, each threshold, equal."""
        return len(self.thresholds) + 2

    def reason(self, level: int, similarity: float, note: str = "") -> str | None:
        if level == self.levels - 1:
            return f"same {self.label}{note}"
        if level > 0:
            return f"{self.label} {similarity:.2f} similar"
        return None


@dataclass
class Compared:
    """One field over many pairs: levels, similarities and, for a `term_frequency` field,
    how many of the `records` with a value hold the first record's value."""

    levels: np.ndarray  # int8
    similarity: np.ndarray  # float32
    holders: np.ndarray | None = None  # int32, per pair
    records: int = 0


def _codes(values: pl.Series) -> tuple[np.ndarray, list[str], int]:
    """Each value as an index into the sorted distinct values, and the index of ""."""
    uniques = values.fill_null("").unique(maintain_order=False).sort()
    codes = (
        values.fill_null("")
        .replace_strict(uniques, pl.int_range(uniques.len(), eager=True), return_dtype=pl.Int32)
        .to_numpy()
    )
    empty = uniques.index_of("")
    return codes, uniques.to_list(), -1 if empty is None else int(empty)


def _scores(scorer: Scorer, uniques: list[str], ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """The similarity of each pair of (differing) value codes, each distinct pair scored once."""
    lo, hi = np.minimum(ca, cb), np.maximum(ca, cb)
    distinct = pl.DataFrame({"lo": lo, "hi": hi}).unique()
    fn, full = scorer
    scores = process.cpdist(
        [uniques[i] for i in distinct["lo"].to_list()],
        [uniques[i] for i in distinct["hi"].to_list()],
        scorer=fn,
        workers=-1,
    )
    scored = distinct.with_columns(score=pl.Series(scores / full, dtype=pl.Float32))
    looked_up = pl.DataFrame({"lo": lo, "hi": hi}).join(
        scored, on=["lo", "hi"], how="left", maintain_order="left"
    )
    return looked_up["score"].to_numpy()


def _apart_codes(comparison: Comparison, uniques: list[str]) -> np.ndarray | None:
    """Per distinct value, the code of its `apart` key (None: the comparison has none)."""
    if comparison.apart is None:
        return None
    return _codes(comparison.apart(pl.Series(uniques, dtype=pl.String)))[0]


@dataclass
class _Within:
    """Per distinct value, the code of its group and of its part, and the distinct parts."""

    groups: np.ndarray
    parts: np.ndarray
    part_uniques: list[str]


def _within_codes(comparison: Comparison, uniques: list[str]) -> _Within | None:
    if comparison.within is None:
        return None
    groups, parts = comparison.within(pl.Series(uniques, dtype=pl.String))
    part_codes, part_uniques, _ = _codes(parts)
    return _Within(_codes(groups)[0], part_codes, part_uniques)


@dataclass
class _Qualified:
    """Per distinct value, the code of its qualifier (-1: none) and of its core, and the
    distinct cores."""

    qualifiers: np.ndarray
    cores: np.ndarray
    core_uniques: list[str]


def _qualified_codes(comparison: Comparison, uniques: list[str]) -> _Qualified | None:
    if comparison.qualified is None:
        return None
    qualifiers, cores = comparison.qualified(pl.Series(uniques, dtype=pl.String))
    qualifier_codes, _, none = _codes(qualifiers)
    qualifier_codes = np.where(qualifier_codes == none, -1, qualifier_codes)
    core_codes, core_uniques, _ = _codes(cores)
    return _Qualified(qualifier_codes, core_codes, core_uniques)


def _levels(
    comparison: Comparison,
    uniques: list[str],
    empty: int,
    apart_codes: np.ndarray | None,
    within: _Within | None,
    ca: np.ndarray,
    cb: np.ndarray,
    qualified: _Qualified | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Levels and similarities of the pairs of value codes (ca[k], cb[k])."""
    same = ca == cb
    apart = ~same & (apart_codes[ca] == apart_codes[cb]) if apart_codes is not None else None
    # values compared as the scorer sees them: their cores, for a qualified comparison
    scored, sa, sb = uniques, ca, cb
    if qualified is not None:
        qa, qb = qualified.qualifiers[ca], qualified.qualifiers[cb]
        clash = ~same & (qa >= 0) & (qb >= 0) & (qa != qb)
        apart = clash if apart is None else apart | clash
        scored, sa, sb = qualified.core_uniques, qualified.cores[ca], qualified.cores[cb]
        same |= (sa == sb) & ~clash  # Acme Ltd and Acme Limited; Acme and Acme GmbH
    similarity = same.astype(np.float32)
    if comparison.scorer is not None:
        differing = np.flatnonzero(~same if apart is None else ~same & ~apart)
        similarity[differing] = _scores(comparison.scorer, scored, sa[differing], sb[differing])
        if within is not None:
            grouped = differing[within.groups[ca[differing]] == within.groups[cb[differing]]]
            similarity[grouped] = _scores(
                comparison.scorer,
                within.part_uniques,
                within.parts[ca[grouped]],
                within.parts[cb[grouped]],
            )
    levels = np.zeros(len(ca), dtype=np.int8)
    for i, threshold in enumerate(comparison.thresholds, start=1):
        levels[similarity >= threshold] = i
    if apart is not None:
        levels[apart] = 0
    levels[same] = comparison.levels - 1
    levels[(ca == empty) | (cb == empty)] = MISSING
    return levels, similarity


def compare(
    comparison: Comparison,
    values: pl.Series,
    ia: np.ndarray,
    ib: np.ndarray,
    chunk: int | None = None,
) -> Compared:
    """The pairs (ia[k], ib[k]) of `values` compared, `chunk` pairs (`PAIR_CHUNK` by default)
    at a time: the value codes, Python lists and joins a chunk needs stay bounded however many
    pairs there are, and only the levels (1 byte a pair) and similarities (4) are kept whole.
    A pair of values met in two chunks is scored in each, with the same result."""
    codes, uniques, empty = _codes(values)
    apart_codes = _apart_codes(comparison, uniques)
    within = _within_codes(comparison, uniques)
    qualified = _qualified_codes(comparison, uniques)
    chunk = chunk or PAIR_CHUNK
    levels = np.empty(len(ia), dtype=np.int8)
    similarity = np.empty(len(ia), dtype=np.float32)
    for start in range(0, len(ia), chunk):
        part = slice(start, start + chunk)
        levels[part], similarity[part] = _levels(
            comparison,
            uniques,
            empty,
            apart_codes,
            within,
            codes[ia[part]],
            codes[ib[part]],
            qualified,
        )
    if not comparison.term_frequency:
        return Compared(levels, similarity)
    holders = np.bincount(codes, minlength=len(uniques)).astype(np.int32)
    if empty >= 0:
        holders[empty] = 0
    return Compared(levels, similarity, holders[codes][ia], int(holders.sum()))
