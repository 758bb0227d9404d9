"""Load a benchmark-sized workspace into PostgreSQL.

    .venv/bin/python bench/load.py                # 1M contacts, 100k companies, 10M activities
    .venv/bin/python bench/load.py --scale 0.01   # 10k / 1k / 100k, a quick run
    .venv/bin/python bench/load.py --reset        # drop the bench database and load it again

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/rapport_bench; the database is
created if missing and migrated with the app's own migrations. Workspaces, users and tags go
through the services; the bulk rows go in with COPY (contacts, companies, emails, phones,
audit entries, generated here in Python) and INSERT ... SELECT over generate_series
(activities and their links, generated inside PostgreSQL). Derived columns are filled exactly
as the services fill them: `search_name`, `sort_name` and `name_key` come from the app's own
`search_key`, emails are lowercased, phones are E.164 and checked with `phonenumbers`.

To load faster, the secondary indexes and unique constraints of the bulk tables are dropped
for the load and recreated from their saved definitions afterwards, and foreign key triggers
are skipped (session_replication_role = replica); the data is generated consistent. Then
VACUUM ANALYZE, so the planner sees the real sizes.

A second, small workspace is loaded too, so every measured query must still filter by
workspace. Logins: bench-owner / bench-password (the big workspace), other-owner (the small).
"""

from __future__ import annotations

import os
import sys

# bench/http.py sits beside this file: keep this directory off sys.path so `import http`
# (Django, psycopg) finds the standard library's package, not that script.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

import psycopg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rapport_bench"
PASSWORD = "bench-password"
YEARS = 3
NOW = time.time()
SPAN = YEARS * 365 * 86400

BULK_TABLES = [
    "contacts_company",
    "contacts_contact",
    "contacts_contactemail",
    "contacts_contactphone",
    "contacts_contactcompany",
    "contacts_contact_tags",
    "activities_activity",
    "activities_activitycontact",
    "activities_activitycompany",
    "audit_auditentry",
]

STAGES = [
    ("subscriber", 15),
    ("lead", 35),
    ("marketing_qualified", 12),
    ("sales_qualified", 8),
    ("opportunity", 6),
    ("customer", 18),
    ("evangelist", 2),
    ("churned", 4),
]
SOURCES = ["", "", "website", "referral", "event", "import", "linkedin", "cold outreach", "ads"]
JOB_TITLES = [
    "",
    "CEO",
    "CTO",
    "CFO",
    "VP Sales",
    "Head of Marketing",
    "Sales Manager",
    "Account Executive",
    "Engineer",
    "Product Manager",
    "Operations Manager",
    "Buyer",
    "Office Manager",
    "Consultant",
    "Director of IT",
    "Procurement Lead",
    "Founder",
    "Analyst",
    "Designer",
    "HR Manager",
]
INDUSTRIES = [
    "",
    "Software",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Finance",
    "Education",
    "Logistics",
    "Construction",
    "Media",
    "Hospitality",
    "Energy",
    "Agriculture",
    "Legal",
    "Real estate",
]
SIZE_BANDS = ["", "1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+"]
COMPANY_SUFFIXES = ["Inc", "LLC", "Group", "Ltd", "GmbH", "and Sons", "Partners", "Labs", "SA"]
TLDS = ["com", "com", "com", "io", "net", "co", "de", "fr", "es", "co.uk"]
MAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "proton.me", "gmx.de"]
TAG_NAMES = [
    "vip",
    "newsletter",
    "partner",
    "trial",
    "event-2024",
    "churn-risk",
    "reseller",
    "press",
    "investor",
    "beta",
]
CITIES = {
    "US": [
        ("New York", "NY", "100"),
        ("San Francisco", "CA", "941"),
        ("Chicago", "IL", "606"),
        ("Austin", "TX", "787"),
        ("Boston", "MA", "021"),
        ("Seattle", "WA", "981"),
    ],
    "GB": [("London", "", "EC1"), ("Manchester", "", "M1"), ("Leeds", "", "LS1")],
    "DE": [("Berlin", "", "101"), ("München", "", "803"), ("Hamburg", "", "203")],
    "FR": [("Paris", "", "750"), ("Lyon", "", "690"), ("Marseille", "", "130")],
    "ES": [("Madrid", "", "280"), ("Barcelona", "", "080"), ("Sevilla", "", "410")],
}
US_AREA_CODES = [
    "212",
    "646",
    "718",
    "415",
    "510",
    "312",
    "773",
    "512",
    "617",
    "206",
    "303",
    "404",
    "305",
    "213",
    "310",
    "702",
    "602",
    "503",
    "612",
    "214",
]
# (country calling code prefix, digits that follow the prefix), all checked by phonenumbers.
INTL_PHONES = {"GB": ("+44207", 7), "DE": ("+4930", 8), "FR": ("+331", 8), "ES": ("+3491", 7)}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ts(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(epoch))


