"""Time a three-condition segment over the benchmark workspace (bench/load.py's data).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/segment.py [--repeat 5]

The segment: lifecycle stage is lead, AND no call in the last 90
days, AND tagged with the workspace's most used tag. It is compiled by marketing's own
compiler (one SQL query) and timed as the builder and the campaign use it: the member count,
and the first page of members. Prints each run and the median; EXPLAIN ANALYZE of the count
goes to bench/results/segment_plan.txt.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *[p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapport_bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from rapport.contacts.models import Contact, Tag  # noqa: E402
from rapport.marketing.definition import definition_clean  # noqa: E402
from rapport.marketing.queries import definition_members, members_preview  # noqa: E402
from rapport.tenancy.access import workspace_scope  # noqa: E402
from rapport.tenancy.models import Workspace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    workspace = max(
        Workspace.objects.all(), key=lambda w: Contact.unscoped.filter(workspace=w).count()
    )
    with workspace_scope(workspace):
        tag = Tag.objects.annotate(n=Count("contacts")).order_by("-n").first()
        assert tag is not None, "the bench workspace has no tags"
        tree = definition_clean(
            {
                "op": "and",
                "rules": [
                    {"type": "lifecycle_stage", "op": "is", "stage": "lead"},
                    {
                        "type": "activity",
                        "op": "has_not",
                        "kind": "call",
                        "when": "within_days",
                        "days": 90,
                    },
                    {"type": "tag", "op": "has", "tag_id": tag.pk},
                ],
            },
            workspace=workspace,
        )
        members = definition_members(workspace=workspace, definition=tree)
        total = Contact.objects.count()
        print(f"workspace {workspace.slug}: {total:,} contacts; tag {tag.name!r}")
        runs = []
        for n in range(args.repeat):
            start = time.perf_counter()
            count = members.count()
            page = members_preview(members)
            runs.append(time.perf_counter() - start)
            print(f"run {n + 1}: {count:,} members, first page {len(page)}: {runs[-1]:.3f} s")
        print(f"median {statistics.median(runs):.3f} s, best {min(runs):.3f} s")
        sql, params = members.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) s", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "segment_plan.txt").write_text(plan + "\n")


if __name__ == "__main__":
    main()
