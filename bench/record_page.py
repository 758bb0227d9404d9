"""The contact page's Django CPU, queries and profile, in-process (no HTTP server).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_mine \\
        .venv/bin/python bench/record_page.py --requests 120
    ... bench/record_page.py --profile 30        # the 30 costliest functions (own time)

Signs in as bench-owner through Django's test client, asks the pages of `--samples` contacts
of the bench workspace (the ones `bench/http.py` picks) round-robin, and prints the median
CPU time of a request in this thread (SQL waits excluded, so the figure moves little with the
machine's load) and the queries of one page. Reads only (a session row is written and removed).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_http", ROOT / "bench" / "http.py")
assert _spec is not None and _spec.loader is not None
bench_http = sys.modules["bench_http"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_http)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=120)
    parser.add_argument("--samples", type=int, default=20, help="distinct contacts")
    parser.add_argument("--profile", type=int, default=0, help="print this many functions")
    parser.add_argument("--sort", default="tottime", help="pstats order: tottime, cumulative")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", bench_http.DEFAULT_URL)
    data_dir = tempfile.mkdtemp(prefix="rapport-bench-")
    bench_http.django_setup(url, data_dir)
    bench_http.collectstatic(data_dir)
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    samples = bench_http.samples_pick(args.samples, 100)
    urls = [f"/contacts/{pk}/" for pk in samples.contact_ids]
    auth = bench_http.auth_create()
    try:
        client = Client()
        client.cookies["sessionid"] = auth.session_cookie
        for u in urls:  # warm: templates compiled, kept fragments built
            assert client.get(u).status_code == 200
        reset_queries()
        with CaptureQueriesContext(connection) as capture:
            client.get(urls[0])
        queries = capture.captured_queries  # read now: the next request clears the log
        times = []
        profile = cProfile.Profile() if args.profile else None
        for i in range(args.requests):
            t0 = time.thread_time()
            if profile:
                profile.enable()
            client.get(urls[i % len(urls)])
            if profile:
                profile.disable()
            times.append((time.thread_time() - t0) * 1000)
    finally:
        bench_http.auth_remove(auth)
    print(
        f"contact page: median {statistics.median(times):.1f} ms Django CPU over "
        f"{args.requests} requests, {len(queries)} queries; load {os.getloadavg()[0]:.1f}"
    )
    for q in queries:
        print("  ", q["sql"][:150])
    if profile:
        pstats.Stats(profile, stream=sys.stdout).sort_stats(args.sort).print_stats(args.profile)


if __name__ == "__main__":
    main()