def copy_text(value: str) -> str:
    """A value escaped for COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def weighted(pairs: list[tuple[str, int]]) -> list[str]:
    return [value for value, weight in pairs for _ in range(weight)]


@dataclass
class Volumes:
    contacts: int
    companies: int
    activities: int
    audit: bool = True


@dataclass
class Tenant:
    """What the bulk loaders need to know about one workspace."""

    workspace_id: int
    region: str
    user_ids: list[int]
    tag_ids: dict[str, int]
    company_first_id: int = 0
    companies: int = 0
    contact_first_id: int = 0
    contacts: int = 0


class Names:
    """First and last names from Faker's locale lists (with accents), and their search keys."""

    def __init__(self) -> None:
        from faker.providers.person.de_DE import Provider as German
        from faker.providers.person.en_US import Provider as English
        from faker.providers.person.es_ES import Provider as Spanish
        from faker.providers.person.fr_FR import Provider as French

        def pool(provider: type) -> tuple[list[str], list[str]]:
            firsts = [n for n in provider.first_names if n.isprintable()]  # type: ignore[attr-defined]
            lasts = [n for n in provider.last_names if n.isprintable()]  # type: ignore[attr-defined]
            return firsts, lasts

        self.pools = [pool(English)] * 7 + [pool(German), pool(Spanish), pool(French)]


class Phones:
    """E.164 numbers that `phonenumbers` accepts as valid, as `phone_normalise` would store them."""

    def __init__(self, rng: random.Random) -> None:
        import phonenumbers

        self.rng = rng
        self.valid_prefix: dict[str, bool] = {}
        self._pn = phonenumbers

    def _ok(self, prefix: str, full: str) -> bool:
        if prefix not in self.valid_prefix:
            number = self._pn.parse(full, None)
            self.valid_prefix[prefix] = self._pn.is_valid_number(number)
        return self.valid_prefix[prefix]

    def make(self, region: str) -> str:
        rng = self.rng
        while True:
            if region == "US":
                exchange = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
                prefix = f"+1{rng.choice(US_AREA_CODES)}{exchange}"
                full = f"{prefix}{rng.randint(0, 9999):04d}"
            else:
                head, digits = INTL_PHONES[region]
                rest = f"{rng.randint(0, 10**digits - 1):0{digits}d}"
                prefix = head + rest[:-4]
                full = head + rest
            if self._ok(prefix, full):
                return full

    def check_sample(self, numbers: list[str]) -> None:
        bad = [n for n in numbers if not self._pn.is_valid_number(self._pn.parse(n, None))]
        bad += [
            n
            for n in numbers
            if self._pn.format_number(self._pn.parse(n, None), self._pn.PhoneNumberFormat.E164) != n
        ]
        if bad:
            raise SystemExit(f"generated phone numbers that are not valid E.164: {bad[:5]}")


# --- database set-up --------------------------------------------------------------------


def database_prepare(url: str, *, reset: bool) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            if not name.startswith("rapport_bench"):
                raise SystemExit(f"--reset only drops databases named rapport_bench*, not {name}")
            log(f"dropping database {name}")
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            log(f"creating database {name}")
            admin.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("SECRET_KEY"):
        os.environ["RAPPORT_INSECURE_DEV_KEY"] = "true"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    log("migrating (manage.py migrate)")
    call_command("migrate", interactive=False, verbosity=0)


