"""Add a benchmark-sized sales history to the bench workspace: 100,000 deals with their stage
history and 1,000,000 orders (with a line each), for measuring the deal board and forecasts.

    .venv/bin/python bench/load.py          # first: the contacts, companies and activities
    .venv/bin/python bench/sales_load.py    # then this (adds nothing if deals exist already)
    .venv/bin/python bench/sales_load.py --scale 0.01

The pipeline, products and exchange rates go through the services; deals, their stage
changes, orders and order lines are generated inside PostgreSQL with INSERT ... SELECT over
generate_series, consistent with what the services write (outcome copied from the stage,
closed deals with a close time, one stage change per stage a deal passed through).
"""

from __future__ import annotations

import os
import sys

# bench/http.py would shadow the standard library's `http` package: keep this folder off the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench"
STAGES = [("Qualification", 10), ("Discovery", 25), ("Proposal", 50), ("Negotiation", 75)]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup_records() -> tuple[int, list[int], int, list[int]]:
    """Pipeline, products and rates through the services; returns their ids."""
    from django.core.management import call_command

    from rapport.sales.models import Pipeline
    from rapport.sales.services import exchange_rate_set, pipeline_create, product_create
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.get(slug="bench")
    with workspace_scope(workspace):
        pipeline = Pipeline.objects.filter(name="Bench pipeline").first()
        if pipeline is None:
            stages = [{"name": n, "probability": p} for n, p in STAGES]
            stages += [{"name": "Won", "outcome": "won"}, {"name": "Lost", "outcome": "lost"}]
            pipeline = pipeline_create(
                workspace=workspace, actor=None, name="Bench pipeline", stages=stages
            )
            for i in range(20):
                product_create(
                    workspace=workspace,
                    actor=None,
                    data={
                        "sku": f"BENCH-{i}",
                        "name": f"Bench product {i}",
                        "prices": {"USD": str(10 + i * 7)},
                    },
                )
            today = dt.date.today()
            for months_back in range(30):
                index = today.year * 12 + today.month - 1 - months_back
                day = dt.date(index // 12, index % 12 + 1, 1)
                exchange_rate_set(
                    workspace=workspace,
                    actor=None,
                    currency="EUR",
                    day=day,
                    rate=f"{1.05 + (months_back % 7) * 0.01:.4f}",
                )
        stage_ids = list(pipeline.stages.order_by("position").values_list("id", flat=True))
    owners = list(workspace.memberships.values_list("user_id", flat=True))
    return workspace.pk, stage_ids, pipeline.pk, owners


def load(deals: int, orders: int) -> None:
    from django.db import connection

    workspace_id, stages, pipeline_id, owners = setup_records()
    open_ids, won_id, lost_id = stages[:4], stages[4], stages[5]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT min(id), max(id) FROM contacts_company WHERE workspace_id = %s", [workspace_id]
        )
        first_company, last_company = cur.fetchone()
        cur.execute(
            "SELECT min(id), max(id) FROM contacts_contact WHERE workspace_id = %s", [workspace_id]
        )
        first_contact, last_contact = cur.fetchone()
        cur.execute("SELECT count(*) FROM sales_deal WHERE workspace_id = %s", [workspace_id])
        if cur.fetchone()[0]:
            log("deals exist already")
        else:
            t0 = time.monotonic()
            # A deal's "reach" is how many stages it passed: 1..4 open stages, 5 = won, 6 = lost.
            cur.execute(
                """
                INSERT INTO sales_deal (workspace_id, created_at, updated_at, name, amount,
                    currency, expected_close_date, pipeline_id, stage_id, outcome,
                    stage_entered_at, closed_at, owner_id, company_id, forecast_category,
                    lost_reason, next_step, position, external_id)
                SELECT %(ws)s, created, created, 'Bench deal ' || g,
                       round((500 + random() * 50000)::numeric, 2),
                       CASE WHEN g %% 5 = 0 THEN 'EUR' ELSE 'USD' END,
                       (now() + ((g %% 540) - 270) * interval '1 day')::date,
                       %(pipeline)s, (%(stages)s::bigint[])[reach], (%(outcomes)s::text[])[reach],
                       created + reach * interval '9 days',
                       CASE WHEN reach > 4 THEN created + reach * interval '9 days' END,
                       (%(owners)s::bigint[])[1 + g %% %(n_owners)s],
                       %(c0)s + (g * 7919) %% (%(c1)s - %(c0)s + 1),
                       CASE WHEN reach = 4 THEN 'commit' WHEN reach = 3 THEN 'best_case'
                            ELSE 'pipeline' END,
                       CASE WHEN reach = 6 THEN 'Price' ELSE '' END, '', g, ''
                FROM (
                    SELECT g, now() - (random() * 720) * interval '1 day' AS created,
                           CASE WHEN random() < 0.35 THEN 5 + (random() < 0.6)::int
                                ELSE 1 + floor(random() * 4)::int END AS reach
                    FROM generate_series(1::bigint, %(n)s) g
                ) d
                """,
                {
                    "ws": workspace_id,
                    "pipeline": pipeline_id,
                    "n": deals,
                    "owners": owners,
                    "n_owners": len(owners),
                    "c0": first_company,
                    "c1": last_company,
                    "stages": [*open_ids, won_id, lost_id],
                    "outcomes": ["open"] * 4 + ["won", "lost"],
                },
            )
            # One change per stage passed: open stages in order, then the closing one.
            cur.execute(
                """
                INSERT INTO sales_dealstagechange (workspace_id, created_at, updated_at, deal_id,
                    from_stage_id, to_stage_id, changed_at, actor_id)
                SELECT d.workspace_id, d.created_at, d.created_at, d.id,
                       CASE WHEN s.n > 1 THEN (%(path)s::bigint[])[s.n - 1] END,
                       CASE WHEN d.stage_id IN (%(won)s, %(lost)s) AND s.n = last.n THEN d.stage_id
                            ELSE (%(path)s::bigint[])[s.n] END,
                       d.created_at + (s.n - 1) * interval '9 days', d.owner_id
                FROM sales_deal d
                CROSS JOIN LATERAL (SELECT CASE WHEN d.stage_id IN (%(won)s, %(lost)s) THEN 5
                         ELSE array_position(%(path)s::bigint[], d.stage_id) END AS n) last
                CROSS JOIN LATERAL generate_series(1, last.n) s(n)
                WHERE d.workspace_id = %(ws)s
                """,
                {"ws": workspace_id, "path": open_ids, "won": won_id, "lost": lost_id},
            )
            log(f"{deals:,} deals and their stage history in {time.monotonic() - t0:.0f} s")
        cur.execute("SELECT count(*) FROM sales_order WHERE workspace_id = %s", [workspace_id])
        if cur.fetchone()[0]:
            log("orders exist already")
        else:
            t0 = time.monotonic()
            cur.execute(
                """
                INSERT INTO sales_order (workspace_id, created_at, updated_at, external_id,
                    ordered_at, status, channel, currency, total, contact_id, company_id, deal_id)
                SELECT %(ws)s, at, at, 'BENCH-' || g, at,
                       CASE WHEN g %% 20 = 0 THEN 'refunded' ELSE 'fulfilled' END, 'ecommerce',
                       CASE WHEN g %% 6 = 0 THEN 'EUR' ELSE 'USD' END,
                       round((5 + random() * 400)::numeric, 2),
                       %(p0)s + (g * 104729) %% (%(p1)s - %(p0)s + 1), NULL, NULL
                FROM (SELECT g, now() - (random() * 730) * interval '1 day' AS at
                      FROM generate_series(1::bigint, %(n)s) g) o
                """,
                {"ws": workspace_id, "n": orders, "p0": first_contact, "p1": last_contact},
            )
            cur.execute(
                """
                INSERT INTO sales_orderline (workspace_id, created_at, updated_at, order_id,
                    product_id, sku, description, quantity, unit_price, line_total)
                SELECT o.workspace_id, o.created_at, o.created_at, o.id, NULL, 'BENCH',
                       'Bench line', 1, o.total, o.total
                FROM sales_order o WHERE o.workspace_id = %(ws)s
                """,
                {"ws": workspace_id},
            )
            log(f"{orders:,} orders and lines in {time.monotonic() - t0:.0f} s")
        # VACUUM as well as ANALYZE: it fills the visibility map that index-only scans need,
        # as autovacuum would on a live database (bench/load.py does the same for its tables).
        # The kept deal sums were filled by the deals' triggers: one update per deal each.
        cur.execute(
            "VACUUM (ANALYZE) sales_deal, sales_dealstagechange, sales_order, sales_orderline, "
            "sales_dealstagetotal, sales_dealopenmonthtotal, sales_dealwondaytotal"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    django_setup(url)
    load(deals=int(100_000 * args.scale), orders=int(1_000_000 * args.scale))


if __name__ == "__main__":
    main()
