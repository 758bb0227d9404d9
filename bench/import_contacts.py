"""Import a generated contact CSV into PostgreSQL three ways, and time them.

    .venv/bin/python bench/import_contacts.py                  # 1,000,000 rows
    .venv/bin/python bench/import_contacts.py --rows 100000    # a reduced run
    .venv/bin/python bench/import_contacts.py --rows 100000 --iie-rows 5000
    .venv/bin/python bench/import_contacts.py --rows 100000 --only rapport --undo
    .venv/bin/python bench/import_contacts.py --rows 100000 --only rapport --update

1. **Rapport**: the file goes through the real import service (`import_create`,
   `import_start`, `import_process`, the task's body) in skip mode: every email, phone, name
   and country normalised, every row matched against existing contacts, duplicates skipped,
   bad rows reported, an audit entry and an undo record per contact.
2. **django-import-export** (4.x, the library Django users reach for) with a plain
   `ModelResource` over the same columns, matching on the external id, no normalisation;
   run on the first `--iie-rows` rows and extrapolated (linearly, stated as such).
3. **COPY**: PostgreSQL's own COPY of the raw file's lines into a one-column table, the
   floor no importer can beat (COPY's CSV mode would refuse the file's ragged rows).

Each runs in a fresh database (`rapport_import_bench`, created and migrated here; override
with DATABASE_URL) and in its own process, so its peak RSS is its own. The CSV is written
to bench/.data/ (not committed). The load average is printed with the figures: on a shared
machine they are only comparable with it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library's http package that Django imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
DATA = ROOT / "bench" / ".data"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_import_bench"
COLUMNS = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Company",
    "Job Title",
    "City",
    "Country",
]
COUNTRIES = ["US", "United States", "GB", "United Kingdom", "Germany", "DE", "France", "fr"]
TITLES = ["CEO", "CTO", "Head of Sales", "Engineer", "Buyer", "Office Manager", "", ""]


def _phone(rng: random.Random) -> str:
    """Valid numbers in the ways people type them: US national, and international."""
    n = rng.randrange(10_000)
    kind = rng.randrange(6)
    area = rng.choice(["415", "212", "646", "312", "617"])
    exchange = str(rng.randrange(201, 1000))
    if kind == 0:
        return f"({area}) {exchange}-{n:04d}"
    if kind == 1:
        return f"{area}-{exchange}-{n:04d}"
    if kind == 2:
        return f"+1 {area} {exchange} {n:04d}"
    if kind == 3:
        return f"+44 20 7{rng.randrange(100, 1000)} {n:04d}"
    if kind == 4:
        return f"+49 30 {rng.randrange(1_000_000, 9_999_999)}"
    return f"+33 1 {n // 100:02d} {n % 100:02d} {rng.randrange(100):02d} {rng.randrange(100):02d}"


def generate(path: Path, rows: int, seed: int = 7) -> dict[str, int]:
    """About 1% bad rows (bad email, bad phone, ragged, neither name nor email) and 2% rows
    repeating an earlier contact's email (skipped as duplicates)."""
    from faker import Faker

    fake = Faker(["en_US", "de_DE", "fr_FR", "en_GB"])
    Faker.seed(seed)
    rng = random.Random(seed)
    firsts = [fake.first_name() for _ in range(2000)]
    lasts = [fake.last_name() for _ in range(5000)]
    companies = [fake.company() for _ in range(max(rows // 20, 10))]
    cities = [fake.city() for _ in range(500)]
    domains = ["example.com", "mail.example.org", "Corp.Example.NET", "exämple.de"]
    counts = {"rows": rows, "bad": 0, "duplicates": 0}
    earlier: list[str] = []  # emails a later row repeats (as a duplicate, differently cased)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i in range(rows):
            first, last = rng.choice(firsts), rng.choice(lasts)
            if rng.random() < 0.2:
                first, last = first.upper(), last.lower()
            email = f"{first[:1]}.{last}{i}@{rng.choice(domains)}".replace(" ", "")
            row = [
                f"crm-{i}",
                first,
                last,
                email,
                _phone(rng),
                rng.choice(companies),
                rng.choice(TITLES),
                rng.choice(cities),
                rng.choice(COUNTRIES),
            ]
            roll = rng.random()
            if roll < 0.02 and earlier:
                row[0] = f"dup-{i}"
                row[3] = rng.choice(earlier).upper()
                counts["duplicates"] += 1
            elif roll < 0.023:
                row[3] = "not-an-email"
                counts["bad"] += 1
            elif roll < 0.026:
                row[4] = "12"
                counts["bad"] += 1
            elif roll < 0.028:
                row = row[:5]
                counts["bad"] += 1
            elif roll < 0.03:
                row[1:4] = ["", "", ""]
                counts["bad"] += 1
            elif len(earlier) < 50_000:
                earlier.append(email)
            out.writerow(row)
    return counts


# --- one database per run ------------------------------------------------------------------


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def _fresh_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RAPPORT_MEDIA_DIR", str(DATA / "media"))
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _workspace():  # type: ignore[no-untyped-def]
    from rapport.tenancy.services import user_create, workspace_create

    owner = user_create(username="bench", password="bench-password-1234")
    return owner, workspace_create(name="Import bench", owner=owner, default_region="US")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _proc_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) of a process of this machine so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Backends(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving the import (COPY, index updates, key
    checks), read from /proc (the server runs on this machine): the database's own share. The
    import may open a second connection (its chunk storer), so every client backend of the
    bench database is polled, a backend first seen after the start counted from zero."""

    def __init__(self, database: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.dbname = database["NAME"]
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopped = threading.Event()

    def _poll(self, cursor: Any, started: bool) -> None:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            [self.dbname],
        )
        for (pid,) in cursor.fetchall():
            cpu = _proc_cpu_s(pid)
            if cpu is not None:
                self.first.setdefault(pid, cpu if not started else 0.0)
                self.last[pid] = cpu

    def run(self) -> None:
        import psycopg

        db = self.database
        with psycopg.connect(
            dbname=self.dbname,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            host=db["HOST"] or None,
            port=db["PORT"] or None,
        ) as conn:
            conn.autocommit = True
            with conn.cursor() as cursor:
                self._poll(cursor, started=False)
                self.ready.set()
                while not self.stopped.wait(0.1):
                    self._poll(cursor, started=True)
                self._poll(cursor, started=True)

    def start(self) -> None:
        self.ready = threading.Event()
        super().start()
        self.ready.wait()

    def total_s(self) -> float:
        self.stopped.set()
        self.join()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def _cpu_s(who: int = resource.RUSAGE_SELF) -> float:
    """CPU seconds (user + system): on a shared machine the measure that load does not
    stretch as much as wall time."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class _ChildRss(threading.Thread):
    """The largest resident size any child process (a cleaning worker) reaches, polled: the
    kernel's own figure for children counts the parent's pages a spawned child forked from."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0

    def run(self) -> None:
        pid = os.getpid()
        while True:
            try:
                kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                for kid in kids:
                    for line in Path(f"/proc/{kid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except OSError:  # a child that exited between the two reads
                pass
            time.sleep(0.2)


def _retitled(path: Path) -> Path:
    """The file again with every job title changed: imported in update mode, each row
    matches the contact the first import made of it and changes it."""
    out = path.with_name(path.stem + "-retitled.csv")
    with path.open(newline="", encoding="utf-8") as src, out.open("w", newline="") as dst:
        rows, writer = csv.reader(src), csv.writer(dst)
        header = next(rows)
        writer.writerow(header)
        at = header.index("Job Title")
        for row in rows:
            if len(row) > at:
                row[at] = f"Head of {row[at]}"
            writer.writerow(row)
    return out


def run_rapport(
    path: Path, url: str, profile: Path | None = None, undo: bool = False, update: bool = False
) -> dict[str, object]:
    _django(url)
    import cProfile

    from django.core.files import File

    from rapport.audit.context import audit_source
    from rapport.data.services import import_create, import_process, import_start, import_undo
    from rapport.tenancy.access import workspace_scope

    owner, workspace = _workspace()
    children = _ChildRss()
    children.start()
    profiler = cProfile.Profile() if profile else None
    from django.db import connection

    connection.ensure_connection()
    backends = _Backends(connection.settings_dict)
    backends.start()
    start, cpu_start = time.perf_counter(), _cpu_s()
    if profiler:
        profiler.enable()
    with workspace_scope(workspace), audit_source("import"), path.open("rb") as fh:
        batch = import_create(
            workspace=workspace, actor=owner, entity="contacts", file=File(fh, name=path.name)
        )
        uploaded = time.perf_counter()
        import_start(workspace=workspace, actor=owner, batch=batch, enqueue=False)
        batch = import_process(workspace=workspace, batch_id=batch.pk)
    end = time.perf_counter()
    cpu_end, backend_s = _cpu_s(), backends.total_s()
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    figures: dict[str, object] = {
        "upload_s": round(uploaded - start, 1),
        "import_s": round(end - uploaded, 1),
        "wall_s": round(end - start, 1),
        "rows": batch.rows,
        "created": batch.created,
        "skipped": batch.skipped,
        "failed": batch.failed,
        "cpu_s": round(cpu_end - cpu_start, 1),
        "backend_cpu_s": round(backend_s, 1),
        # the cleaning workers (each its own process), measured once they have exited
        "workers_cpu_s": round(_cpu_s(resource.RUSAGE_CHILDREN), 1),
        "peak_rss_mb": round(_peak_mb()),
        "worker_peak_rss_mb": round(children.peak_kb / 1024),
    }
    if update:  # the file again, every row matching its contact and changing its job title
        retitled = _retitled(path)
        start = time.perf_counter()
        with workspace_scope(workspace), audit_source("import"), retitled.open("rb") as fh:
            again = import_create(
                workspace=workspace, actor=owner, entity="contacts", file=File(fh, name="again")
            )
            import_start(
                workspace=workspace, actor=owner, batch=again, mode="update", enqueue=False
            )
            again = import_process(workspace=workspace, batch_id=again.pk)
        took = time.perf_counter() - start
        figures["update_s"] = round(took, 1)
        figures["updated"] = again.updated
        figures["update_rows_per_s"] = round(again.rows / took)
        if undo:  # what the update import replaced, put back
            start = time.perf_counter()
            with workspace_scope(workspace), audit_source("import"):
                again = import_undo(workspace=workspace, actor=owner, batch=again)
            figures["update_undo_s"] = round(time.perf_counter() - start, 1)
    if undo:  # the whole import taken back, as the undo task does it
        start = time.perf_counter()
        with workspace_scope(workspace), audit_source("import"):
            batch = import_undo(workspace=workspace, actor=owner, batch=batch)
        figures["undo_s"] = round(time.perf_counter() - start, 1)
        figures["undone"] = batch.undone
    return figures


def run_import_export(path: Path, url: str, rows: int) -> dict[str, object]:
    _django(url)
    import tablib
    from import_export import resources
    from import_export.fields import Field

    from rapport.contacts.models import Contact
    from rapport.tenancy.access import workspace_scope

    _, workspace = _workspace()

    class ContactResource(resources.ModelResource):
        external_id = Field(attribute="external_id", column_name="Record ID")
        first_name = Field(attribute="first_name", column_name="First Name")
        last_name = Field(attribute="last_name", column_name="Last Name")
        email = Field(attribute="email", column_name="Email")
        phone = Field(attribute="phone", column_name="Phone")
        job_title = Field(attribute="job_title", column_name="Job Title")
        city = Field(attribute="city", column_name="City")
        country = Field(attribute="country", column_name="Country")

        class Meta:
            model = Contact
            import_id_fields = ("external_id",)
            fields = ("external_id", "first_name", "last_name", "email", "phone")
            fields += ("job_title", "city", "country")

        def before_save_instance(self, instance, row, **kwargs):  # type: ignore[no-untyped-def]
            instance.workspace = workspace
            instance.country = instance.country[:2]
            instance.set_derived_fields()

    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        data = tablib.Dataset(headers=header)
        for cells in reader:
            if len(data) >= rows:
                break
            if len(cells) == len(header):  # tablib refuses ragged rows outright
                data.append(cells)
    start = time.perf_counter()
    with workspace_scope(workspace):
        result = ContactResource().import_data(data, dry_run=False, raise_errors=False)
    elapsed = time.perf_counter() - start
    return {
        "rows": len(data),
        "wall_s": round(elapsed, 1),
        "errors": len(result.invalid_rows) + len(result.row_errors()),
        "peak_rss_mb": round(_peak_mb()),
    }


def run_copy(path: Path, url: str) -> dict[str, object]:
    import psycopg

    _django(url)
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE raw_contacts (line text)")
        start = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY raw_contacts FROM STDIN WITH (FORMAT text, DELIMITER E'\\x1f')") as cp,
            path.open("rb") as fh,
        ):
            while block := fh.read(1 << 20):
                cp.write(block)
        conn.commit()
        elapsed = time.perf_counter() - start
        lines = conn.execute("SELECT count(*) FROM raw_contacts").fetchone()
    return {
        "rows": (lines[0] if lines else 0) - 1,
        "wall_s": round(elapsed, 2),
        "peak_rss_mb": round(_peak_mb()),
    }


def _stage(stage: str, args: argparse.Namespace) -> dict[str, object]:
    """Run one stage in a fresh process against a fresh database; its JSON line back."""
    _fresh_database(args.url)
    cmd = [sys.executable, __file__, "--stage", stage, "--csv", str(args.csv), "--url", args.url]
    cmd += ["--iie-rows", str(args.iie_rows)]
    if args.profile and stage == "rapport":
        cmd += ["--profile", str(args.profile)]
    cmd += [flag for flag in ("--undo", "--update") if getattr(args, flag[2:])]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--iie-rows", type=int, default=20_000)
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--stage", choices=["rapport", "iie", "copy"])
    parser.add_argument("--only", choices=["rapport", "iie", "copy"], action="append")
    parser.add_argument(
        "--profile", type=Path, default=None, help="write the Rapport run's cProfile stats here"
    )
    parser.add_argument(
        "--undo", action="store_true", help="then undo the Rapport import, and time that"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="then import the file again in update mode, every job title changed, and time that"
        " (with --undo, its undo too)",
    )
    args = parser.parse_args()
    if args.stage:
        runs = {
            "rapport": lambda: run_rapport(
                args.csv, args.url, args.profile, args.undo, args.update
            ),
            "iie": lambda: run_import_export(args.csv, args.url, args.iie_rows),
            "copy": lambda: run_copy(args.csv, args.url),
        }
        print(json.dumps(runs[args.stage]()))
        return
    args.csv = args.csv or DATA / f"contacts-{args.rows}.csv"
    if not args.csv.exists():
        print(f"generating {args.rows:,} rows: {json.dumps(generate(args.csv, args.rows))}")
    print(f"load average before: {os.getloadavg()}")
    for stage in args.only or ["copy", "iie", "rapport"]:
        figures = _stage(stage, args)
        rows = int(str(figures["rows"]))
        rate = rows / max(float(str(figures["wall_s"])), 1e-9)
        if stage == "iie" and rows < args.rows:
            figures["extrapolated_s"] = round(args.rows / rate)
        figures["rows_per_s"] = round(rate)
        print(f"{stage}: {json.dumps(figures)}  load {os.getloadavg()}")
    _fresh_database(args.url)  # leave no bench data behind


if __name__ == "__main__":
    main()
