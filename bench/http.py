"""Measure the contact list, search and contact page through the real HTTP stack.

    .venv/bin/python bench/load.py                 # once: the data (see its docstring)
    .venv/bin/python bench/http.py                 # 8 clients, 100 requests each per endpoint
    .venv/bin/python bench/http.py --requests 25 --only ui_list_first,api_list_first
    .venv/bin/python bench/http.py --markdown docs/bench-results.md --json /tmp/bench.json

It starts granian (WSGI, `config.wsgi:application`, DEBUG off) on a free port of 127.0.0.1
against DATABASE_URL (default postgres://postgres@127.0.0.1:5432/rapport_bench), signs in as
bench-owner (a session cookie for the pages, an API token for `/api/v1/`), and for each
endpoint runs `--clients` threads, each sending `--requests` requests over one keep-alive
connection (after a short warm-up), bounded by `--max-seconds` per endpoint. It reports
p50/p95/p99 latency and requests/s.

The floor beside each figure: the SQL the same request runs, captured in-process with Django's
test client (CaptureQueriesContext), each SELECT then run in PostgreSQL with
EXPLAIN (ANALYZE, TIMING OFF); the floor is the median over sample requests of the sum of
planning and execution times, single client. Beside it, the CPU time of the same requests in
Django alone (test client, no HTTP, SQL excluded), and the CPU the server processes (granian
and its workers) spent per request once the clients have warmed up: both hold whatever else the
machine runs.
The gap between the floor and the HTTP figure is Django, the templates or serialisation, the
WSGI server, queueing behind the other clients on two cores, and the network stack.

Nothing here runs in the test suite; it only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import os
import sys

# This file is named http.py: keep its directory off sys.path so `import http` (used by the
# standard library and Django) finds the standard library's package, not this script.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode, urlsplit  # noqa: E402

ROOT = Path(_HERE).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench"
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-use-0123456789"
TARGETS = {"list": 50.0, "search": 50.0, "page": 100.0, "sales": 200.0}
MIN_LIST_RPS = 300.0


@dataclass
class Endpoint:
    name: str
    label: str
    target: str  # key of TARGETS
    urls: list[str]
    api: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # sent besides the sign-in


@dataclass
class Result:
    endpoint: Endpoint
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_sample: str = ""
    wall_s: float = 0.0
    floor_ms: float | None = None
    floor_queries: int = 0
    floor_slowest: str = ""
    in_process_ms: float | None = None
    server_cpu_ms: float | None = None

    def pct(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        k = min(len(data) - 1, max(0, round(p / 100 * len(data) + 0.5) - 1))
        return data[k]

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- set-up: Django in this process, for samples, auth and the SQL floor -----------------


def django_setup(url: str, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["SECRET_KEY"] = os.environ.get("SECRET_KEY") or BENCH_SECRET_KEY
    os.environ["DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["RAPPORT_DATA_DIR"] = data_dir
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def collectstatic(data_dir: str) -> None:
    """DEBUG off serves hashed static names from a manifest: build it once, outside the repo."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=os.environ.copy(),
        check=True,
    )


@dataclass
class Samples:
    workspace_id: int
    names: list[str]
    emails: list[str]
    phones: list[str]
    contact_ids: list[int]
    deep_cursors: list[str]
    other_contact_id: int | None


