"""Duplicate detection over one frame of records: block, compare, learn weights, score.

Pure computation on a polars frame (an `id` column plus the compared columns), so the same
code serves a workspace's records (`dedupe.frames`) and the FEBRL benchmark.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from rapport.dedupe.blocking import DEFAULT_WINDOW, BlockingKey, candidate_pairs
from rapport.dedupe.comparison import Comparison, compare
from rapport.dedupe.fellegi_sunter import Model, fit, u_from_random_pairs

DEFAULT_THRESHOLD = 0.8
RANDOM_PAIRS = 200_000


@dataclass(frozen=True)
class Spec:
    comparisons: tuple[Comparison, ...]
    blocking: tuple[BlockingKey, ...]
    order: str  # the column that sorts records within a block (neighbours are compared)


@dataclass
class Found:
    """Pairs at or above the threshold: ids (a < b), probability, reasons; and the counts."""

    a: np.ndarray
    b: np.ndarray
    probability: np.ndarray
    reasons: list[list[str]]
    candidates: int
    model: Model


def levels_of(spec: Spec, frame: pl.DataFrame, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Pairs × fields matrix of comparison levels."""
    if len(ia) == 0:
        return np.empty((0, len(spec.comparisons)), dtype=np.int8)
    return np.column_stack([compare(c, frame[c.column], ia, ib)[0] for c in spec.comparisons])


def reasons_of(spec: Spec, frame: pl.DataFrame, ia: np.ndarray, ib: np.ndarray) -> list[list[str]]:
    """Readable reasons ("same email", "first names 0.94 similar") for a few kept pairs."""
    reasons: list[list[str]] = [[] for _ in range(len(ia))]
    if len(ia) == 0:
        return reasons
    for c in spec.comparisons:
        levels, similarity = compare(c, frame[c.column], ia, ib)
        for k in np.flatnonzero(levels > 0):
            reason = c.reason(int(levels[k]), float(similarity[k]))
            if reason:
                reasons[k].append(reason)
    return reasons


def _random_pairs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    size = min(RANDOM_PAIRS, n * (n - 1) // 2)
    ia, ib = rng.integers(0, n, size), rng.integers(0, n, size)
    distinct = ia != ib
    return ia[distinct], ib[distinct]


def detect(
    frame: pl.DataFrame,
    spec: Spec,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    window: int = DEFAULT_WINDOW,
    seed: int = 0,
) -> Found:
    frame = frame.sort("id")  # row order = id order, so a row pair (a < b) is an id pair too
    sizes = [c.levels for c in spec.comparisons]
    ia, ib, keys = candidate_pairs(frame, spec.blocking, order=spec.order, window=window)
    ra, rb = _random_pairs(frame.height, np.random.default_rng(seed))
    u = u_from_random_pairs(levels_of(spec, frame, ra, rb), sizes)
    levels = levels_of(spec, frame, ia, ib)
    # About one duplicate a record at most: a bound on the duplicates among the candidates.
    columns = [c.column for c in spec.comparisons]
    held_out = [frozenset(columns.index(f) for f in key.fields) for key in spec.blocking]
    model = fit(
        levels, keys, held_out, sizes, u, max_prior=min(0.5, frame.height / max(len(ia), 1))
    )
    probability = model.probability(levels)
    kept = probability >= threshold
    ka, kb = ia[kept], ib[kept]
    ids = frame["id"].to_numpy()
    return Found(
        a=ids[ka],
        b=ids[kb],
        probability=probability[kept],
        reasons=reasons_of(spec, frame, ka, kb),
        candidates=len(ia),
        model=model,
    )
