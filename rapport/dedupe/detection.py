"""Duplicate detection over one frame of records: block, compare, learn weights, score.

Pure computation on a polars frame (an `id` column plus the compared columns), so the same
code serves a workspace's records (`dedupe.frames`) and the FEBRL benchmark.
"""

import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from rapport.dedupe.blocking import DEFAULT_WINDOW, BlockingKey, candidate_pairs
from rapport.dedupe.comparison import Compared, Comparison, compare
from rapport.dedupe.fellegi_sunter import (
    Model,
    fit,
    log_odds_of,
    probability_of,
    term_frequency_bits,
    u_from_random_pairs,
)

DEFAULT_THRESHOLD = 0.8
RANDOM_PAIRS = 200_000


@dataclass(frozen=True)
class Spec:
    comparisons: tuple[Comparison, ...]
    blocking: tuple[BlockingKey, ...]
    order: str  # the column that sorts records within a block (neighbours are compared)


@dataclass
class Found:
    """Pairs at or above the threshold: ids (a < b), match weight (log₂ odds) and probability,
    reasons; and the counts."""

    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray
    probability: np.ndarray
    reasons: list[list[str]]
    candidates: int
    model: Model


class PhaseClock:
    """Wall and CPU seconds (this process, every thread) of consecutive phases."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, phase: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.seconds[phase] = round(wall - self._wall, 3)
        self.cpu_seconds[phase] = round(cpu - self._cpu, 3)
        self._wall, self._cpu = wall, cpu


def levels_of(spec: Spec, frame: pl.DataFrame, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Pairs × fields matrix of comparison levels."""
    if len(ia) == 0:
        return np.empty((0, len(spec.comparisons)), dtype=np.int8)
    return np.column_stack([compare(c, frame[c.column], ia, ib).levels for c in spec.comparisons])


def _rarity(
    compared: Compared, u: np.ndarray, equal: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Term-frequency bits of the pairs whose values are equal (0 elsewhere) and the holders."""
    if compared.holders is None:
        return None
    bits = np.zeros(len(equal), dtype=np.float32)
    bits[equal] = term_frequency_bits(float(u[-1]), compared.holders[equal], compared.records)
    return bits, compared.holders


def compare_pairs(
    spec: Spec, frame: pl.DataFrame, ia: np.ndarray, ib: np.ndarray, u: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs × fields levels, and each pair's term-frequency bits summed over its fields."""
    columns, bits = [], np.zeros(len(ia), dtype=np.float32)
    for c, field_u in zip(spec.comparisons, u, strict=True):
        compared = compare(c, frame[c.column], ia, ib)
        columns.append(compared.levels)
        rarity = _rarity(compared, field_u, compared.levels == c.levels - 1)
        if rarity is not None:
            bits += rarity[0]
    if not columns or len(ia) == 0:
        return np.empty((len(ia), len(spec.comparisons)), dtype=np.int8), bits
    return np.column_stack(columns), bits


def reasons_of(
    spec: Spec, frame: pl.DataFrame, ia: np.ndarray, ib: np.ndarray, u: list[np.ndarray]
) -> list[list[str]]:
    """Readable reasons ("same email", "first name 0.94 similar", "same last name (rare: 3 of
    20,000 records)") for a few kept pairs."""
    reasons: list[list[str]] = [[] for _ in range(len(ia))]
    if len(ia) == 0:
        return reasons
    for c, field_u in zip(spec.comparisons, u, strict=True):
        compared = compare(c, frame[c.column], ia, ib)
        rarity = _rarity(compared, field_u, compared.levels == c.levels - 1)
        for k in np.flatnonzero(compared.levels > 0):
            note = ""
            if rarity is not None and abs(rarity[0][k]) >= 1:
                kind = "rare" if rarity[0][k] > 0 else "common"
                note = f" ({kind}: {rarity[1][k]:,} of {compared.records:,} records)"
            reason = c.reason(int(compared.levels[k]), float(compared.similarity[k]), note)
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
    clock: PhaseClock | None = None,
) -> Found:
    """`clock`, if given, gets a lap for each phase: blocking, comparison, learning, scoring."""
    clock = clock or PhaseClock()
    frame = frame.sort("id")  # row order = id order, so a row pair (a < b) is an id pair too
    sizes = [c.levels for c in spec.comparisons]
    ia, ib, keys = candidate_pairs(frame, spec.blocking, order=spec.order, window=window)
    clock.lap("blocking")
    ra, rb = _random_pairs(frame.height, np.random.default_rng(seed))
    u = u_from_random_pairs(levels_of(spec, frame, ra, rb), sizes)
    levels, rarity = compare_pairs(spec, frame, ia, ib, u)
    clock.lap("comparison")
    # About one duplicate a record at most: a bound on the duplicates among the candidates.
    columns = [c.column for c in spec.comparisons]
    held_out = [frozenset(columns.index(f) for f in key.fields) for key in spec.blocking]
    model = fit(
        levels, keys, held_out, sizes, u, max_prior=min(0.5, frame.height / max(len(ia), 1))
    )
    clock.lap("learning")
    weight = model.log_odds(levels, rarity)
    # Compared as log odds: no second array of ten million probabilities.
    kept = weight >= log_odds_of(threshold)
    weight = weight[kept]
    ka, kb = ia[kept], ib[kept]
    ids = frame["id"].to_numpy()
    reasons = reasons_of(spec, frame, ka, kb, u)
    clock.lap("scoring")
    return Found(
        a=ids[ka],
        b=ids[kb],
        weight=weight,
        probability=probability_of(weight.copy()),
        reasons=reasons,
        candidates=len(ia),
        model=model,
    )