def tenants_create() -> tuple[Tenant, Tenant]:
    """Workspaces, users, memberships and tags, through the services like any other write."""
    from rapport.contacts.services import tags_resolve
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace
    from rapport.tenancy.roles import Role
    from rapport.tenancy.services import membership_add, user_create, workspace_create

    if Workspace.objects.filter(slug="bench").exists():
        raise SystemExit("the bench workspace is already loaded; use --reset to load it again")

    def tenant(name: str, slug: str, prefix: str, region: str, n_users: int) -> Tenant:
        owner = user_create(
            username=f"{prefix}-owner",
            password=PASSWORD,
            email=f"{prefix}-owner@example.com",
            first_name="Olive",
            last_name="Owner",
        )
        workspace = workspace_create(name=name, slug=slug, owner=owner, default_region=region)
        user_ids = [owner.pk]
        for i in range(1, n_users):
            rep = user_create(
                username=f"{prefix}-rep{i}", password=PASSWORD, email=f"{prefix}-rep{i}@example.com"
            )
            membership_add(workspace=workspace, user=rep, role=Role.MEMBER)
            user_ids.append(rep.pk)
        with workspace_scope(workspace):
            tags = tags_resolve(workspace=workspace, names=TAG_NAMES)
        return Tenant(workspace.pk, region, user_ids, {t.name: t.pk for t in tags})

    return tenant("Bench Corp", "bench", "bench", "US", 6), tenant(
        "Other Tenant", "other", "other", "GB", 2
    )


def next_id(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


@dataclass
class SavedIndexes:
    indexes: list[tuple[str, str]]  # (name, CREATE INDEX statement)
    uniques: list[tuple[str, str, str]]  # (table, constraint name, definition)


def indexes_drop(conn: psycopg.Connection) -> SavedIndexes:
    """Drop secondary indexes and unique constraints (not primary keys) of the bulk tables."""
    uniques = conn.execute(
        """SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid)
           FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
           WHERE con.contype = 'u' AND rel.relname = ANY(%s)""",
        [BULK_TABLES],
    ).fetchall()
    indexes = conn.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [BULK_TABLES],
    ).fetchall()
    for table, name, _ in uniques:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    conn.commit()
    log(f"dropped {len(indexes)} indexes and {len(uniques)} unique constraints for the load")
    return SavedIndexes(indexes=list(indexes), uniques=list(uniques))


def blank_text_defaults(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Give the bulk tables' NOT NULL text columns without a default a default of '' for the
    load; returns them, for `defaults_drop` after. Django's blank CharFields have no database
    default, and a column added later (say `external_id`) must not break a COPY that does not
    name it."""
    columns = conn.execute(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name = ANY(%s) AND is_nullable = 'NO'
             AND data_type IN ('character varying', 'text') AND column_default IS NULL""",
        [BULK_TABLES],
    ).fetchall()
    for table, column in columns:
        conn.execute(f"ALTER TABLE {table} ALTER COLUMN \"{column}\" SET DEFAULT ''")
    conn.commit()
    return list(columns)


def defaults_drop(conn: psycopg.Connection, columns: list[tuple[str, str]]) -> None:
    for table, column in columns:
        conn.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
    conn.commit()


def indexes_restore(conn: psycopg.Connection, saved: SavedIndexes) -> None:
    started = time.monotonic()
    for table, name, definition in saved.uniques:
        conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        conn.commit()
    for _, statement in saved.indexes:
        conn.execute(statement)
        conn.commit()
    log(f"recreated indexes and constraints in {time.monotonic() - started:.0f} s")


def sequences_reset(conn: psycopg.Connection) -> None:
    for table in BULK_TABLES:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
    conn.commit()


# --- rows generated in Python, sent with COPY ------------------------------------------


class CopyWriter:
    """Buffers text-format COPY rows and sends them in large chunks."""

    def __init__(self, copy: psycopg.Copy) -> None:
        self.copy = copy
        self.buffer: list[str] = []
        self.rows = 0

    def row(self, *values: object) -> None:
        self.buffer.append("\t".join("\\N" if v is None else str(v) for v in values) + "\n")
        self.rows += 1
        if len(self.buffer) >= 20000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.copy.write("".join(self.buffer))
            self.buffer.clear()


def ascii_word(text: str) -> str:
    from rapport.contacts.normalise import search_key

    return "".join(ch for ch in search_key(text) if ch.isascii() and ch.isalnum())


