"""Time duplicate detection over N generated contacts with planted duplicates.

    .venv/bin/python bench/dedupe_scale.py --contacts 100000
    .venv/bin/python bench/dedupe_scale.py --contacts 1000000 --db rapport_bench_dedupe

Generates contacts (first and last names from Faker's lists, emails, E.164-like phones,
companies, streets, cities, postcodes) and plants a duplicate of 10% of them with a typo in a
name, a dropped email or phone, or a changed street.

Without --db, detection (blocking, comparison, EM, scoring) runs on the frame in memory, with
each phase's peak RSS.
With --db, the database (its name must start with rapport_bench_dedupe, or with
rapport_bench_data for a helper's own copy, e.g. rapport_bench_data8) is dropped, created
and migrated, the contacts are loaded with COPY as the models store them (a `Company` each
links to, primary email and phone on the contact and in `ContactEmail` / `ContactPhone`, the
address on the contact), and the product's own run is timed (`dedupe_run`: the one-query read
of `dedupe.frames`, blocking, comparison, learning, scoring, writing the review queue's
pairs), its peak RSS measured from the run's start (the generator's memory freed before).
Either way: pairs compared, and recall and precision of the planted pairs.
"""

import argparse
import gc
import os
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

# The repository, not bench/ (whose http.py would shadow the standard library).
sys.path[0] = str(Path(__file__).resolve().parents[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")

import numpy as np  # noqa: E402
from faker import Faker  # noqa: E402

if TYPE_CHECKING:
    from rapport.dedupe.detection import PhaseClock

# Databases made for this bench only (it drops them), never the shared rapport_bench.
DB_PREFIXES = ("rapport_bench_dedupe", "rapport_bench_data")
Row = tuple[int, str, str, str, str, str, str, str, str]


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 3:
        return word
    i = int(rng.integers(1, len(word) - 1))
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def generate(n: int, seed: int = 7) -> tuple[list[Row], set[tuple[int, int]]]:
    """Rows of (id, first, last, email, phone, company, street, city, postcode), and the
    planted pairs (original id, duplicate id)."""
    fake = Faker()
    Faker.seed(seed)
    rng = np.random.default_rng(seed)
    firsts = sorted({fake.first_name() for _ in range(3000)})
    lasts = sorted({fake.last_name() for _ in range(3000)})
    companies = sorted({fake.company() for _ in range(5000)})
    cities = sorted({fake.city() for _ in range(2000)})
    streets = sorted({fake.street_name() for _ in range(5000)})
    originals = int(n / 1.1)

    def drawn(values: list[str]) -> list[str]:
        return [values[i] for i in rng.integers(len(values), size=originals)]

    numbers, postcodes = rng.integers(1, 999, originals), rng.integers(10000, 99999, originals)
    rows: list[Row] = [
        (
            i + 1,
            first,
            last,
            f"{first}.{last}{i}@example.com".lower(),
            f"+1555{i:07d}",
            company,
            f"{number} {street}",
            city,
            str(postcode),
        )
        for i, (first, last, company, street, city, number, postcode) in enumerate(
            zip(
                drawn(firsts),
                drawn(lasts),
                drawn(companies),
                drawn(streets),
                drawn(cities),
                numbers,
                postcodes,
                strict=True,
            )
        )
    ]
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


def accuracy(pairs: set[tuple[int, int]], truth: set[tuple[int, int]]) -> str:
    hits = len(pairs & truth)
    return (
        f"planted recall {hits / len(truth):.3f}, precision {hits / max(len(pairs), 1):.3f} "
        f"({hits:,} planted pairs found of {len(truth):,}, {len(pairs) - hits:,} other pairs)"
    )


def phases(clock: "PhaseClock") -> None:
    for name, seconds in (("wall", clock.seconds), ("CPU", clock.cpu_seconds)):
        print(f"phases ({name} s): " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))


def in_memory(rows: list[Row], truth: set[tuple[int, int]]) -> None:
    import django

    django.setup()
    from rapport.dedupe.detection import PhaseClock, detect
    from rapport.dedupe.frames import CONTACT_SPEC, contact_frame_from

    class PeakClock(PhaseClock):
        """Laps that also note each phase's peak RSS (the count reset at every lap)."""

        def __init__(self) -> None:
            super().__init__()
            self.peaks: dict[str, float] = {}
            peak_rss_reset()

        def lap(self, phase: str) -> None:
            super().lap(phase)
            self.peaks[phase] = peak_rss_mb()
            peak_rss_reset()

    started = time.perf_counter()
    frame = contact_frame_from(rows)
    del rows[:]  # the generator's rows: the frame holds them now
    gc.collect()
    built = time.perf_counter()
    print(f"RSS with the frame {rss_mb():.0f} MB (the generator's memory freed)")
    clock = PeakClock()
    found = detect(frame, CONTACT_SPEC, clock=clock)
    done = time.perf_counter()
    pairs = {(int(a), int(b)) for a, b in zip(found.a, found.b, strict=True)}
    print(f"frame {built - started:.1f} s, detection {done - built:.1f} s")
    phases(clock)
    print("peak RSS per phase (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in clock.peaks.items()))
    print(f"{found.candidates} pairs compared, {len(pairs)} kept")
    print(accuracy(pairs, truth))


def postgres_load(url: str, rows: list[Row]) -> int:
    """A fresh database holding `rows` as contacts of the bench workspace; its id."""
    from bench import load

    load.database_prepare(url, reset=True)
    load.django_setup(url)
    load.migrate()
    tenant, _ = load.tenants_create()
    ws, at = tenant.workspace_id, load.ts(time.time())
    from rapport.contacts.normalise import search_key

    companies = {name: i for i, name in enumerate(sorted({r[5] for r in rows}), start=1)}
    with load.psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        defaulted = load.blank_text_defaults(conn)
        saved = load.indexes_drop(conn)
        with conn.cursor() as cur:
            load.side_copy(
                cur,
                "contacts_company",
                "id, created_at, updated_at, name, name_key, custom_fields, workspace_id",
                (
                    (i, at, at, load.copy_text(name), search_key(name), "{}", ws)
                    for name, i in companies.items()
                ),
            )
            load.side_copy(
                cur,
                "contacts_contact",
                "id, created_at, updated_at, first_name, last_name, search_name, sort_name, "
                "email, phone, primary_company_id, street, city, postal_code, "
                "lifecycle_stage, do_not_email, do_not_call, custom_fields, workspace_id",
                (
                    (
                        i,
                        at,
                        at,
                        load.copy_text(first),
                        load.copy_text(last),
                        search_key(f"{first} {last}"),
                        search_key(f"{last} {first}"),
                        email,
                        phone,
                        companies[company],
                        load.copy_text(street),
                        load.copy_text(city),
                        postcode,
                        "lead",
                        False,
                        False,
                        "{}",
                        ws,
                    )
                    for i, first, last, email, phone, company, street, city, postcode in rows
                ),
            )
            load.side_copy(
                cur,
                "contacts_contactemail",
                "created_at, updated_at, email, is_primary, contact_id, workspace_id",
                ((at, at, r[3], True, r[0], ws) for r in rows if r[3]),
            )
            load.side_copy(
                cur,
                "contacts_contactphone",
                "created_at, updated_at, number, kind, is_primary, contact_id, workspace_id",
                ((at, at, r[4], "work", True, r[0], ws) for r in rows if r[4]),
            )
            load.side_copy(
                cur,
                "contacts_contactcompany",
                "created_at, updated_at, is_primary, company_id, contact_id, workspace_id",
                ((at, at, True, companies[r[5]], r[0], ws) for r in rows),
            )
        conn.commit()
        load.defaults_drop(conn, defaulted)
        load.indexes_restore(conn, saved)
        load.sequences_reset(conn)
        conn.autocommit = True
        for table in ("contacts_company", "contacts_contact"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return ws


def peak_rss_reset() -> None:
    """Start the kernel's peak-RSS count afresh (Linux: 5 to clear_refs resets VmHWM)."""
    Path("/proc/self/clear_refs").write_text("5")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_postgres(url: str, rows: list[Row], truth: set[tuple[int, int]]) -> None:
    started = time.perf_counter()
    ws = postgres_load(url, rows)
    load_avg = os.getloadavg()
    print(f"loaded in {time.perf_counter() - started:.0f} s (load average {load_avg})")
    del rows[:]
    gc.collect()

    from rapport.dedupe.models import DuplicatePair
    from rapport.dedupe.services import dedupe_run
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace

    workspace = Workspace.objects.get(pk=ws)
    peak_rss_reset()
    before = peak_rss_mb()
    cpu, wall = time.process_time(), time.perf_counter()
    with workspace_scope(workspace):
        summary = dedupe_run(workspace=workspace, entity="contact")
        pairs = set(DuplicatePair.objects.filter(entity="contact").values_list("a_id", "b_id"))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"load average {os.getloadavg()} (before the run {load_avg})")
    print(
        f"{summary.records} contacts read, {summary.candidates} pairs compared, "
        f"{summary.open_pairs} pairs written"
    )
    phases(summary.clock)
    print(
        f"run {wall:.1f} s wall, {cpu:.1f} s CPU of this process; "
        f"peak RSS {peak_rss_mb():.0f} MB (at the run's start {before:.0f} MB)"
    )
    print(accuracy(pairs, truth))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument(
        "--db", help=f"a PostgreSQL database named {' or '.join(DB_PREFIXES)}*, loaded afresh"
    )
    args = parser.parse_args()
    if args.db and not args.db.startswith(DB_PREFIXES):
        raise SystemExit(
            f"--db must start with {' or '.join(DB_PREFIXES)}: it is dropped and loaded afresh"
        )
    print(f"load average {os.getloadavg()}")
    rows, truth = generate(args.contacts)
    print(f"{len(rows)} contacts, {len(truth)} planted duplicates")
    if args.db:
        in_postgres(f"postgres://postgres@127.0.0.1:5432/{args.db}", rows, truth)
    else:
        in_memory(rows, truth)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
