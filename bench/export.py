"""Export N contacts from PostgreSQL through the real HTTP stack: time and server memory.

    .venv/bin/python bench/export.py --contacts 100000            # CSV and XLSX
    .venv/bin/python bench/export.py --contacts 1000000 --formats csv

It creates (or, with --reset, recreates) its own database (default
postgres://postgres@127.0.0.1:5432/rapport_export_bench), migrates it, loads N contacts into
one workspace with `bulk_create` (unless the workspace already holds N), starts granian (WSGI,
one worker, DEBUG off) on a free port of 127.0.0.1 and downloads
`/api/v1/exports/contacts/<format>` with an API token, reading the body as it arrives. It
reports the time to the first byte and to the last, the size and rows, and the server's
memory: its resident set before the request and the peak while serving it (sampled from
/proc every 20 ms across granian and its workers). Nothing here runs in the test suite.
"""

from __future__ import annotations

import os
import sys

# bench/ holds a script named http.py: keep the directory off sys.path so `import http`
# finds the standard library's package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_export_bench"
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-use-0123456789"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def database_prepare(url: str, *, reset: bool) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            if not name.startswith("rapport_export_bench"):
                raise SystemExit(f"--reset only drops rapport_export_bench*, not {name}")
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = BENCH_SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def contacts_load(count: int) -> str:
    """The bench workspace holding `count` contacts; returns an API token of its owner."""
    from rapport.contacts.models import Contact
    from rapport.tenancy.models import Membership, Workspace
    from rapport.tenancy.services import api_token_create, user_create, workspace_create

    workspace = Workspace.objects.filter(name="Export bench").first()
    if workspace is None:
        owner = user_create(username="export-bench", password="export bench password 1")
        workspace = workspace_create(name="Export bench", owner=owner, default_region="US")
    have = Contact.unscoped.filter(workspace=workspace).count()
    log(f"{have} contacts present, {max(count - have, 0)} to load")
    batch: list[Contact] = []
    for n in range(have, count):
        first, last = f"First{n % 9973}", f"Last{n}"
        batch.append(
            Contact(
                workspace=workspace,
                first_name=first,
                last_name=last,
                search_name=f"{first} {last}".lower(),
                sort_name=f"{last} {first}".lower(),
                email=f"person{n}@example{n % 100}.com",
                phone=f"+1415555{n % 10000:04d}",
                job_title="Buyer" if n % 3 else "=cmd|' /C calc'!A0",
                city="Lyon",
                country="FR",
                lifecycle_stage="customer" if n % 2 else "lead",
            )
        )
        if len(batch) == 10_000:
            Contact.unscoped.bulk_create(batch)
            batch = []
    Contact.unscoped.bulk_create(batch)
    membership = Membership.objects.get(workspace=workspace, role="owner")
    _, secret = api_token_create(membership=membership, name=f"bench {time.time()}")
    return secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_start(port: int) -> subprocess.Popen[bytes]:
    env = os.environ.copy() | {"PYTHONPATH": str(ROOT), "DEBUG": "false"}
    command = [
        str(Path(sys.executable).parent / "granian"),
        *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", "1", "--no-ws", "--log-level", "warning"),
        "config.wsgi:application",
    ]
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            # A generous timeout: the first request imports and warms up Django.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/api/v1/me")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("granian did not answer within 120 s")


def tree_usage(root_pid: int) -> tuple[float, float]:
    """Resident memory (MB) and CPU seconds (user + system) of a process and its
    descendants (granian and its worker), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    usage: dict[int, tuple[float, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        rss_kb = next(
            (line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), "0"
        )
        parents[int(entry.name)] = int(stat[1])
        usage[int(entry.name)] = (int(rss_kb) / 1024, (int(stat[11]) + int(stat[12])) / tick)
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parents.items() if p == pid and c not in tree]
        tree.update(children)
        frontier.extend(children)
    found = [usage[pid] for pid in tree if pid in usage]
    return sum(u[0] for u in found), sum(u[1] for u in found)


def tree_rss_mb(root_pid: int) -> float:
    return tree_usage(root_pid)[0]


def export_once(port: int, token: str, file_format: str, server_pid: int) -> dict[str, float]:
    before, cpu_before = tree_usage(server_pid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(server_pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    start = time.monotonic()
    conn.request(
        "GET",
        f"/api/v1/exports/contacts/{file_format}",
        headers={"Authorization": f"Bearer {token}"},
    )
    response = conn.getresponse()
    first = response.read(1)
    first_byte = time.monotonic() - start
    size, lines = len(first), first.count(b"\n")
    while chunk := response.read(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\n")
    total = time.monotonic() - start
    done.set()
    sampler.join()
    if response.status != 200:
        raise SystemExit(f"{file_format}: HTTP {response.status}")
    return {
        "server_cpu_s": tree_usage(server_pid)[1] - cpu_before,
        "first_byte_s": first_byte,
        "total_s": total,
        "mb": size / 1e6,
        "lines": lines,
        "rss_before_mb": before,
        "rss_peak_mb": peak[0],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--contacts", type=int, default=100_000)
    p.add_argument("--formats", default="csv,xlsx")
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    args = p.parse_args()
    database_prepare(args.database_url, reset=args.reset)
    django_setup(args.database_url)
    token = contacts_load(args.contacts)
    port = free_port()
    server = server_start(port)
    try:
        log(f"load average {os.getloadavg()[0]:.1f}; {args.contacts} contacts")
        for file_format in args.formats.split(","):
            r = export_once(port, token, file_format, server.pid)
            log(
                f"{file_format}: first byte {r['first_byte_s']:.2f} s, all {r['total_s']:.1f} s "
                f"({args.contacts / r['total_s']:,.0f} rows/s), "
                f"server CPU {r['server_cpu_s']:.1f} s, {r['mb']:.1f} MB, "
                f"server RSS {r['rss_before_mb']:.0f} MB before, peak {r['rss_peak_mb']:.0f} MB"
                + (f", {r['lines'] - 1} CSV rows" if file_format == "csv" else "")
            )
        log(f"load average {os.getloadavg()[0]:.1f}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