def companies_load(
    conn: psycopg.Connection,
    tenant: Tenant,
    count: int,
    names: Names,
    rng: random.Random,
    audit: bool,
) -> list[str]:
    """Companies through COPY; returns each company's domain (index = id - first id)."""
    from rapport.contacts.normalise import search_key

    first_id = next_id(conn, "contacts_company")
    tenant.company_first_id, tenant.companies = first_id, count
    domains: list[str] = []
    columns = (
        "id, created_at, updated_at, street, city, region, postal_code, country, name, "
        "name_key, domain, industry, size_band, annual_revenue, annual_revenue_currency, "
        "custom_fields, owner_id, parent_id, workspace_id"
    )
    audit_rows: list[tuple[int, str, str, int, str]] = []
    with conn.cursor() as cur, cur.copy(f"COPY contacts_company ({columns}) FROM STDIN") as copy:
        out = CopyWriter(copy)
        for i in range(count):
            company_id = first_id + i
            lasts = rng.choice(names.pools)[1]
            shape = rng.random()
            a, b = rng.choice(lasts), rng.choice(lasts)
            if shape < 0.6:
                name = f"{a} {rng.choice(COMPANY_SUFFIXES)}"
            elif shape < 0.85:
                name = f"{a}-{b}"
            else:
                name = f"{a}, {b} and {rng.choice(lasts)}"
            domain = f"{ascii_word(a)}{ascii_word(b) if shape >= 0.6 else ''}.{rng.choice(TLDS)}"
            domains.append(domain)
            country = "US" if rng.random() < 0.7 else rng.choice(["GB", "DE", "FR", "ES"])
            city, region, postal = rng.choice(CITIES[country])
            created = NOW - rng.random() * SPAN
            updated = created + rng.random() * (NOW - created) if rng.random() < 0.3 else created
            revenue = f"{rng.randint(10, 500_000) * 1000}.00" if rng.random() < 0.4 else None
            parent = first_id + rng.randrange(i) if i > 10 and rng.random() < 0.03 else None
            owner = rng.choice(tenant.user_ids)
            out.row(
                company_id,
                ts(created),
                ts(updated),
                f"{rng.randint(1, 999)} Main Street",
                city,
                region,
                f"{postal}{rng.randint(10, 99)}",
                country,
                copy_text(name),
                copy_text(search_key(name)),
                domain,
                rng.choice(INDUSTRIES),
                rng.choice(SIZE_BANDS),
                revenue,
                "USD" if revenue else "",
                "{}",
                owner,
                parent,
                tenant.workspace_id,
            )
            if audit:
                changes = {
                    "name": [None, name],
                    "domain": [None, domain],
                    "owner": [None, owner],
                    "country": [None, country],
                }
                audit_rows.append(
                    (
                        company_id,
                        ts(created),
                        name,
                        owner,
                        json.dumps(changes, sort_keys=True, ensure_ascii=False),
                    )
                )
        out.flush()
    if audit:
        audit_copy(conn, tenant, "contacts.company", audit_rows)
    conn.commit()
    return domains


def audit_copy(
    conn: psycopg.Connection,
    tenant: Tenant,
    entity: str,
    rows: list[tuple[int, str, str, int, str]],
) -> None:
    columns = (
        "created_at, updated_at, source, action, entity, object_id, object_repr, changes, "
        "at, actor_id, workspace_id"
    )
    with conn.cursor() as cur, cur.copy(f"COPY audit_auditentry ({columns}) FROM STDIN") as copy:
        out = CopyWriter(copy)
        for object_id, at, repr_, actor, changes in rows:
            source = "import" if object_id % 4 == 0 else "ui"
            out.row(
                at,
                at,
                source[:10],
                "create",
                entity,
                object_id,
                copy_text(repr_[:200]),
                copy_text(changes),
                at,
                actor,
                tenant.workspace_id,
            )
        out.flush()


