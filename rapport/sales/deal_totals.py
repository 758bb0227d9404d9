"""The kept deal sums (`DealStageTotal`, `DealOpenMonthTotal`, `DealWonDayTotal`): their
triggers, rebuild, check.

Triggers on `sales_deal` take each changed deal's old row out of its sums and add its new
row, in the writing transaction: whatever writes a deal (a service, an import's bulk_create,
a queryset update, a merge, a cascade), the sums move with it and commit or roll back with
it. PostgreSQL: statement triggers over the statement's transition tables (one PL/pgSQL
function), so a bulk write nets its changes per sum's row and updates each row once. SQLite:
row triggers, since it updates a row in place.

Contention (PostgreSQL): a write locks the sums rows of its (pipeline, stage, owner, currency)
and of its (month, …, category, currency) until it commits, so two writes to deals of the same
owner, stage and currency commit one after the other. Deal writes are short; an import holds
its rows for its whole transaction, so a concurrent edit of that owner's deals in the same
stage waits for it. Two multi-deal transactions touching the same rows in opposite orders may
deadlock; PostgreSQL then aborts one of them.

SQLite: a later migration that alters `sales_deal` in a way SQLite cannot (Django then copies
the table) drops these triggers; `test_deal_totals` fails then, and `rapport deal_totals`
names the drift. Such a migration must run `trigger_statements` again.

Every statement here is built from this module's constants (table, column and expression
names), never from input: hence the `noqa: S608`.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

CENT = Decimal("0.01")
TRIGGER = "sales_deal_totals"
OPERATIONS = ("insert", "update", "delete")
# Only a change of one of these moves a deal between sums (a drag within a column, a new
# last-activity time or a rename fires nothing).
DEAL_COLUMNS = (
    "workspace_id",
    "pipeline_id",
    "stage_id",
    "owner_id",
    "currency",
    "amount",
    "outcome",
    "expected_close_date",
    "forecast_category",
    "closed_at",
)


@dataclass(frozen=True)
class KeptSum:
    table: str
    # column of the sums table → expression over a deal row named {d}
    keys: tuple[tuple[str, str], ...]
    # which deals count, over a deal row named {d}
    condition: str


def _month(vendor: str) -> str:
    if vendor == "postgresql":
        return "date_trunc('month', {d}.expected_close_date)::date"
    return "date({d}.expected_close_date, 'start of month')"


def _utc_day(vendor: str) -> str:
    # Django keeps date-times in UTC: SQLite as ISO text, so its date() is the UTC day.
    if vendor == "postgresql":
        return "({d}.closed_at AT TIME ZONE 'UTC')::date"
    return "date({d}.closed_at)"


# The sums tables by the migration that made them: a migration builds the triggers of the
# tables that exist at its point (`tables`), not of the ones later migrations create.
STAGE_AND_MONTH = ("sales_dealstagetotal", "sales_dealopenmonthtotal")
WON_DAY = ("sales_dealwondaytotal",)
ALL_TABLES = (*STAGE_AND_MONTH, *WON_DAY)


def kept_sums(vendor: str, tables: tuple[str, ...] = ALL_TABLES) -> tuple[KeptSum, ...]:
    common = (
        ("workspace_id", "{d}.workspace_id"),
        ("pipeline_id", "{d}.pipeline_id"),
        ("stage_id", "{d}.stage_id"),
        ("owner_key", "COALESCE({d}.owner_id, 0)"),
        ("currency", "{d}.currency"),
    )
    every = (
        KeptSum("sales_dealstagetotal", common, "1 = 1"),
        KeptSum(
            "sales_dealopenmonthtotal",
            (("month", _month(vendor)), *common, ("forecast_category", "{d}.forecast_category")),
            "{d}.outcome = 'open' AND {d}.expected_close_date IS NOT NULL",
        ),
        KeptSum(
            "sales_dealwondaytotal",
            (("day", _utc_day(vendor)), *common),
            "{d}.outcome = 'won' AND {d}.closed_at IS NOT NULL",
        ),
    )
    return tuple(s for s in every if s.table in tables)


def _now(vendor: str) -> str:
    return "now()" if vendor == "postgresql" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _add(s: KeptSum, row: str, vendor: str) -> str:
    columns = ", ".join(c for c, _ in s.keys)
    values = ", ".join(e.format(d=row) for _, e in s.keys)
    now = _now(vendor)
    # `WHERE` also settles SQLite's parse of INSERT … SELECT … ON CONFLICT.
    return (
        f"INSERT INTO {s.table} ({columns}, deals, amount, created_at, updated_at) "
        f"SELECT {values}, 1, {row}.amount, {now}, {now} WHERE {s.condition.format(d=row)} "
        f"ON CONFLICT ({columns}) DO UPDATE SET deals = {s.table}.deals + 1, "
        f"amount = {s.table}.amount + excluded.amount, updated_at = excluded.updated_at;"
    )


def _take_out(s: KeptSum, row: str, vendor: str) -> str:
    """The old row out of its sum, and the sum's row gone when no deal is left in it (a
    currency without deals then needs no exchange rate, as before)."""
    match = " AND ".join(f"{c} = {e.format(d=row)}" for c, e in s.keys)
    condition = s.condition.format(d=row)
    return (
        f"UPDATE {s.table} SET deals = deals - 1, amount = amount - {row}.amount, "  # noqa: S608
        f"updated_at = {_now(vendor)} WHERE {match} AND {condition}; "
        f"DELETE FROM {s.table} WHERE {match} AND deals = 0 AND {condition};"
    )


def _changed_sqlite() -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in DEAL_COLUMNS)


def _net_pg(s: KeptSum, changes: str) -> str:
    """Per sum's row, the deals and amount a statement's changed rows add (or, negative, take
    out); `changes` yields each changed deal once per side, with `sign` 1 (new) or -1 (old)."""
    keys = ", ".join(f"{e.format(d='c')} AS {c}" for c, e in s.keys)
    groups = ", ".join(e.format(d="c") for _, e in s.keys)
    return (
        f"SELECT {keys}, SUM(c.sign) AS deals, SUM(c.sign * c.amount) AS amount "  # noqa: S608
        f"FROM ({changes}) c WHERE {s.condition.format(d='c')} GROUP BY {groups} "
        f"HAVING SUM(c.sign) <> 0 OR SUM(c.sign * c.amount) <> 0"
    )


def _apply_pg(s: KeptSum, changes: str) -> str:
    """A statement's net changes into the sums: rows gaining deals are upserted (in key order,
    so concurrent statements lock them in the same order), the others updated (never
    created: a sum missing there is already being deleted with its workspace), and emptied
    rows deleted."""
    net = _net_pg(s, changes)
    columns = ", ".join(c for c, _ in s.keys)
    match = " AND ".join(f"{s.table}.{c} = net.{c}" for c, _ in s.keys)
    return (
        f"INSERT INTO {s.table} ({columns}, deals, amount, created_at, updated_at) "  # noqa: S608
        f"SELECT {columns}, deals, amount, now(), now() FROM ({net}) net WHERE net.deals > 0 "
        f"ORDER BY {columns} "
        f"ON CONFLICT ({columns}) DO UPDATE SET deals = {s.table}.deals + excluded.deals, "
        f"amount = {s.table}.amount + excluded.amount, updated_at = excluded.updated_at; "
        f"UPDATE {s.table} SET deals = {s.table}.deals + net.deals, "
        f"amount = {s.table}.amount + net.amount, updated_at = now() "
        f"FROM ({net}) net WHERE {match} AND net.deals <= 0; "
        f"DELETE FROM {s.table} WHERE deals = 0 AND ({columns}) IN "
        f"(SELECT {columns} FROM ({net}) net WHERE net.deals < 0);"
    )


def _pg_function(tables: tuple[str, ...]) -> str:
    """One PL/pgSQL function for the three statement triggers: a bulk write (an import, a
    queryset update) updates each sum's row once, not once per deal (row triggers made 10,000
    updates of one owner's deals take 10-22 s instead of 1: every update of a sum's row in
    one transaction leaves a row version the next one walks past)."""
    columns = ", ".join(DEAL_COLUMNS)
    old = ", ".join(f"o.{c}" for c in DEAL_COLUMNS)
    new = ", ".join(f"n.{c}" for c in DEAL_COLUMNS)
    changed = f"({old}) IS DISTINCT FROM ({new})"
    changes = {
        "INSERT": f"SELECT 1 AS sign, {columns} FROM new_rows",  # noqa: S608
        "DELETE": f"SELECT -1 AS sign, {columns} FROM old_rows",  # noqa: S608
        "UPDATE": (
            f"SELECT -1 AS sign, {old} FROM old_rows o JOIN new_rows n USING (id) "  # noqa: S608
            f"WHERE {changed} UNION ALL "
            f"SELECT 1 AS sign, {new} FROM new_rows n JOIN old_rows o USING (id) WHERE {changed}"
        ),
    }
    branches = " ".join(
        f"{'IF' if i == 0 else 'ELSIF'} TG_OP = '{op}' THEN "
        + " ".join(_apply_pg(s, rows) for s in kept_sums("postgresql", tables))
        for i, (op, rows) in enumerate(changes.items())
    )
    return (
        f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {branches} END IF; RETURN NULL; END $$"
    )


def trigger_statements(vendor: str, tables: tuple[str, ...] = ALL_TABLES) -> list[str]:
    """The triggers keeping the sums of `tables` (every kept sum by default)."""
    if vendor == "postgresql":
        transitions = {
            "insert": "NEW TABLE AS new_rows",
            "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "delete": "OLD TABLE AS old_rows",
        }
        return [
            _pg_function(tables),
            *(
                f"CREATE TRIGGER {TRIGGER}_{op} AFTER {op.upper()} ON sales_deal "
                f"REFERENCING {rows} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
                for op, rows in transitions.items()
            ),
        ]
    if vendor == "sqlite":
        # Row triggers: SQLite updates a row in place, so a bulk write's repeated updates of
        # one sum's row stay cheap.
        sums = kept_sums(vendor, tables)
        add = " ".join(_add(s, "NEW", vendor) for s in sums)
        take_out = " ".join(_take_out(s, "OLD", vendor) for s in sums)
        return [
            f"CREATE TRIGGER {TRIGGER}_insert AFTER INSERT ON sales_deal BEGIN {add} END",
            f"CREATE TRIGGER {TRIGGER}_delete AFTER DELETE ON sales_deal BEGIN {take_out} END",
            f"CREATE TRIGGER {TRIGGER}_update AFTER UPDATE ON sales_deal "
            f"WHEN {_changed_sqlite()} BEGIN {take_out} {add} END",
        ]
    raise NotImplementedError(f"kept deal sums need triggers written for {vendor}")


def triggers_drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {TRIGGER}_{op} ON sales_deal" for op in OPERATIONS),
            f"DROP FUNCTION IF EXISTS {TRIGGER}()",
        ]
    return [f"DROP TRIGGER IF EXISTS {TRIGGER}_{op}" for op in OPERATIONS]


def _grouped(s: KeptSum, vendor: str) -> str:
    """Every sum as computed from the deals themselves."""
    keys = ", ".join(e.format(d="d") for _, e in s.keys)
    return (
        f"SELECT {keys}, COUNT(*), SUM(d.amount) FROM sales_deal d "  # noqa: S608
        f"WHERE {s.condition.format(d='d')} GROUP BY {keys}"
    )


def _lock(connection: BaseDatabaseWrapper, cursor: Any) -> None:
    # Writes wait (reads go on) while the sums are read against the deals or rebuilt; SQLite
    # has one writer anyway.
    if connection.vendor == "postgresql":
        cursor.execute("LOCK TABLE sales_deal IN SHARE MODE")


def totals_rebuild(connection: BaseDatabaseWrapper, tables: tuple[str, ...] = ALL_TABLES) -> None:
    """Every sum (of `tables`) computed again from the deals (a migration's first fill; a
    repair). Run inside a transaction."""
    now = _now(connection.vendor)
    with connection.cursor() as cursor:
        _lock(connection, cursor)
        for s in kept_sums(connection.vendor, tables):
            columns = ", ".join(c for c, _ in s.keys)
            cursor.execute(f"DELETE FROM {s.table}")  # noqa: S608
            keys = ", ".join(e.format(d="d") for _, e in s.keys)
            cursor.execute(
                f"INSERT INTO {s.table} ({columns}, deals, amount, created_at, updated_at) "  # noqa: S608
                f"SELECT {keys}, COUNT(*), SUM(d.amount), {now}, {now} FROM sales_deal d "
                f"WHERE {s.condition.format(d='d')} GROUP BY {keys}"
            )


def _cents(value: Any) -> Decimal:
    # SQLite sums amounts as floats: compare to the cent, as the reports show them.
    return Decimal(str(value)).quantize(CENT)


def totals_drift(connection: BaseDatabaseWrapper) -> list[str]:
    """Every kept sum that differs from the deals' own, described; empty when none does.
    Run inside a transaction."""
    out: list[str] = []
    with connection.cursor() as cursor:
        _lock(connection, cursor)
        for s in kept_sums(connection.vendor):
            columns = ", ".join(c for c, _ in s.keys)

            def read(sql: str) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
                cursor.execute(sql)
                return {
                    tuple(str(v) for v in row[:-2]): (int(row[-2]), _cents(row[-1]))
                    for row in cursor.fetchall()
                }

            kept = read(f"SELECT {columns}, deals, amount FROM {s.table}")  # noqa: S608
            actual = read(_grouped(s, connection.vendor))
            for key in sorted(set(kept) | set(actual)):
                have, want = kept.get(key, (0, Decimal(0))), actual.get(key, (0, Decimal(0)))
                if have != want:
                    shown = dict(zip([c for c, _ in s.keys], key, strict=True))
                    out.append(
                        f"{s.table} {shown}: kept {have[0]} deals, {have[1]}; "
                        f"the deals say {want[0]}, {want[1]}"
                    )
    return out
