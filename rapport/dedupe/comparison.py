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
# Candidate pairs scored at once: a million contacts give about ten million pairs, whose
# values as Python lists (what rapidfuzz takes) held gigabytes when scored in one go.
PAIR_CHUNK = 1_000_000


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
    holders: np.ndarray | None = None  # int64, per pair
    records: int = 0


def _codes(values: pl.Series) -> tuple[np.ndarray, list[str], int]:
    """Each value as an index into the sorted distinct values, and the index of ""."""
    uniques = values.fill_null("").unique(maintain_order=False).sort()
    codes = (
        values.fill_null("")
        .replace_strict(uniques, pl.int_range(uniques.len(), eager=True), return_dtype=pl.Int64)
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


def _apart(
    comparison: Comparison, uniques: list[str], ca: np.ndarray, cb: np.ndarray
) -> np.ndarray:
    """Pairs of different values that the comparison's `apart` key says are unlike."""
    if comparison.apart is None:
        return np.zeros(len(ca), dtype=bool)
    keys = comparison.apart(pl.Series(uniques, dtype=pl.String))
    key_codes, _, _ = _codes(keys)
    return (ca != cb) & (key_codes[ca] == key_codes[cb])


def compare(
    comparison: Comparison,
    values: pl.Series,
    ia: np.ndarray,
    ib: np.ndarray,
    chunk: int | None = None,
) -> Compared:
    """The pairs (ia[k], ib[k]) of `values` compared. Similarities are scored `chunk` pairs
    (`PAIR_CHUNK` by default) at a time, so the Python lists and joins they need stay bounded
    however many pairs there are; a pair of values met in two chunks is scored in each, with
    the same result."""
    codes, uniques, empty = _codes(values)
    ca, cb = codes[ia], codes[ib]
    similarity = np.where(ca == cb, 1.0, 0.0).astype(np.float32)
    apart = _apart(comparison, uniques, ca, cb)
    if comparison.scorer is not None:
        differing = np.flatnonzero((ca != cb) & ~apart)
        chunk = chunk or PAIR_CHUNK
        for start in range(0, len(differing), chunk):
            at = differing[start : start + chunk]
            similarity[at] = _scores(comparison.scorer, uniques, ca[at], cb[at])
    levels = np.zeros(len(ia), dtype=np.int8)
    for i, threshold in enumerate(comparison.thresholds, start=1):
        levels[similarity >= threshold] = i
    levels[apart] = 0
    levels[ca == cb] = comparison.levels - 1
    levels[(ca == empty) | (cb == empty)] = MISSING
    if not comparison.term_frequency:
        return Compared(levels, similarity)
    holders = np.bincount(codes, minlength=len(uniques))
    if empty >= 0:
        holders[empty] = 0
    return Compared(levels, similarity, holders[ca], int(holders.sum()))