def contacts_load(
    conn: psycopg.Connection,
    tenant: Tenant,
    count: int,
    names: Names,
    domains: list[str],
    rng: random.Random,
    audit: bool,
) -> None:
    """Contacts with their emails, phones, company links, tags and a create audit entry."""
    from rapport.contacts.normalise import search_key

    first_id = next_id(conn, "contacts_contact")
    tenant.contact_first_id, tenant.contacts = first_id, count
    phones = Phones(rng)
    stages = weighted(STAGES)
    ws = tenant.workspace_id
    tag_names = list(tenant.tag_ids)
    contact_columns = (
        "id, created_at, updated_at, street, city, region, postal_code, country, first_name, "
        "last_name, search_name, sort_name, email, phone, job_title, lifecycle_stage, source, "
        "preferred_channel, do_not_email, do_not_call, custom_fields, owner_id, "
        "primary_company_id, workspace_id"
    )
    sample: list[str] = []
    with conn.cursor() as cur:
        with (
            cur.copy(f"COPY contacts_contact ({contact_columns}) FROM STDIN") as c_copy,
        ):
            contacts = CopyWriter(c_copy)
            side: dict[str, list[tuple[object, ...]]] = {
                "email": [],
                "phone": [],
                "company": [],
                "tag": [],
                "audit": [],
            }
            for i in range(count):
                contact_id = first_id + i
                firsts, lasts = rng.choice(names.pools)
                first = rng.choice(firsts) if rng.random() > 0.01 else ""
                last = rng.choice(lasts) if rng.random() > 0.02 else ""
                company = (
                    tenant.company_first_id + rng.randrange(tenant.companies)
                    if tenant.companies and rng.random() < 0.85
                    else None
                )
                local = ".".join(w for w in (ascii_word(first), ascii_word(last)) if w) or "info"
                emails: list[str] = []
                if rng.random() < 0.95:
                    if company is not None and rng.random() < 0.7:
                        domain = domains[company - tenant.company_first_id]
                        emails.append(f"{local}@{domain}")
                    else:
                        emails.append(f"{local}{rng.randint(1, 9999)}@{rng.choice(MAIL_DOMAINS)}")
                    if rng.random() < 0.15:
                        emails.append(f"{local}.{contact_id}@{rng.choice(MAIL_DOMAINS)}")
                if not (first or last or emails):
                    first = rng.choice(firsts)
                numbers: list[str] = []
                if rng.random() < 0.75:
                    region = (
                        tenant.region
                        if rng.random() < 0.9
                        else rng.choice(["US", "GB", "DE", "FR", "ES"])
                    )
                    numbers.append(phones.make(region))
                    if rng.random() < 0.2:
                        second = phones.make(region)
                        if second != numbers[0]:
                            numbers.append(second)
                    if len(sample) < 2000:
                        sample.extend(numbers)
                email = emails[0] if emails else ""
                search_name = search_key(f"{first} {last}")
                sort_name = search_key(f"{last} {first}") or email
                country = tenant.region if rng.random() < 0.8 else rng.choice(list(CITIES))
                city, region_name, postal = rng.choice(CITIES[country])
                created = NOW - rng.random() * SPAN
                updated = (
                    created + rng.random() * (NOW - created) if rng.random() < 0.4 else created
                )
                created_s, updated_s = ts(created), ts(updated)
                owner = rng.choice(tenant.user_ids) if rng.random() < 0.97 else None
                stage = rng.choice(stages)
                source = rng.choice(SOURCES)
                job = rng.choice(JOB_TITLES)
                channel = rng.choice(["", "", "", "email", "phone", "sms"])
                dne, dnc = rng.random() < 0.03, rng.random() < 0.05
                street = (
                    f"{rng.randint(1, 999)} {rng.choice(lasts)} Street"
                    if rng.random() < 0.6
                    else ""
                )
                postal_code = f"{postal}{rng.randint(10, 99)}" if street else ""
                contacts.row(
                    contact_id,
                    created_s,
                    updated_s,
                    copy_text(street),
                    city if street else "",
                    region_name if street else "",
                    postal_code,
                    country if street else "",
                    copy_text(first),
                    copy_text(last),
                    copy_text(search_name),
                    copy_text(sort_name),
                    email,
                    numbers[0] if numbers else "",
                    job,
                    stage,
                    source,
                    channel,
                    "t" if dne else "f",
                    "t" if dnc else "f",
                    "{}",
                    owner,
                    company,
                    ws,
                )
                for n, address in enumerate(emails):
                    side["email"].append((created_s, updated_s, address, n == 0, contact_id))
                for n, number in enumerate(numbers):
                    kind = "mobile" if n == 0 and rng.random() < 0.5 else "work"
                    side["phone"].append((created_s, updated_s, number, kind, n == 0, contact_id))
                company_ids = [] if company is None else [company]
                if company is not None and rng.random() < 0.05:
                    other = tenant.company_first_id + rng.randrange(tenant.companies)
                    if other != company:
                        company_ids.append(other)
                for n, cid in enumerate(company_ids):
                    side["company"].append((created_s, updated_s, n == 0, cid, contact_id))
                tags: list[str] = []
                roll = rng.random()
                if roll < 0.25:
                    tags = rng.sample(tag_names, 2 if roll < 0.05 else 1)
                for tag in tags:
                    side["tag"].append((contact_id, tenant.tag_ids[tag]))
                if audit:
                    after: dict[str, object] = {
                        "first_name": first,
                        "last_name": last,
                        "job_title": job,
                        "primary_company": company,
                        "lifecycle_stage": stage,
                        "owner": owner,
                        "source": source,
                        "preferred_channel": channel,
                        "do_not_email": dne,
                        "do_not_call": dnc,
                        "street": street,
                        "postal_code": postal_code,
                        "city": city if street else "",
                        "region": region_name if street else "",
                        "country": country if street else "",
                        "emails": emails,
                        "phones": numbers,
                        "companies": sorted(company_ids),
                        "tags": sorted(tags),
                    }
                    changes = {
                        k: [None, v]
                        for k, v in sorted(after.items())
                        if v not in ("", None, [], {})
                    }
                    display = f"{first} {last}".strip() or email
                    side["audit"].append(
                        (
                            contact_id,
                            created_s,
                            display,
                            owner,
                            json.dumps(changes, sort_keys=True, ensure_ascii=False),
                        )
                    )
            contacts.flush()
        phones.check_sample(sample)
        side_copy(
            cur,
            "contacts_contactemail",
            "created_at, updated_at, email, is_primary, contact_id, workspace_id",
            ((*r, ws) for r in side["email"]),
        )
        side_copy(
            cur,
            "contacts_contactphone",
            "created_at, updated_at, number, kind, is_primary, contact_id, workspace_id",
            ((*r, ws) for r in side["phone"]),
        )
        side_copy(
            cur,
            "contacts_contactcompany",
            "created_at, updated_at, is_primary, company_id, contact_id, workspace_id",
            ((*r, ws) for r in side["company"]),
        )
        side_copy(cur, "contacts_contact_tags", "contact_id, tag_id", iter(side["tag"]))
    if audit:
        audit_copy(conn, tenant, "contacts.contact", side["audit"])  # type: ignore[arg-type]
    conn.commit()


