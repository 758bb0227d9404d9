"""Statement-level figures of the contact search and the list's count, on the bench database.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench
    .venv/bin/python bench/statements.py                     # both tables
    .venv/bin/python bench/statements.py --only search --texts ann,anna.s --runs 7

Reruns what docs/performance.md's "Search by part of an email" and "How many records a list
matches" (branch search17) first took by hand. **search**: for each text, the first page of
a name search in name order as the list page reads it (`listing.contact_page`): how many
addresses start with the text, the page's contacts, the statement it sends under `EXPLAIN
ANALYZE` (median execution and planning ms over `--runs`) and the whole read from Python
(median wall ms). A text of letters alone is also run with the address arm forced on
(`queries.email_start` answering yes), the variant search17 measured and left out.
**count**: `listing.contact_count` and `company_count` (median wall ms) for the filters of
that section's table, with what the list shows ("10,000+", "many"). Reads only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_http", ROOT / "bench" / "http.py")
assert _spec is not None and _spec.loader is not None
bench_http = sys.modules["bench_http"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_http)

SEARCH_TEXTS = (
    "ann,mar,chris,alexa,danie,mary,gross,paula,"
    "anna.s,anna.sanders,john.,mary.,ann.,paula.hamilton.1,j.doe,a.b,anna_s"
)


def _median_ms(run: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _explain(sql: str, runs: int) -> tuple[float, float]:
    """Median execution and planning ms of `sql` under EXPLAIN ANALYZE."""
    from django.db import connection

    executions, plannings = [], []
    with connection.cursor() as cur:
        for _ in range(runs):
            cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            plan = cur.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            executions.append(plan[0]["Execution Time"])
            plannings.append(plan[0]["Planning Time"])
    return statistics.median(executions), statistics.median(plannings)


@contextmanager
def _email_arm_forced() -> Iterator[None]:
    from rapport.contacts import queries

    email_start = queries.email_start
    queries.email_start = lambda key: True  # type: ignore[assignment]
    try:
        yield
    finally:
        queries.email_start = email_start  # type: ignore[assignment]


def search_rows(workspace: Any, texts: list[str], runs: int) -> list[list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.contacts import queries
    from rapport.contacts.listing import CONTACT_ROW_FIELDS, contact_page
    from rapport.contacts.queries import RecordFilter

    def page(text: str) -> Any:
        return contact_page(
            f=RecordFilter(q=text), workspace=workspace, only=CONTACT_ROW_FIELDS, limit=50
        )

    def measure(text: str) -> tuple[int, float, float, float]:
        with CaptureQueriesContext(connection) as captured:
            found = page(text)
        sql = next(q["sql"] for q in captured.captured_queries if "contacts_contact" in q["sql"])
        execution, planning = _explain(sql, runs)
        return len(found.items), execution, planning, _median_ms(lambda: page(text), runs)

    out = []
    for text in texts:
        kind = queries.contact_search_kind(text, region=workspace.default_region)
        key = kind[1] if kind else text
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM contacts_contactemail WHERE workspace_id = %s "
                "AND email::text ~>=~ %s AND email::text ~<~ %s",
                [workspace.pk, key, key + "\U0010ffff"],
            )
            addresses = cur.fetchone()[0]
        found, execution, planning, python = measure(text)
        row = [text, f"{addresses:,}", str(found), f"{execution:.2f}", f"{planning:.2f}"]
        row.append(f"{python:.1f}")
        if kind and kind[0] == "name" and not queries.email_start(key):
            with _email_arm_forced():
                _, execution, planning, python = measure(text)
            row.append(f"{execution:.2f} / {planning:.2f} / {python:.1f}")
        else:
            row.append("(the arm is on)" if kind and kind[0] == "name" else "–")
        out.append(row)
    return out


def count_rows(workspace: Any, runs: int) -> list[list[str]]:
    from django.contrib.auth import get_user_model

    from rapport.contacts.listing import COUNT_CAP, company_count, contact_count
    from rapport.contacts.models import Tag
    from rapport.contacts.queries import RecordFilter

    tag = Tag.objects.filter(workspace=workspace).order_by("name").first()
    owner = get_user_model().objects.get(username="bench-owner")
    tag_name = tag.name if tag else ""
    filters: list[tuple[str, str, RecordFilter]] = [
        ("contacts", "none (the whole list)", RecordFilter()),
        ("contacts", "q=gross", RecordFilter(q="gross")),
        ("contacts", "q=ann", RecordFilter(q="ann")),
        ("contacts", "q=a (short: the ORed search reads every match)", RecordFilter(q="a")),
        ("contacts", "q=anna.s (with the email arm)", RecordFilter(q="anna.s")),
        ("contacts", "q=anna@", RecordFilter(q="anna@")),
        ("contacts", "q=+1 212", RecordFilter(q="+1 212")),
        ("contacts", "stage=customer", RecordFilter(lifecycle_stage="customer")),
        ("contacts", f"tag={tag_name} (the first by name)", RecordFilter(tag=tag_name)),
        ("contacts", "owner=bench-owner", RecordFilter(owner_id=owner.pk)),
        (
            "contacts",
            "owner, tag and stage",
            RecordFilter(owner_id=owner.pk, tag=tag_name, lifecycle_stage="customer"),
        ),
        ("contacts", "q=gross, stage=lead", RecordFilter(q="gross", lifecycle_stage="lead")),
        ("companies", "none", RecordFilter()),
        ("companies", "q=gro", RecordFilter(q="gro")),
    ]
    out = []
    for entity, label, f in filters:
        count = contact_count if entity == "contacts" else company_count
        n = count(f=f, workspace=workspace)
        shown = "many" if n is None else f"{n:,}" if n <= COUNT_CAP else f"{COUNT_CAP:,}+"
        ms = _median_ms(lambda count=count, f=f: count(f=f, workspace=workspace), runs)
        out.append([entity, label, shown, f"{ms:.1f}"])
    return out


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="search,count", help="search, count or both")
    parser.add_argument("--texts", default=SEARCH_TEXTS, help="comma-separated search texts")
    parser.add_argument("--runs", type=int, default=5, help="runs of each, for the medians")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", bench_http.DEFAULT_URL)
    bench_http.django_setup(url, tempfile.mkdtemp(prefix="rapport-bench-"))
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace

    workspace = Workspace.objects.get(slug="bench")
    wanted = args.only.split(",")
    print(f"{url.rsplit('/', 1)[-1]}, load average {os.getloadavg()[0]:.1f}\n")
    with workspace_scope(workspace):
        if "search" in wanted:
            header = ["text", "addresses starting with it", "results", "statement ms"]
            header += ["planning ms", "from Python ms", "with the email arm forced"]
            texts = [t for t in args.texts.split(",") if t]
            print(markdown(header, search_rows(workspace, texts, args.runs)), "\n")
        if "count" in wanted:
            header = ["list", "filter", "count", "ms"]
            print(markdown(header, count_rows(workspace, args.runs)))
    print(f"\nload average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
