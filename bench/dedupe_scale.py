"""Time duplicate detection over N generated contacts with planted duplicates.

    .venv/bin/python bench/dedupe_scale.py --contacts 100000
    .venv/bin/python bench/dedupe_scale.py --contacts 1000000

Generates contacts (first and last names from Faker's lists, emails, E.164-like phones,
companies, cities, postcodes) and plants a duplicate of 10% of them with a typo in a name,
a dropped email or phone, or a changed street; then runs Rapport's detection (blocking,
comparison, EM, scoring) on the frame and reports its time, the pairs compared and the
recall and precision of the planted pairs. The frame is what `dedupe.frames` reads from the
database in one query; that read is not included here (see docs/performance.md).
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

import numpy as np  # noqa: E402
from faker import Faker  # noqa: E402

from rapport.dedupe.detection import detect  # noqa: E402
from rapport.dedupe.frames import CONTACT_SPEC, contact_frame_from  # noqa: E402


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 3:
        return word
    i = int(rng.integers(1, len(word) - 1))
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def generate(n: int, seed: int = 7) -> tuple[list[tuple], set[tuple[int, int]]]:
    fake = Faker()
    Faker.seed(seed)
    rng = np.random.default_rng(seed)
    firsts = sorted({fake.first_name() for _ in range(3000)})
    lasts = sorted({fake.last_name() for _ in range(3000)})
    companies = sorted({fake.company() for _ in range(5000)})
    cities = sorted({fake.city() for _ in range(2000)})
    streets = sorted({fake.street_name() for _ in range(5000)})
    originals = int(n / 1.1)
    rows = []
    for i in range(originals):
        first, last = firsts[rng.integers(len(firsts))], lasts[rng.integers(len(lasts))]
        rows.append(
            (
                i + 1,
                first,
                last,
                f"{first}.{last}{i}@example.com".lower(),
                f"+1555{i:07d}",
                companies[rng.integers(len(companies))],
                f"{rng.integers(1, 999)} {streets[rng.integers(len(streets))]}",
                cities[rng.integers(len(cities))],
                f"{rng.integers(10000, 99999)}",
            )
        )
    truth = set()
    for j, k in enumerate(rng.choice(originals, n - originals, replace=False)):
        _, first, last, email, phone, company, street, city, postcode = rows[k]
        change = j % 4
        if change == 0:
            first = _typo(first, rng)
        elif change == 1:
            last, email = _typo(last, rng), ""
        elif change == 2:
            phone, street = "", street + " Apt 2"
        else:
            email = email.replace("@", "1@")
        rows.append((originals + j + 1, first, last, email, phone, company, street, city, postcode))
        truth.add((int(k) + 1, originals + j + 1))
    return rows, truth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    rows, truth = generate(args.contacts)
    started = time.perf_counter()
    frame = contact_frame_from(rows)
    built = time.perf_counter()
    found = detect(frame, CONTACT_SPEC)
    done = time.perf_counter()
    pairs = {(int(a), int(b)) for a, b in zip(found.a, found.b, strict=True)}
    hits = len(pairs & truth)
    print(f"{len(rows)} contacts, {len(truth)} planted duplicates")
    print(f"frame {built - started:.1f} s, detection {done - built:.1f} s")
    print(f"{found.candidates} pairs compared, {len(pairs)} kept")
    print(f"planted recall {hits / len(truth):.3f}, precision {hits / max(len(pairs), 1):.3f}")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