def side_copy(
    cur: psycopg.Cursor, table: str, columns: str, rows: Iterator[tuple[object, ...]]
) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        out = CopyWriter(copy)
        for row in rows:
            out.row(*("t" if v is True else "f" if v is False else v for v in row))
        out.flush()


# --- activities, generated inside PostgreSQL --------------------------------------------

ACTIVITY_SQL = """
WITH src AS MATERIALIZED (
    SELECT g AS id, random() AS rk, random() AS rt, random() AS rx, random() AS rh,
           random() AS ru, random() AS rv, random() AS rw
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
), placed AS MATERIALIZED (
    SELECT s.*,
           CASE WHEN s.rh < 0.1
                THEN %(c0)s::bigint + floor(s.rx * %(hot_n)s)::bigint * %(hot_stride)s
                ELSE %(c0)s::bigint + floor(s.rx * %(n)s)::bigint END AS contact_id,
           CASE WHEN s.rk < 0.25 THEN 'note' WHEN s.rk < 0.60 THEN 'email'
                WHEN s.rk < 0.85 THEN 'call' WHEN s.rk < 0.93 THEN 'meeting'
                ELSE 'task' END AS kind
    FROM src s
), timed AS MATERIALIZED (
    SELECT p.*, c.primary_company_id,
           -- after the contact was created, more of it recently (a growing team)
           date_trunc('second', c.created_at + (now() - c.created_at) * power(p.rt, 0.6))
               AS occurred_at
    FROM placed p JOIN contacts_contact c ON c.id = p.contact_id
), ins AS (
    INSERT INTO activities_activity (
        id, created_at, updated_at, kind, subject, body, occurred_at, direction,
        duration_seconds, outcome, starts_at, ends_at, attendees, due_at, done_at,
        assignee_id, author_id, workspace_id)
    SELECT t.id, t.occurred_at, t.occurred_at, t.kind,
        CASE t.kind
            WHEN 'note' THEN (%(note_subjects)s::text[])[1 + floor(t.ru * 8)::int]
            WHEN 'email' THEN (%(email_subjects)s::text[])[1 + floor(t.ru * 8)::int]
            WHEN 'call' THEN (%(call_subjects)s::text[])[1 + floor(t.ru * 6)::int]
            WHEN 'meeting' THEN (%(meeting_subjects)s::text[])[1 + floor(t.ru * 6)::int]
            ELSE (%(task_subjects)s::text[])[1 + floor(t.ru * 8)::int] END,
        CASE WHEN t.kind IN ('note', 'email', 'meeting')
            THEN (%(bodies)s::text[])[1 + floor(t.rv * 10)::int] ELSE '' END,
        t.occurred_at,
        CASE WHEN t.kind IN ('call', 'email')
            THEN (CASE WHEN t.rw < 0.6 THEN 'outbound' ELSE 'inbound' END) ELSE '' END,
        CASE WHEN t.kind = 'call' THEN 20 + floor(t.rv * 1800)::int END,
        CASE WHEN t.kind = 'call'
            THEN (ARRAY['connected', 'connected', 'left_voicemail', 'no_answer', 'busy',
                        'wrong_number'])[1 + floor(t.rw * 6)::int] ELSE '' END,
        CASE WHEN t.kind = 'meeting' THEN t.occurred_at END,
        CASE WHEN t.kind = 'meeting'
            THEN t.occurred_at + interval '30 minutes' * (1 + floor(t.rv * 4)) END,
        CASE WHEN t.kind = 'meeting' THEN '["Olive Owner", "guest@example.com"]'::jsonb
            ELSE '[]'::jsonb END,
        CASE WHEN t.kind = 'task'
            THEN t.occurred_at + interval '1 day' * (1 + floor(t.rv * 14)) END,
        CASE WHEN t.kind = 'task' AND t.occurred_at < now() - interval '20 days'
                  AND t.rw < 0.95
            THEN t.occurred_at + interval '1 hour' * (1 + floor(t.rw * 200)) END,
        CASE WHEN t.kind = 'task'
            THEN (%(users)s::int[])[1 + floor(t.rx * %(n_users)s)::int] END,
        (%(users)s::int[])[1 + floor(t.ru * %(n_users)s)::int],
        %(ws)s
    FROM timed t
), links AS (
    INSERT INTO activities_activitycontact (created_at, updated_at, activity_id, contact_id,
                                            workspace_id)
    SELECT t.occurred_at, t.occurred_at, t.id, t.contact_id, %(ws)s FROM timed t
    UNION ALL
    -- a meeting has a second attendee from the contacts
    SELECT t.occurred_at, t.occurred_at, t.id,
           %(c0)s::bigint + (t.contact_id - %(c0)s::bigint + 1
                             + floor(t.rw * (%(n)s - 1))::bigint) %% %(n)s,
           %(ws)s
    FROM timed t WHERE t.kind = 'meeting' AND %(n)s > 1
), company_links AS (
    INSERT INTO activities_activitycompany (created_at, updated_at, activity_id, company_id,
                                            workspace_id)
    SELECT t.occurred_at, t.occurred_at, t.id, t.primary_company_id, %(ws)s FROM timed t
    WHERE t.primary_company_id IS NOT NULL AND (t.kind IN ('call', 'meeting') OR t.rv < 0.3)
)
SELECT count(*) FROM timed
"""

