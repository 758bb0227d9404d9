"""Django CPU per request of any `bench/http.py` endpoint, in-process, with an optional profile.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_mine
    export RAPPORT_KEEP_PAGES=true REDIS_URL=redis://127.0.0.1:6392/0   # as production keeps
    .venv/bin/python bench/request_cpu.py --only ui_list_first,api_list_first --requests 300
    .venv/bin/python bench/request_cpu.py --only ui_list_first --profile 30 --sort cumulative

Signs in as bench-owner (a session cookie for pages, an API token for `/api/v1/`), warms each
endpoint's URLs once (templates compiled, kept pages built), then asks them round-robin through
Django's test client and prints, per endpoint, the median CPU time of a request in this thread
(SQL waits excluded, so the figure moves little with the machine's load), the mean CPU time
of the PostgreSQL backend serving it (read from /proc: same machine), and its queries.
`--rounds` repeats the endpoints alternately (the medians of each round are printed), which is
how two trees are compared on a shared machine. Reads only (a session row and an API token are
written and removed).
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


def always_miss(names: set[str]) -> None:
    """Make `kept()` rebuild the entries of these names on every request (the rest stay kept)."""
    from rapport.tenancy import data_version

    shared = data_version.cache

    class MissingCache:
        def get(self, key: str, default: object = None) -> object:
            name = key.split(":")[1]
            return default if name in names else shared.get(key, default)

        def __getattr__(self, attr: str) -> object:
            return getattr(shared, attr)

    data_version.cache = MissingCache()  # type: ignore[assignment]


def backend_cpu_ms() -> float:
    """CPU time so far of this connection's PostgreSQL backend (same machine; 10 ms ticks):
    what a statement costs the database, which the thread's CPU time leaves out."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="ui_list_first", help="comma-separated endpoint names")
    parser.add_argument("--suite", choices=("contacts", "sales"), default="contacts")
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--samples", type=int, default=20, help="distinct URLs per endpoint")
    parser.add_argument("--profile", type=int, default=0, help="print this many functions")
    parser.add_argument("--sort", default="tottime", help="pstats order: tottime, cumulative")
    parser.add_argument("--queries", action="store_true", help="print each endpoint's SQL")
    parser.add_argument("--stats", default="", help="with --profile: also write it to this file")
    parser.add_argument(
        "--misses",
        default="",
        help="comma-separated kept names (contacts-page,contacts-table,...) that always miss: "
        "what a first visit (a new search) costs",
    )
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", bench_http.DEFAULT_URL)
    data_dir = tempfile.mkdtemp(prefix="rapport-bench-")
    bench_http.django_setup(url, data_dir)
    bench_http.collectstatic(data_dir)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if args.suite == "sales":
        endpoints = bench_http.sales_endpoints_build()
    else:
        endpoints = bench_http.endpoints_build(bench_http.samples_pick(args.samples, 100))
    wanted = args.only.split(",")
    endpoints = sorted(
        (e for e in endpoints if e.name in wanted), key=lambda e: wanted.index(e.name)
    )
    if args.misses:
        always_miss(set(args.misses.split(",")))
    auth = bench_http.auth_create()
    # CPU time, not wall time: waits on PostgreSQL, Redis and the scheduler are not counted.
    profile = cProfile.Profile(time.thread_time) if args.profile else None
    try:
        clients = {}
        for e in endpoints:
            client = clients[e.name] = bench_http._test_client(e, auth)
            e.urls = e.urls[: args.samples]
            for u in e.urls:  # warm: templates compiled, kept pages built
                status = client.get(u).status_code
                assert status == 200, f"{u} answered {status}"
            with CaptureQueriesContext(connection) as capture:
                client.get(e.urls[0])
            print(f"{e.name}: {len(capture.captured_queries)} queries")
            if args.queries:
                for q in capture.captured_queries:
                    print("    ", q["sql"][:160])
        for r in range(args.rounds):
            for e in endpoints:
                client, times = clients[e.name], []
                backend_before = backend_cpu_ms()
                for i in range(args.requests):
                    t0 = time.thread_time()
                    if profile:
                        profile.enable()
                    client.get(e.urls[i % len(e.urls)])
                    if profile:
                        profile.disable()
                    times.append((time.thread_time() - t0) * 1000)
                backend = (backend_cpu_ms() - backend_before) / args.requests
                print(
                    f"round {r + 1} {e.name:18} median {statistics.median(times):5.2f} ms "
                    f"Django CPU over {args.requests}, PostgreSQL {backend:4.2f} ms mean; "
                    f"load {os.getloadavg()[0]:.1f}"
                )
    finally:
        bench_http.auth_remove(auth)
    if profile:
        pstats.Stats(profile, stream=sys.stdout).sort_stats(args.sort).print_stats(args.profile)
        if args.stats:  # for pstats' callers and callees: python -m pstats FILE
            profile.dump_stats(args.stats)


if __name__ == "__main__":
    main()
