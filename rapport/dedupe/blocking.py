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


def candidate_pairs(
    frame: pl.DataFrame, keys: tuple[BlockingKey, ...], *, order: str, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions (a < b) of the distinct pairs sharing at least one key, and for each a
    bit mask of the keys that found it (bit k: `keys[k]`)."""
    found = []
    rows = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("row"))
    for index, key in enumerate(keys):
        keyed = (
            rows.select("row", order, key.expr.alias("key"))
            .filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
            .sort("key", order, "row")
        )
        for k in range(1, window + 1):
            found.append(
                keyed.select(
                    a=pl.col("row"),
                    b=pl.col("row").shift(-k),
                    same=pl.col("key") == pl.col("key").shift(-k),
                )
                .filter(pl.col("same"))
                .select(
                    pl.min_horizontal("a", "b").alias("a"),
                    pl.max_horizontal("a", "b").alias("b"),
                    pl.lit(1 << index, dtype=pl.Int64).alias("key"),
                )
            )
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    pairs = pl.concat(found).unique().group_by("a", "b").agg(pl.col("key").sum()).sort("a", "b")
    return pairs["a"].to_numpy(), pairs["b"].to_numpy(), pairs["key"].to_numpy()
