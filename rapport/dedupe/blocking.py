"""Blocking: which pairs of records are worth comparing at all.

Comparing every pair of a million contacts is 5·10¹¹ comparisons; blocking compares only
records that share a key (the same email, the same phone, names that sound alike…). Each key
is sorted and every record is paired with the next `window` records of its block, so a block
of any size yields at most `window` pairs a record: the cost grows linearly with the records,
and a huge block (every "J. Smith") is read as a sorted neighbourhood rather than squared.
"""

from dataclasses import dataclass

import jellyfish
import numpy as np
import polars as pl

DEFAULT_WINDOW = 10


@dataclass(frozen=True)
class BlockingKey:
    name: str
    expr: pl.Expr  # the key; null or "" puts the record in no block
    # The compared columns the key is built from: pairs it finds agree on them by
    # construction, so they say nothing about those fields when weights are learned.
    fields: tuple[str, ...] = ()


def soundex(column: str) -> pl.Expr:
    """The Soundex code of a column (computed once per distinct value)."""
    return pl.col(column).map_batches(_soundex_series, return_dtype=pl.String)


def _soundex_series(values: pl.Series) -> pl.Series:
    uniques = values.drop_nulls().unique()
    codes = [jellyfish.soundex(v) if v else "" for v in uniques.to_list()]
    return values.replace_strict(uniques, codes, default="", return_dtype=pl.String)


# A pair of row positions (a < b) as one integer, a·2³² + b: deduplicating and sorting
# ten million pairs is then one integer column, not two.
_HALF = 1 << 32


def _pair_code(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    low, high = pl.min_horizontal(a, b), pl.max_horizontal(a, b)
    return low.cast(pl.UInt64) * _HALF + high.cast(pl.UInt64)


def _key_pairs(frame: pl.DataFrame, key: BlockingKey, *, order: str, window: int) -> pl.DataFrame:
    """The pair codes one key finds (each once): each record and the next `window` of its
    block."""
    keyed = (
        frame.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
            pl.col(order),
            key.expr.alias("key"),
        )
        .filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
        .sort("key", order, "row")
        .select("row", "key")
    )
    return pl.concat(
        keyed.select(
            pair=_pair_code(pl.col("row"), pl.col("row").shift(-k)),
            same=pl.col("key") == pl.col("key").shift(-k),
        )
        .filter(pl.col("same"))
        .select("pair")
        for k in range(1, window + 1)
    )  # distinct already: in the key's order, k is the two rows' distance


def candidate_pairs(
    frame: pl.DataFrame, keys: tuple[BlockingKey, ...], *, order: str, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions (a < b, int32) of the distinct pairs sharing at least one key, and for
    each a bit mask of the keys that found it (bit k: `keys[k]`; uint16).

    Each pair is one 8-byte code; a key's window pairs are distinct by construction and the
    keys' pairs are merged by one sort, with no hash unique or group-by (at a million
    contacts, three int64 columns over every key and window made distinct by hashing peaked
    at 2.3 GB over the frame; this takes about 0.5 GB)."""
    if len(keys) > 16:
        raise ValueError("at most 16 blocking keys (their bit mask is 16 bits)")
    found = [
        _key_pairs(frame, key, order=order, window=window).with_columns(
            key=pl.lit(1 << index, dtype=pl.UInt16)
        )
        for index, key in enumerate(keys)
    ]
    if not found:
        return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.uint16)
    # Sorted, a pair found by several keys is a run of equal codes: its mask is the run's OR
    # (a hash group-by kept a list of row indices per pair, hundreds of MB at this size).
    every = pl.concat(found).sort("pair")
    del found
    codes, masks = every["pair"].to_numpy(), every["key"].to_numpy()
    del every
    if not len(codes):  # no key found a pair (reduceat takes no empty array)
        return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.uint16)
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    key = np.bitwise_or.reduceat(masks, starts)
    codes = codes[starts]
    return (codes >> 32).astype(np.int32), (codes & 0xFFFFFFFF).astype(np.int32), key