def samples_pick(n: int, depth: int) -> Samples:
    """Search terms and records of the bench workspace, picked at random (seeded)."""
    import phonenumbers
    from django.db import connection
    from django.db.models import Q

    from rapport.contacts.models import Contact
    from rapport.contacts.queries import CONTACT_SORTS
    from rapport.core.pagination import paginate
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace

    workspace = Workspace.objects.get(slug="bench")
    ws = workspace.pk
    # The same terms on every run over the same data: the sampled rows in id order, then
    # shuffled here with a fixed seed. (`ORDER BY random()` after `setseed` numbered the rows
    # in the order a parallel scan happened to return them: other terms each run.)
    with connection.cursor() as cur:
        cur.execute(
            """SELECT id, first_name, last_name, email, phone FROM contacts_contact
               WHERE workspace_id = %s AND id IN (
                   SELECT id FROM contacts_contact TABLESAMPLE SYSTEM (1) REPEATABLE (7)
                   WHERE workspace_id = %s)
               ORDER BY id""",
            [ws, ws],
        )
        rows = cur.fetchall()
        if len(rows) < n * 4:  # a small quick-run database: sample the whole table
            cur.execute(
                "SELECT id, first_name, last_name, email, phone FROM contacts_contact "
                "WHERE workspace_id = %s ORDER BY id",
                [ws],
            )
            rows = cur.fetchall()
        rows = random.Random(17).sample(rows, min(len(rows), n * 4))
        cur.execute(
            """SELECT sort_name, id FROM (
                   SELECT sort_name, id, row_number() OVER (ORDER BY sort_name, id) AS rn
                   FROM contacts_contact WHERE workspace_id = %s) AS ranked
               WHERE rn %% 97 = 0 AND rn >= LEAST(%s, (SELECT count(*) / 2 FROM contacts_contact
                                                 WHERE workspace_id = %s)) ORDER BY rn LIMIT 20""",
            [ws, depth, ws],
        )
        deep_rows = cur.fetchall()
        cur.execute("SELECT min(id) FROM contacts_contact WHERE workspace_id <> %s", [ws])
        other = cur.fetchone()
    # A deep page's cursor in the app's own format: the cursor after the row at that depth.
    deep: list[str] = []
    with workspace_scope(workspace):
        for sort_name, pk in deep_rows:
            at_or_after = Q(sort_name__gt=sort_name) | Q(sort_name=sort_name, pk__gte=pk)
            page = paginate(
                Contact.objects.filter(at_or_after),
                keys=CONTACT_SORTS["name"],
                cursor=None,
                limit=1,
            )
            if page.next_cursor:
                deep.append(page.next_cursor)
    random.Random(3).shuffle(rows)
    names: list[str] = []
    for i, (_, first, last, _, _) in enumerate(rows):
        # Half the searches type a last name, half a full name, as people do.
        term = last if i % 2 == 0 else f"{first} {last}"
        if term.strip():
            names.append(term.strip())
    phones = []
    for _, _, _, _, phone in rows:
        if phone:
            number = phonenumbers.parse(phone, None)
            region = phonenumbers.region_code_for_number(number)
            fmt = (
                phonenumbers.PhoneNumberFormat.NATIONAL
                if region == workspace.default_region
                else phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
            phones.append(phonenumbers.format_number(number, fmt))
    return Samples(
        workspace_id=ws,
        names=names[:n],
        emails=[r[3] for r in rows if r[3]][:n],
        phones=phones[:n],
        contact_ids=[r[0] for r in rows][:n],
        deep_cursors=deep or [""],
        other_contact_id=other[0] if other else None,
    )


@dataclass
class Auth:
    session_cookie: str
    token: str
    token_id: int


def auth_create() -> Auth:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from rapport.tenancy.models import Membership
    from rapport.tenancy.services import api_token_create

    user = get_user_model().objects.get(username="bench-owner")
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    membership = Membership.objects.get(user=user, workspace__slug="bench")
    token, secret = api_token_create(membership=membership, name="bench/http.py")
    return Auth(session_cookie=cookie, token=secret, token_id=token.pk)


def auth_remove(auth: Auth) -> None:
    from django.contrib.sessions.models import Session

    from rapport.tenancy.models import ApiToken

    ApiToken.objects.filter(pk=auth.token_id).delete()
    Session.objects.filter(session_key=auth.session_cookie).delete()


def endpoints_build(s: Samples) -> list[Endpoint]:
    def ui(params: dict[str, str]) -> str:
        return "/contacts/" + (f"?{urlencode(params)}" if params else "")

    def api(params: dict[str, str]) -> str:
        return "/api/v1/contacts" + (f"?{urlencode(params)}" if params else "")

    out: list[Endpoint] = []
    for prefix, make, is_api in (("ui", ui, False), ("api", api, True)):
        kind = "API" if is_api else "page"
        out += [
            Endpoint(
                f"{prefix}_list_first",
                f"{kind}: contact list, first page",
                "list",
                [make({})],
                is_api,
            ),
            Endpoint(
                f"{prefix}_list_deep",
                f"{kind}: contact list, page ~1,000+",
                "list",
                [make({"cursor": c}) for c in s.deep_cursors],
                is_api,
            ),
            Endpoint(
                f"{prefix}_search_name",
                f"{kind}: search by name",
                "search",
                [make({"q": q}) for q in s.names],
                is_api,
            ),
            Endpoint(
                f"{prefix}_search_email",
                f"{kind}: search by email",
                "search",
                [make({"q": q}) for q in s.emails],
                is_api,
            ),
            Endpoint(
                f"{prefix}_search_phone",
                f"{kind}: search by phone",
                "search",
                [make({"q": q}) for q in s.phones],
                is_api,
            ),
        ]
        if not is_api:
            # What the list's search box sends as one types: htmx asks for the table only.
            out.append(
                Endpoint(
                    "ui_search_name_typed",
                    "table: search by name, as typed (htmx)",
                    "search",
                    [make({"q": q}) for q in s.names],
                    headers={"HX-Request": "true", "HX-Target": "record-table"},
                )
            )
            # What the list's table asks for once shown: how many contacts match its query.
            out.append(
                Endpoint(
                    "ui_count_search",
                    "count: a name search's matches (htmx)",
                    "search",
                    [f"/contacts/count/?{urlencode({'q': q})}" for q in s.names],
                    headers={"HX-Request": "true"},
                )
            )
            out.append(
                Endpoint(
                    "ui_contact_page",
                    "page: contact with its timeline",
                    "page",
                    [f"/contacts/{pk}/" for pk in s.contact_ids],
                )
            )
    return out


def sales_endpoints_build() -> list[Endpoint]:
    """The deal board and the forecast (page and API) over the bench pipeline: load its data
    with bench/sales_load.py first."""
    import datetime as dt

    from rapport.sales.models import Pipeline

    pipeline = Pipeline.unscoped.get(workspace__slug="bench", name="Bench pipeline")
    today = dt.date.today()
    start = today.replace(day=1) - dt.timedelta(days=180)
    year = {
        "start": start.replace(day=1).isoformat(),
        "end": (start + dt.timedelta(days=400)).replace(day=1).isoformat(),
    }
    return [
        Endpoint(
            "ui_board", "page: deal board", "sales", [f"/deals/board/?pipeline={pipeline.pk}"]
        ),
        Endpoint("ui_forecast", "page: forecast (table and chart)", "sales", ["/forecast/"]),
        *(
            Endpoint(f"ui_forecast_{name}", f"panel: forecast {name}", "sales", [url])
            for name, url in (
                ("kpis", "/forecast/panels/kpis/"),
                ("vs_actual", "/forecast/panels/vs-actual/"),
                ("at_risk", "/forecast/panels/at-risk/"),
                ("conversion", "/forecast/panels/conversion/"),
            )
        ),
        Endpoint(
            "api_board",
            "API: board",
            "sales",
            [f"/api/v1/sales/pipelines/{pipeline.pk}/board"],
            api=True,
        ),
        Endpoint(
            "api_forecast",
            "API: forecast, 13 months by owner",
            "sales",
            [f"/api/v1/sales/forecast?{urlencode(year)}"],
            api=True,
        ),
    ]


def _test_client(endpoint: Endpoint, auth: Auth) -> Any:
    """Django's test client signed in as the HTTP clients are, with the endpoint's headers."""
    from django.test import Client

    headers = dict(endpoint.headers)
    if endpoint.api:
        headers["Authorization"] = f"Bearer {auth.token}"
    client = Client(headers=headers)
    if not endpoint.api:
        client.cookies["sessionid"] = auth.session_cookie
    return client


def in_process_measure(endpoint: Endpoint, auth: Auth, samples: int) -> float:
    """Median CPU time of the request in Django alone (test client, no HTTP, SQL excluded).

    CPU time, not wall time: it does not change with what else the machine is running.
    """

    client = _test_client(endpoint, auth)
    times = []
    for url in endpoint.urls[:samples] * 3:
        t0 = time.thread_time()
        client.get(url)
        times.append((time.thread_time() - t0) * 1000)
    return statistics.median(times)


def floor_measure(endpoint: Endpoint, auth: Auth, samples: int) -> tuple[float, int, str]:
    """Median over sample requests of the summed EXPLAIN ANALYZE time of their SELECTs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _test_client(endpoint, auth)
    totals: list[float] = []
    counts: list[int] = []
    slowest = (0.0, "")
    for url in endpoint.urls[:samples]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} in-process")
        total = 0.0
        selects = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].lstrip().upper().startswith("SELECT")
        ]
        with connection.cursor() as cur:
            for sql in selects:
                runs = []
                for _ in range(3):
                    cur.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}")
                    plan = cur.fetchone()[0]
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    runs.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
                best = statistics.median(runs)
                total += best
                if best > slowest[0]:
                    slowest = (best, sql)
        totals.append(total)
        counts.append(len(captured.captured_queries))
    return statistics.median(totals), max(counts), slowest[1]


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_start(
    port: int, workers: int, threads: int, trace_dir: str | None = None
) -> subprocess.Popen[bytes]:
    env = os.environ.copy()
    env["DATABASE_CONN_MAX_AGE"] = "600"
    env["PYTHONPATH"] = str(ROOT)
    if trace_dir:
        env["RAPPORT_TRACE_DIR"] = trace_dir
    command = [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--log-level",
        "warning",
        "bench.trace_wsgi:application" if trace_dir else "config.wsgi:application",
    ]
    log(" ".join(command[1:]))
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 240  # a shared, loaded machine starts three workers slowly
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("granian did not answer within 240 s")


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process and its descendants (the granian workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        tree.update(children)
        frontier.extend(children)
    return sum(cpu.get(pid, 0.0) for pid in tree)


# --- load ---------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection (http.client: the least client CPU per request,
    which matters when the clients share the machine's two cores with the server)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, url: str, extra: dict[str, str] | None = None) -> tuple[int, bytes]:
        try:
            headers = {**self.headers, **extra} if extra else self.headers
            self.conn.request("GET", url, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise


def headers_for(endpoint: Endpoint, auth: Auth) -> dict[str, str]:
    if endpoint.api:
        return {"Authorization": f"Bearer {auth.token}", "Accept": "application/json"}
    return {
        "Cookie": f"sessionid={auth.session_cookie}",
        "Accept": "text/html",
        **endpoint.headers,
    }


def run_endpoint(
    endpoint: Endpoint,
    port: int,
    auth: Auth,
    clients: int,
    requests: int,
    warmup: int,
    max_seconds: float,
    on_start: Callable[[], None] = lambda: None,
    trace: list[dict[str, Any]] | None = None,
) -> Result:
    """`on_start` runs once every client has warmed up, as the measured requests begin.
    With `trace`, each measured request is sent with an `X-Bench-Id` header (for
    `bench/trace_wsgi.py`) and its send time, latency and URL (and whether this run asked it
    before) are appended there."""
    result = Result(endpoint)
    lock = threading.Lock()
    asked: set[str] = set()
    start_gate = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        conn = Connection(port, headers_for(endpoint, auth))
        urls = endpoint.urls
        for i in range(warmup):
            url = urls[(index * 7919 + i) % len(urls)]
            with lock:
                asked.add(url)
            conn.get(url)
        start_gate.wait()
        deadline = time.perf_counter() + max_seconds
        mine: list[float] = []
        errors, sample = 0, ""
        for i in range(requests):
            if time.perf_counter() > deadline:
                break
            url = urls[(index * 104729 + i * 31) % len(urls)]
            bench_id = f"{endpoint.name}:{index}:{i}"
            if trace is not None:
                with lock:
                    fresh = url not in asked
                    asked.add(url)
            sent = time.monotonic()
            t0 = time.perf_counter()
            try:
                extra = {"X-Bench-Id": bench_id} if trace is not None else None
                status, body = conn.get(url, extra)
            except (http.client.HTTPException, OSError) as exc:
                status, body = 0, str(exc).encode()
            elapsed = (time.perf_counter() - t0) * 1000
            if trace is not None:
                with lock:
                    trace.append(
                        {
                            "id": bench_id,
                            "endpoint": endpoint.name,
                            "url": url,
                            "fresh": fresh,
                            "sent": sent,
                            "latency_ms": elapsed,
                            "status": status,
                        }
                    )
            if status == 200:
                mine.append(elapsed)
            else:
                errors += 1
                sample = sample or f"{status} {url}: {body[:200]!r}"
        with lock:
            result.latencies_ms.extend(mine)
            result.errors += errors
            result.error_sample = result.error_sample or sample

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    on_start()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    result.wall_s = time.perf_counter() - t0
    return result


def tenancy_check(
    port: int, auth: Auth, other_contact_id: int | None, endpoints: list[Endpoint]
) -> None:
    """A contact of the other workspace must be a 404 on the page and in the API."""
    if other_contact_id is None:
        return
    checks = [
        (f"/contacts/{other_contact_id}/", False),
        (f"/api/v1/contacts/{other_contact_id}", True),
    ]
    for url, api in [(u, a) for u, a in checks if any(e.api == a for e in endpoints)]:
        endpoint = Endpoint("check", "check", "page", [url], api)
        status, _ = Connection(port, headers_for(endpoint, auth)).get(url)
        if status != 404:
            raise SystemExit(f"tenancy broken: {url} answered {status}, not 404")
    log(f"tenancy holds: the other workspace's contact #{other_contact_id} is a 404")


# --- report -------------------------------------------------------------------------------


def trace_report(trace: list[dict[str, Any]], trace_dir: str) -> str:
    """Each endpoint's requests taken apart (`--trace`): misses (the request wrote a kept page)
    and hits, and the slowest 5%; for each, the client's latency and, from the server's side
    (`bench/trace_wsgi.py`), the app's wall time, its CPU, SQL and cache waits, the garbage
    collector, and the time outside the app (latency less the app's wall time: queued in
    granian, the network stack). Means, then p95 in brackets for latency and outside."""
    server: dict[str, dict[str, Any]] = {}
    for path in Path(trace_dir).glob("server-*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            server[record["id"]] = record
    rows = []
    for r in trace:
        s = server.get(r["id"])
        if s is not None and r["status"] == 200:
            rows.append({**r, **s, "outside_ms": r["latency_ms"] - s["app_ms"]})
    Path(trace_dir, "requests.json").write_text(json.dumps(rows))
    lines = [
        "| Endpoint | requests | latency ms (p95) | outside ms (p95) | app wall | CPU | SQL "
        "(calls) | cache (calls) | gc (runs) | kB got / set |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def pct(values: list[float], p: float) -> float:
        data = sorted(values)
        return data[min(len(data) - 1, max(0, round(p / 100 * len(data) + 0.5) - 1))]

    for name in dict.fromkeys(r["endpoint"] for r in rows):
        mine = [r for r in rows if r["endpoint"] == name]
        cut = pct([r["latency_ms"] for r in mine], 95)
        groups = [
            ("all", mine),
            ("misses", [r for r in mine if r["sets"]]),
            ("hits", [r for r in mine if not r["sets"]]),
            ("slowest 5%", [r for r in mine if r["latency_ms"] >= cut]),
        ]
        for label, group in groups:
            if not group:
                continue

            def mean(key: str, group: list[dict[str, Any]] = group) -> float:
                return statistics.fmean(r[key] for r in group)

            lines.append(
                f"| {name} {label} | {len(group)} | {mean('latency_ms'):.1f} "
                f"({pct([r['latency_ms'] for r in group], 95):.1f}) | {mean('outside_ms'):.1f} "
                f"({pct([r['outside_ms'] for r in group], 95):.1f}) | {mean('app_ms'):.2f} | "
                f"{mean('cpu_ms'):.2f} | {mean('sql_ms'):.2f} ({mean('sql_calls'):.1f}) | "
                f"{mean('cache_ms'):.2f} ({mean('cache_calls'):.1f}) | {mean('gc_ms'):.2f} "
                f"({mean('gc_runs'):.2f}) | {mean('got_bytes') / 1000:.1f} / "
                f"{mean('set_bytes') / 1000:.1f} |"
            )
    lines.append(f"\nEach request: {Path(trace_dir, 'requests.json')}")
    return "\n".join(lines)


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def table(results: list[Result]) -> str:
    lines = [
        "| Endpoint | Requests | p50 ms | p95 ms | p99 ms | req/s | Target p95 | "
        "SQL floor ms (queries) | Django CPU ms | Server CPU ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        target = TARGETS[r.endpoint.target]
        ok = "ok" if r.pct(95) <= target else "MISSED"
        if r.endpoint.target == "list" and r.rps < MIN_LIST_RPS:
            ok += f", < {MIN_LIST_RPS:.0f} req/s"
        errors = f" ({r.errors} errors)" if r.errors else ""
        lines.append(
            f"| {r.endpoint.label} | {len(r.latencies_ms):,}{errors} | {fmt(r.pct(50))} | "
            f"{fmt(r.pct(95))} | {fmt(r.pct(99))} | {fmt(r.rps, 0)} | ≤ {target:.0f} ({ok}) | "
            f"{fmt(r.floor_ms, 2)} ({r.floor_queries}) | {fmt(r.in_process_ms)} | "
            f"{fmt(r.server_cpu_ms)} |"
        )
    return "\n".join(lines)


def machine() -> str:
    import platform

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        buffers = cur.fetchone()[0]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"PostgreSQL {pg} (shared_buffers {buffers}), load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} before the run"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="HTTP benchmark of the contact list and pages")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=100, help="per client and endpoint")
    p.add_argument("--warmup", type=int, default=5, help="unmeasured requests per client")
    p.add_argument("--max-seconds", type=float, default=60.0, help="cap per endpoint")
    # 3 x 1 is what `rapport serve` runs on two cores (measured: docs/performance.md).
    p.add_argument("--workers", type=int, default=3, help="granian worker processes")
    p.add_argument("--threads", type=int, default=1, help="granian blocking threads per worker")
    p.add_argument("--samples", type=int, default=200, help="distinct URLs per endpoint")
    p.add_argument(
        "--depth", type=int, default=50_000, help="rows before the deep page (at most half)"
    )
    p.add_argument("--floor-samples", type=int, default=10, help="requests EXPLAINed per endpoint")
    p.add_argument("--no-floor", action="store_true")
    p.add_argument("--only", default="", help="comma-separated endpoint names")
    p.add_argument(
        "--suite",
        choices=["contacts", "sales"],
        default="contacts",
        help="contacts: list, search, contact page; sales: board and forecast",
    )
    p.add_argument(
        "--trace",
        action="store_true",
        help="serve bench/trace_wsgi.py and take each request apart (misses, hits, waits)",
    )
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--markdown", help="write the table to this file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench only runs against a PostgreSQL on this machine")
    data_dir = tempfile.mkdtemp(prefix="rapport-bench-")
    django_setup(url, data_dir)
    collectstatic(data_dir)
    about = machine()
    log(about)
    if args.suite == "sales":
        samples = None
        endpoints = sales_endpoints_build()
    else:
        samples = samples_pick(args.samples, args.depth)
        endpoints = endpoints_build(samples)
    if args.only:
        wanted = set(args.only.split(","))
        endpoints = [e for e in endpoints if e.name in wanted]
    auth = auth_create()
    results: list[Result] = []
    trace: list[dict[str, Any]] | None = [] if args.trace else None
    trace_dir = tempfile.mkdtemp(prefix="rapport-trace-") if args.trace else None
    port = free_port()
    try:
        server = server_start(port, args.workers, args.threads, trace_dir)
    except SystemExit:  # the server did not start: leave no token or session behind
        auth_remove(auth)
        raise
    try:
        if samples is not None:
            tenancy_check(port, auth, samples.other_contact_id, endpoints)
        for endpoint in endpoints:
            # From the end of the warm-up: the workers' first requests (templates compiled,
            # kept pages built) are not what a request costs once the server runs.
            cpu_at_start = [0.0]

            def measure_from_here(start: list[float] = cpu_at_start) -> None:
                start[0] = cpu_seconds(server.pid)

            r = run_endpoint(
                endpoint,
                port,
                auth,
                args.clients,
                args.requests,
                args.warmup,
                args.max_seconds,
                on_start=measure_from_here,
                trace=trace,
            )
            requests_sent = len(r.latencies_ms) + r.errors
            r.server_cpu_ms = (cpu_seconds(server.pid) - cpu_at_start[0]) * 1000 / requests_sent
            results.append(r)
            log(
                f"{endpoint.name:18} p50 {fmt(r.pct(50)):>7} p95 {fmt(r.pct(95)):>7} "
                f"p99 {fmt(r.pct(99)):>7} ms {fmt(r.rps, 0):>6} req/s"
                + (f"  {r.errors} errors, e.g. {r.error_sample}" if r.errors else "")
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    if not args.no_floor:
        for r in results:
            r.floor_ms, r.floor_queries, r.floor_slowest = floor_measure(
                r.endpoint, auth, args.floor_samples
            )
            r.in_process_ms = in_process_measure(r.endpoint, auth, args.floor_samples)
            log(
                f"{r.endpoint.name:18} SQL floor {r.floor_ms:.2f} ms in {r.floor_queries} "
                f"queries; {r.in_process_ms:.1f} ms in-process"
            )
    auth_remove(auth)
    report = table(results)
    print()
    print(about)
    print(
        f"{args.clients} concurrent clients, {args.requests} requests each per endpoint, "
        f"granian {args.workers} workers x {args.threads} threads\n"
    )
    print(report)
    if trace is not None and trace_dir is not None:
        print()
        print(trace_report(trace, trace_dir))
    if args.markdown:
        Path(args.markdown).write_text(report + "\n")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "machine": about,
                    "clients": args.clients,
                    "requests": args.requests,
                    "workers": args.workers,
                    "threads": args.threads,
                    "results": [
                        {
                            "name": r.endpoint.name,
                            "label": r.endpoint.label,
                            "n": len(r.latencies_ms),
                            "errors": r.errors,
                            "p50": r.pct(50),
                            "p95": r.pct(95),
                            "p99": r.pct(99),
                            "rps": r.rps,
                            "floor_ms": r.floor_ms,
                            "floor_queries": r.floor_queries,
                            "floor_slowest_sql": r.floor_slowest,
                            "in_process_ms": r.in_process_ms,
                            "server_cpu_ms": r.server_cpu_ms,
                        }
                        for r in results
                    ],
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