SUBJECTS = {
    "note_subjects": [
        "Notes from discovery",
        "Budget confirmed",
        "Decision maker identified",
        "Competitor mentioned",
        "Renewal risk",
        "Product feedback",
        "Internal handover",
        "Pricing discussion",
    ],
    "email_subjects": [
        "Re: Proposal",
        "Follow-up on our call",
        "Pricing for next year",
        "Re: Contract draft",
        "Intro",
        "Quick question",
        "Meeting recap",
        "Re: Invoice",
    ],
    "call_subjects": [
        "Discovery call",
        "Follow-up call",
        "Demo scheduling",
        "Check-in",
        "Renewal call",
        "Support escalation",
    ],
    "meeting_subjects": [
        "Product demo",
        "Quarterly business review",
        "Kick-off",
        "Onsite visit",
        "Contract negotiation",
        "Lunch",
    ],
    "task_subjects": [
        "Send proposal",
        "Call back",
        "Prepare quote",
        "Send contract",
        "Schedule demo",
        "Check in after trial",
        "Update billing details",
        "Share case study",
    ],
}
BODIES = [
    "Talked through their current process; they track leads in spreadsheets and lose context "
    "when reps change territories.",
    "They want a pilot with two teams before the end of the quarter. Legal review needed.",
    "Asked for references in manufacturing. Sent two case studies afterwards.",
    "Budget is approved for next year; procurement needs three quotes.",
    "Not the right time, revisit in six months. Keep on the newsletter.",
    "Champion is moving to another role; need a new sponsor in operations.",
    "Pricing feels high compared to their current tool, but the API matters to them.",
    "Agreed on next steps: technical call with their IT lead, then a proposal.",
    "Happy with support response times; asked about SSO and audit exports.",
    "Follow-up on the onboarding: import went fine, two custom fields missing.",
]


