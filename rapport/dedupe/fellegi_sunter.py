"""Fellegi–Sunter scoring: how much each field's level says for or against a match.

For each field and level, m is the chance of that level among true duplicates and u among
non-duplicates; a pair's match weight is the sum of log₂(m/u) over its non-missing fields.
u is measured on random pairs of the workspace's own records (almost all of which are not
duplicates); m and the share of duplicates among the candidate pairs are learned by
expectation–maximisation over the candidate pairs, grouped by their pattern of levels so an
iteration costs the number of distinct patterns, not of pairs. A pseudo-count prior keeps a
small workspace's estimates sensible, and weights are made non-decreasing in the level (a
closer value never counts less). A workspace with few candidate pairs keeps the starting guesses.

Term frequency (as splink and Fellegi–Sunter's own paper do it): two unrelated records share
a given value v about as often as the value's share of the records, tf(v), so an equal level
on v is weighed with u = tf(v) rather than the field's average u: the weight of agreeing
moves by log₂(u / tf(v)), up for a rare surname, down for "Smith". EM learns m and the
average u without it; the adjustment is added when pairs are scored.
"""

from dataclasses import dataclass

import numpy as np

from rapport.dedupe.comparison import MISSING

PRIOR_STRENGTH = 20.0  # pseudo-pairs pulling m and the prior toward their starting guess
U_PRIOR_PAIRS = 20.0
KEY_ITERATIONS = 20
# Below this many candidate pairs EM has too little to learn from (it would call every
# candidate a duplicate and reinforce itself): the starting guesses are used as they are.
MIN_PAIRS_TO_LEARN = 500
# Pseudo-records at the field's average share: a value's share in a small workspace is noise
# (a third of three contacts are "Lee"), beside a million records they vanish.
TF_PRIOR_RECORDS = 1_000.0


@dataclass
class Model:
    m: list[np.ndarray]  # per field, P(level | duplicate)
    u: list[np.ndarray]  # per field, P(level | not a duplicate)
    prior: float  # share of duplicates among the candidate pairs

    def weights(self) -> list[np.ndarray]:
        """log₂(m/u) per field and level, non-decreasing in the level."""
        return [monotone_weights(m, u) for m, u in zip(self.m, self.u, strict=True)]

    def match_weight(self, levels: np.ndarray) -> np.ndarray:
        """Summed weight of each row of `levels` (pairs × fields; MISSING adds nothing)."""
        total = np.zeros(levels.shape[0], dtype=np.float64)
        for f, weight in enumerate(self.weights()):
            # A lookup per pair with MISSING (-1) at index 0 and no weight: no masked copies.
            total += np.concatenate(([0.0], weight))[levels[:, f] - MISSING]
        return total

    def log_odds(self, levels: np.ndarray, adjustment: np.ndarray | None = None) -> np.ndarray:
        """Each row's match weight plus the prior's log₂ odds, with `adjustment` bits (term
        frequency) if given: log₂ of the odds of a match, which keeps ranking pairs whose
        probability has long rounded to 1."""
        score = self.match_weight(levels)
        score += np.log2(self.prior / (1 - self.prior))
        if adjustment is not None:
            score += adjustment
        return score

    def probability(self, levels: np.ndarray, adjustment: np.ndarray | None = None) -> np.ndarray:
        """Match probability of each row of `levels` (see `log_odds`)."""
        return probability_of(self.log_odds(levels, adjustment))


def probability_of(log_odds: np.ndarray) -> np.ndarray:
    """Probability from log₂ odds, overwriting `log_odds`: ten million pairs' float64 is
    78 MB an array, and each step made one."""
    score = np.clip(log_odds, -60, 60, out=log_odds)
    np.exp2(np.negative(score, out=score), out=score)
    score += 1.0
    return np.reciprocal(score, out=score)


def log_odds_of(probability: float) -> float:
    """The log₂ odds of a probability (0 and 1 are minus and plus infinity)."""
    if probability <= 0 or probability >= 1:
        return float("-inf") if probability <= 0 else float("inf")
    return float(np.log2(probability / (1 - probability)))


