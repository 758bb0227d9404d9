"""Ticket conversation search at scale on PostgreSQL: 100,000 tickets and 1,000,000 messages
in a database of its own, then p50/p95 of the search for rare and common words.

    .venv/bin/python bench/service_search.py                 # load once, then measure
    .venv/bin/python bench/service_search.py --reset         # drop and load again
    .venv/bin/python bench/service_search.py --scale 0.1     # 10,000 tickets, 100,000 messages

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/rapport_bench_service (created if
missing, migrated; --reset drops only databases named rapport_bench*, as bench/load.py). The
workspace and its requesters go through the services; tickets and messages are generated
inside PostgreSQL with INSERT ... SELECT over generate_series, the words of each drawn from a
skewed vocabulary (a few words in most messages, a long tail in few). The triggers of
migration 0008 keep each ticket's search document during the load (the messages' insert
refreshes every ticket once, at the end of its statement); its GIN index is dropped for the
load and rebuilt after with the migration's own SQL.

Two figures per query: the real query function (`ticket_list`, the first page of 50 as the
desk and the API ask for it, through the ORM) and the SQL floor (EXPLAIN ANALYZE's execution
time of the same SQL), with the machine's 1-minute load average when the query's runs ended.
"""

from __future__ import annotations

import os
import sys

# bench/http.py would shadow the standard library's `http` package: keep this folder off the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from types import ModuleType  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench_service"
TICKETS, MESSAGES, REQUESTERS = 100_000, 1_000_000, 200
WORDS_PER_MESSAGE, TAIL = 14, 50_000
# The head of the vocabulary: words of support mail, the first in most messages.
COMMON = [
    "the",
    "printer",
    "invoice",
    "order",
    "please",
    "thanks",
    "refund",
    "delivery",
    "account",
    "password",
    "error",
    "login",
    "payment",
    "shipping",
    "broken",
    "update",
    "help",
    "issue",
    "customer",
    "service",
    "product",
    "replace",
    "return",
]
QUERIES = {
    "common word": "the",
    "frequent word": "printer",
    "prefix of a frequent word": "prin",
    "middling prefix": "kw230",
    "uncommon prefix": "kw2300",
    "rare word": "kw41234",
    "rare prefix": "kw4123",
    "absent word": "zyzzyva",
    "common and rare": "refund kw41234",
    "two common": "invoice password",
    "two rare": "kw41234 kw2300",
}