def activities_load(conn: psycopg.Connection, tenant: Tenant, count: int) -> None:
    if not count or not tenant.contacts:
        return
    first = next_id(conn, "activities_activity")
    n = tenant.contacts
    hot_n = max(1, n // 100)
    chunk = 500_000
    started = time.monotonic()
    conn.execute("SELECT setseed(%s)", [0.42])
    for lo in range(first, first + count, chunk):
        hi = min(lo + chunk, first + count) - 1
        conn.execute(
            ACTIVITY_SQL,
            {
                "lo": lo,
                "hi": hi,
                "c0": tenant.contact_first_id,
                "n": n,
                "hot_n": hot_n,
                "hot_stride": n // hot_n,
                "users": tenant.user_ids,
                "n_users": len(tenant.user_ids),
                "ws": tenant.workspace_id,
                "bodies": BODIES,
                **SUBJECTS,
            },
        )
        conn.commit()
        done = hi - first + 1
        rate = done / (time.monotonic() - started)
        log(f"  activities {done:,}/{count:,} ({rate:,.0f}/s)")


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, Volumes]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the default volumes (1M contacts) by this",
    )
    parser.add_argument("--contacts", type=int, help="contacts in the big workspace")
    parser.add_argument("--companies", type=int, help="companies in the big workspace")
    parser.add_argument("--activities", type=int, help="activities in the big workspace")
    parser.add_argument("--no-audit", action="store_true", help="skip the create audit entries")
    parser.add_argument(
        "--reset",
        action="store_true",
        help="drop the bench database (rapport_bench* only) and load again",
    )
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    volumes = Volumes(
        contacts=args.contacts if args.contacts is not None else int(1_000_000 * args.scale),
        companies=args.companies if args.companies is not None else int(100_000 * args.scale),
        activities=(
            args.activities if args.activities is not None else int(10_000_000 * args.scale)
        ),
        audit=not args.no_audit,
    )
    return args, volumes


def main(argv: list[str] | None = None) -> None:
    args, volumes = parse_args(argv)
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench only loads into a PostgreSQL on this machine")
    started = time.monotonic()
    database_prepare(url, reset=args.reset)
    django_setup(url)
    migrate()
    big, small = tenants_create()
    rng = random.Random(args.seed)
    names = Names()
    small_volumes = Volumes(
        contacts=max(10, volumes.contacts // 500),
        companies=max(2, volumes.companies // 500),
        activities=max(10, volumes.activities // 500),
        audit=volumes.audit,
    )
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers while loading
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET work_mem = '256MB'")
        saved = indexes_drop(conn)
        defaulted = blank_text_defaults(conn)
        try:
            for tenant, vol in ((big, volumes), (small, small_volumes)):
                log(
                    f"workspace {tenant.workspace_id}: {vol.companies:,} companies, "
                    f"{vol.contacts:,} contacts, {vol.activities:,} activities"
                )
                t0 = time.monotonic()
                domains = companies_load(conn, tenant, vol.companies, names, rng, vol.audit)
                log(f"  companies in {time.monotonic() - t0:.0f} s")
                t0 = time.monotonic()
                contacts_load(conn, tenant, vol.contacts, names, domains, rng, vol.audit)
                log(
                    f"  contacts, emails, phones, links, tags, audit in "
                    f"{time.monotonic() - t0:.0f} s"
                )
                t0 = time.monotonic()
                activities_load(conn, tenant, vol.activities)
                log(f"  activities and links in {time.monotonic() - t0:.0f} s")
        finally:
            conn.rollback()
            defaults_drop(conn, defaulted)
            indexes_restore(conn, saved)
        sequences_reset(conn)
        conn.autocommit = True
        t0 = time.monotonic()
        for table in BULK_TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        log(f"VACUUM ANALYZE in {time.monotonic() - t0:.0f} s")
        sizes = conn.execute(
            """SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid))
               FROM pg_stat_user_tables WHERE relname = ANY(%s) ORDER BY relname""",
            [BULK_TABLES],
        ).fetchall()
        total = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        total_size = total.fetchone()
    for name, rows, size in sizes:
        log(f"  {name:30} {rows:>12,} rows {size:>10}")
    log(
        f"database size {total_size[0] if total_size else '?'}; "
        f"loaded in {(time.monotonic() - started) / 60:.1f} min"
    )
    log(f"log in as bench-owner / {PASSWORD} (workspace 'Bench Corp')")


if __name__ == "__main__":
    main()