def monotone_weights(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    """log₂(m/u) per level, made non-decreasing by pooling neighbouring levels that break the
    order (pool adjacent violators): they are read as one coarser level, whose weight is
    log₂(Σm/Σu). A rare in-between level (no random pair reached it, so its u is a
    pseudo-count) would otherwise lift the levels above it to its own unmeasured weight:
    "company 0.9 similar" at 15 bits made "same company" 15 bits instead of its measured 8."""
    blocks: list[list[float]] = []  # per pooled block: Σm, Σu, levels in it
    for m_level, u_level in zip(m.tolist(), u.tolist(), strict=True):
        blocks.append([m_level, u_level, 1])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            m_top, u_top, n_top = blocks.pop()
            blocks[-1][0] += m_top
            blocks[-1][1] += u_top
            blocks[-1][2] += n_top
    return np.repeat([np.log2(bm / bu) for bm, bu, _ in blocks], [int(n) for *_, n in blocks])


def term_frequency_bits(u_equal: float, holders: np.ndarray, records: int) -> np.ndarray:
    """log₂(u / tf) for equal values held by `holders` of the `records` records with a value,
    `u_equal` being the field's average u of its equal level."""
    share = (holders + TF_PRIOR_RECORDS * u_equal) / (records + TF_PRIOR_RECORDS)
    return np.log2(u_equal / share)


def _m_start(levels: int) -> np.ndarray:
    """Duplicates mostly agree: the top level likely, each lower one less so."""
    guess = np.array([0.2 ** (levels - 1 - i) for i in range(levels)])
    return guess / guess.sum()


def _u_start(levels: int) -> np.ndarray:
    """Unrelated records rarely agree: 1% equal, 2% at each similar level."""
    guess = np.array([0.0] + [0.02] * (levels - 2) + [0.01])
    guess[0] = 1.0 - guess.sum()
    return guess


def u_from_random_pairs(levels: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Level frequencies among random pairs, with pseudo-pairs of the starting guess.

    A small workspace's few random pairs include its duplicates (a third of 3 companies share
    a domain); the pseudo-pairs keep u sensible there and vanish beside 200,000 real ones.
    """
    u = []
    for f, size in enumerate(sizes):
        column = levels[:, f]
        column = column[column != MISSING]
        counts = np.bincount(column, minlength=size) + U_PRIOR_PAIRS * _u_start(size)
        u.append(counts / counts.sum())
    return u


def _patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `levels` and how many times each occurs.

    Each row is read as one integer (its levels as digits), so millions of pairs cost one
    sort of integers, not a sort of rows.
    """
    base = int(levels.max(initial=0)) + 2  # digits 0 (MISSING) .. top level + 1
    codes = np.zeros(levels.shape[0], dtype=np.int64)
    for f in range(levels.shape[1]):
        codes = codes * base + (levels[:, f] + 1)
    distinct, counts = np.unique(codes, return_counts=True)
    powers = base ** np.arange(levels.shape[1] - 1, -1, -1, dtype=np.int64)
    patterns = (distinct[:, None] // powers) % base - 1
    return patterns.astype(levels.dtype), counts.astype(np.float64)


def _em(
    levels: np.ndarray,
    model: Model,
    m0: list[np.ndarray],
    *,
    held: frozenset[int],
    iterations: int,
    prior: float,
    max_prior: float,
) -> None:
    """EM over the pairs' level patterns: the prior and the m of every field not `held`."""
    patterns, counts = _patterns(levels)
    for _ in range(iterations):
        posterior = model.probability(patterns) * counts
        share = (posterior.sum() + PRIOR_STRENGTH * prior) / (counts.sum() + PRIOR_STRENGTH)
        model.prior = float(np.clip(share, 1e-6, min(max_prior, 1 - 1e-6)))
        for f, size in enumerate(m0):
            if f in held:
                continue
            column = patterns[:, f]
            present = column != MISSING
            tally = np.bincount(column[present], weights=posterior[present], minlength=len(size))
            m = (tally + PRIOR_STRENGTH * size) / (tally.sum() + PRIOR_STRENGTH)
            # Duplicates agree on a field more often than they disagree on it.
            m = np.minimum(m, m[-1])
            model.m[f] = m / m.sum()


def fit(
    levels: np.ndarray,
    keys: np.ndarray,
    held_out: list[frozenset[int]],
    sizes: list[int],
    u: list[np.ndarray],
    *,
    prior: float = 0.1,
    max_prior: float = 1.0,
) -> Model:
    """Learn m by EM once per blocking key, then the prior over all candidate pairs.

    Pairs found by a key agree on the fields the key is built from (`held_out[k]`) by
    construction, so those fields are left out of that key's run (as if missing), or EM would
    take "same surname" for the mark of a duplicate; each field's m is the mean of the
    runs that learned it (the way splink trains per blocking rule). The prior is learned with
    m held, bounded by `max_prior`. Pairs are `levels` rows; bit k of `keys[i]` says whether
    key k found row i.
    """
    m0 = [_m_start(size) for size in sizes]
    model = Model(m=[m.copy() for m in m0], u=u, prior=prior)
    if levels.shape[0] < MIN_PAIRS_TO_LEARN:
        return model
    learned: list[list[np.ndarray]] = [[] for _ in sizes]
    for key, held in enumerate(held_out):
        rows = levels[(keys >> key) & 1 == 1]
        if rows.shape[0] < MIN_PAIRS_TO_LEARN:
            continue
        rows[:, list(held)] = MISSING  # they tell nothing here: out of the weights as well
        run = Model(m=[m.copy() for m in m0], u=u, prior=prior)
        _em(rows, run, m0, held=held, iterations=KEY_ITERATIONS, prior=prior, max_prior=1.0)
        for f in range(len(sizes)):
            if f not in held:
                learned[f].append(run.m[f])
    model.m = [np.mean(runs, axis=0) if runs else m0[f] for f, runs in enumerate(learned)]
    every_field = frozenset(range(len(sizes)))
    _em(
        levels,
        model,
        m0,
        held=every_field,
        iterations=KEY_ITERATIONS,
        prior=prior,
        max_prior=max_prior,
    )
    return model