def _bench_load() -> ModuleType:
    """bench/load.py, for its database set-up (the same reset guard) and log."""
    spec = importlib.util.spec_from_file_location("bench_load", os.path.join(_HERE, "load.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


LOAD = _bench_load()
log = LOAD.log


def workspace_setup(requesters: int) -> tuple[int, list[int]]:
    """The workspace and its requesters, through the services; their ids."""
    from django.core.management import call_command

    from rapport.contacts.models import Contact
    from rapport.contacts.services import contact_create
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace
    from rapport.tenancy.services import workspace_create

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(slug="bench-service").first()
    if workspace is None:
        workspace = workspace_create(name="Bench service", slug="bench-service")
    with workspace_scope(workspace):
        for n in range(Contact.objects.count(), requesters):
            contact_create(
                workspace=workspace,
                actor=None,
                data={
                    "first_name": "Customer",
                    "last_name": str(n),
                    "emails": [f"c{n}@example.com"],
                },
            )
        ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    return workspace.pk, ids


def bulk_load(workspace_id: int, contact_ids: list[int], tickets: int, messages: int) -> None:
    """Tickets and messages in SQL; the search index dropped for the load, rebuilt after."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM service_ticket WHERE workspace_id = %s", [workspace_id])
        if cur.fetchone()[0]:
            log("tickets exist already: nothing loaded (--reset to load again)")
            return
        migration = importlib.import_module("rapport.service.migrations.0008_ticket_search_words")
        cur.execute(f"DROP INDEX IF EXISTS {migration.GIN_INDEX}")
        cur.execute("SELECT setseed(0.42)")
        started = time.monotonic()
        cur.execute(
            f"""INSERT INTO service_ticket (workspace_id, number, subject, status, priority,
                   ticket_type, channel, requester_id, paused_seconds, root_cause, resolution,
                   reopened_count, created_at, updated_at)
               SELECT %s, g,
                   initcap({_words("5")}),
                   (ARRAY['new','open','pending','solved','closed'])[1 + g %% 5],
                   'normal', 'question', 'email', (%s::bigint[])[1 + g %% %s], 0, '', '', 0,
                   now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval
               FROM generate_series(1, %s) g""",
            [workspace_id, contact_ids, len(contact_ids), tickets],
        )
        cur.execute(
            f"""INSERT INTO service_ticketmessage (workspace_id, ticket_id, kind, body,
                   message_id, created_at, updated_at)
               SELECT %s, t.id, CASE WHEN g %% 7 = 0 THEN 'internal' ELSE 'public' END,
                   {_words(str(WORDS_PER_MESSAGE))} || '.',
                   '', t.created_at, t.created_at
               FROM generate_series(1, %s) g
               JOIN LATERAL (SELECT id, created_at FROM service_ticket
                   WHERE workspace_id = %s AND number = 1 + (g - 1) %% %s) t ON true""",
            [workspace_id, messages, workspace_id, tickets],
        )
        log(f"{tickets:,} tickets and {messages:,} messages in {time.monotonic() - started:.0f} s")
        started = time.monotonic()
        cur.execute("SET maintenance_work_mem = '256MB'")
        [create_index] = [sql for sql in migration.POSTGRESQL if migration.GIN_INDEX in sql]
        cur.execute(create_index)
        # Every table, the requesters too: without their statistics the planner guesses 20
        # contacts and joins them to the tickets by a nested loop over the search index.
        cur.execute("ANALYZE")
        log(f"search index built and tables analysed in {time.monotonic() - started:.0f} s")


def _words(count: str) -> str:
    """SQL for `count` words of the vocabulary (COMMON, then "kw<n>") joined by spaces, word i
    drawn with probability ~ 1/(i+1) (Zipf-like): the head is in most messages, a tail word in
    a handful. Computed, not read off an array: a large array would be copied for every draw.
    The `g > 0` ties the draw to the row, else PostgreSQL would draw once for all rows."""
    head = "ARRAY[" + ", ".join(f"'{w}'" for w in COMMON) + "]"
    return (
        f"array_to_string(ARRAY(SELECT CASE WHEN x < {len(COMMON)} THEN ({head})[x + 1] "
        f"ELSE 'kw' || x END FROM (SELECT floor(exp(random() * ln({len(COMMON) + TAIL})))::int"
        f" - 1 AS x FROM generate_series(1, {count}) WHERE g > 0) d), ' ')"
    )


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


Row = tuple[str, str, int, list[float], list[float], float]


def measure(workspace_id: int, runs: int) -> list[Row]:
    """Per query: its matching tickets, then `runs` timings of ticket_list and of EXPLAIN
    ANALYZE of its SQL (after one warm-up each), and the load average as they ended."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.service.models import Ticket
    from rapport.service.queries import TicketFilter, ticket_list
    from rapport.service.search import tickets_matching
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace

    rows = []
    with workspace_scope(Workspace.objects.get(pk=workspace_id)):
        for label, text in QUERIES.items():
            matching = Ticket.objects.filter(tickets_matching(text)).count()
            f = TicketFilter(q=text)
            with CaptureQueriesContext(connection) as captured:
                ticket_list(f=f)
            sql = max(captured.captured_queries, key=lambda q: len(q["sql"]))["sql"]
            orm, floor = [], []
            for _ in range(runs):
                started = time.perf_counter()
                ticket_list(f=f)
                orm.append((time.perf_counter() - started) * 1000)
            with connection.cursor() as cur:
                for _ in range(runs):
                    cur.execute(f"EXPLAIN (ANALYZE, FORMAT TEXT) {sql}")
                    plan = "\n".join(r[0] for r in cur.fetchall())
                    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
                    assert found is not None, plan
                    floor.append(float(found.group(1)))
            rows.append((label, text, matching, orm, floor, os.getloadavg()[0]))
            log(f"{label} ({text!r}): {matching:,} tickets")
    return rows


def measure_replies(workspace_id: int, runs: int) -> list[tuple[str, list[float]]]:
    """What keeping the document costs a write: `ticket_reply` (an internal note, so no mail)
    on the newest ticket, with the messages' insert trigger and without it (disabled inside
    the transaction), each run in a transaction rolled back, so the data stays as loaded."""
    from django.db import connection, transaction

    from rapport.service.models import Ticket
    from rapport.service.services import ticket_reply
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace

    workspace = Workspace.objects.get(pk=workspace_id)
    rows = []
    with workspace_scope(workspace):
        ticket = Ticket.objects.order_by("-updated_at", "-id").first()
        assert ticket is not None
        for label, kept in (("reply, document kept", True), ("reply, trigger disabled", False)):
            timings = []
            for run in range(runs + 1):
                with transaction.atomic():
                    if not kept:
                        with connection.cursor() as cur:
                            cur.execute(
                                "ALTER TABLE service_ticketmessage "
                                "DISABLE TRIGGER service_ticketmessage_words_insert"
                            )
                    started = time.perf_counter()
                    ticket_reply(
                        workspace=workspace,
                        actor=None,
                        ticket=ticket,
                        body="Checked the printer tray and the invoice kw41234 again.",
                        kind="internal",
                    )
                    if run:  # the first is a warm-up
                        timings.append((time.perf_counter() - started) * 1000)
                    transaction.set_rollback(True)
            rows.append((label, timings))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reset", action="store_true", help="drop the database and load again")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=30, help="timings per query")
    args = parser.parse_args(argv)

    LOAD.database_prepare(args.url, reset=args.reset)
    LOAD.django_setup(args.url)
    workspace_id, contact_ids = workspace_setup(REQUESTERS)
    tickets, messages = round(TICKETS * args.scale), round(MESSAGES * args.scale)
    bulk_load(workspace_id, contact_ids, tickets, messages)
    rows = measure(workspace_id, args.runs)
    replies = measure_replies(workspace_id, args.runs)
    print(
        "\n| query | text | tickets found | ticket_list p50 / p95 (ms) | SQL p50 / p95 (ms) "
        "| load |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for label, text, matching, orm, floor, load in rows:
        print(
            f"| {label} | `{text}` | {matching:,} "
            f"| {statistics.median(orm):.1f} / {_pct(orm, 0.95):.1f} "
            f"| {statistics.median(floor):.1f} / {_pct(floor, 0.95):.1f} | {load:.1f} |"
        )

    print("\n| write (rolled back) | p50 / p95 (ms) |\n|---|---:|")
    for label, timings in replies:
        print(f"| {label} | {statistics.median(timings):.1f} / {_pct(timings, 0.95):.1f} |")
    print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
