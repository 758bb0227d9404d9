"""The plans of the queries that read contacts, companies and imports, with and without the
key indexes that `contacts` 0006 and `data` 0006 drop, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a database with imported contacts> \
        .venv/bin/python bench/index_plans.py

The queries are captured from the code that runs them (the list pages and their searches,
the contact page, a company's people, the duplicate checks and detection's read, an import's
matching, undo log and error list, a contact's and a workspace's deletion), for every
workspace in the database, largest first. Each is then explained twice in one transaction
that is rolled back: with the indexes (created for the occasion if the database has been
migrated past them) and after dropping them. A query whose plan names a dropped index is
flagged; the output ends with the count of plans that changed.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

# (table, column, index): the one-column indexes the migrations drop.
DROPPED = [
    ("contacts_company", "workspace_id", "contacts_company_workspace_id_70c9264b"),
    ("contacts_contact", "workspace_id", "contacts_contact_workspace_id_c425fb7f"),
    ("contacts_contactcompany", "contact_id", "contacts_contactcompany_contact_id_4f7a8f2c"),
    ("contacts_contactemail", "contact_id", "contacts_contactemail_contact_id_8dd35e56"),
    ("contacts_contactemail", "workspace_id", "contacts_contactemail_workspace_id_f531da1a"),
    ("contacts_contactphone", "contact_id", "contacts_contactphone_contact_id_4e09e055"),
    ("contacts_contactphone", "workspace_id", "contacts_contactphone_workspace_id_4e61377c"),
    ("data_importedrecord", "workspace_id", "data_importedrecord_workspace_id_cb2fc624"),
    ("data_importrowerror", "workspace_id", "data_importrowerror_workspace_id_4a1b3250"),
]


def _setup() -> None:
    os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _captured(workspace: Any) -> Iterator[tuple[str, str, list[Any]]]:
    """(what, sql, params) of every SELECT, UPDATE or DELETE the code runs for `workspace`."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from rapport.contacts import listing, queries
    from rapport.contacts.company_people import company_people
    from rapport.contacts.models import Company, Contact, ContactEmail, ContactPhone
    from rapport.contacts.related_rows import related_rows_load
    from rapport.data.contact_bulk import ContactBulkWriter
    from rapport.data.models import ImportBatch, ImportedRecord
    from rapport.data.queries import import_error_page
    from rapport.dedupe import frames
    from rapport.dedupe.queries import company_candidates, contact_candidates
    from rapport.tenancy.access import workspace_scope

    with workspace_scope(workspace):
        contact = Contact.objects.filter(primary_company__isnull=False).order_by("id").last()
        assert contact is not None
        email = ContactEmail.objects.filter(contact=contact).first()
        phone = ContactPhone.objects.filter(contact=contact).first()
        batch = ImportBatch.objects.order_by("id").first()
        company = contact.primary_company
        name = contact.last_name[:4]
        f = queries.RecordFilter
        calls: list[tuple[str, Callable[[], Any]]] = [
            ("contact list by name", lambda: listing.contact_page(f=f(), workspace=workspace)),
            (
                "contact list by update",
                lambda: listing.contact_page(f=f(), workspace=workspace, sort="-updated"),
            ),
            (
                "contact list by creation",
                lambda: listing.contact_page(f=f(), workspace=workspace, sort="-created"),
            ),
            (
                "contact list, stage",
                lambda: listing.contact_page(f=f(lifecycle_stage="lead"), workspace=workspace),
            ),
            (
                "contact search, name",
                lambda: listing.contact_page(f=f(q=name), workspace=workspace),
            ),
            (
                "contact search, email",
                lambda: listing.contact_page(
                    f=f(q=email.email.split("@")[0] + "@"), workspace=workspace
                ),
            ),
            (
                "contact search, phone",
                lambda: listing.contact_page(f=f(q=phone.number[:8]), workspace=workspace),
            ),
            (
                "contact search, name (OR form)",
                lambda: list(
                    Contact.objects.filter(queries.contact_search_q(name, region="US"))[:50]
                ),
            ),
            ("contact count", lambda: Contact.objects.count()),
            ("company list", lambda: listing.company_page(f=f(), workspace=workspace)),
            ("company count", lambda: Company.objects.count()),
            ("contact page: emails, phones, tags, companies", lambda: related_rows_load(contact)),
            ("contact's emails (ORM)", lambda: list(contact.emails.all())),
            ("contact's phones (ORM)", lambda: list(contact.phones.all())),
            ("contact's company links (ORM)", lambda: list(contact.company_links.all())),
            ("company's people", lambda: list(company_people(company=company)[:50])),
            (
                "duplicate check, contact",
                lambda: contact_candidates(
                    first_name=contact.first_name,
                    last_name=contact.last_name,
                    email=contact.email,
                    phone=contact.phone,
                ),
            ),
            (
                "duplicate check, company",
                lambda: company_candidates(name=company.name, domain=company.domain),
            ),
            ("detection's contact read", lambda: list(frames._contact_rows()[:1000])),
            ("detection's company read", lambda: list(frames._company_rows()[:1000])),
            (
                "import matching",
                lambda: ContactBulkWriter._found(
                    type("W", (), {"workspace": workspace})(),  # type: ignore[arg-type]
                    ContactEmail,
                    "email",
                    "contact_id",
                    {email.email},
                ),
            ),
            (
                "import undo log",
                lambda: list(ImportedRecord.objects.filter(batch=batch).order_by("-id")[:100]),
            ),
            (
                "import error list",
                lambda: import_error_page(batch=batch, cursor=None, limit=50),
            ),
        ]
        for what, call in calls:
            with CaptureQueriesContext(connection) as ctx:
                call()
            for q in ctx.captured_queries:
                yield what, q["sql"], []
        # Deletions (a contact's cascade, a workspace's): captured, then rolled back.
        for what, call in (
            ("contact deletion", lambda: Contact.objects.filter(pk=contact.pk).delete()),
            (
                "workspace deletion (contacts' part)",
                lambda: Contact.unscoped.filter(workspace=workspace).delete(),
            ),
        ):
            with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
                sid = transaction.savepoint()
                call()
                transaction.savepoint_rollback(sid)
            for q in ctx.captured_queries:
                yield what, q["sql"], []


def _plan(cursor: Any, sql: str) -> str:
    cursor.execute(f"EXPLAIN {sql}")
    return "\n".join(r[0] for r in cursor.fetchall())


def main() -> None:
    _setup()
    from django.db import connection, transaction

    from rapport.tenancy.models import Workspace

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        present = {r[0] for r in cursor.fetchall()}
        cursor.execute(
            "SELECT workspace_id FROM contacts_contact GROUP BY 1 ORDER BY count(*) DESC"
        )
        workspaces = [Workspace.objects.get(pk=pk) for (pk,) in cursor.fetchall()]
    names = {index for _, _, index in DROPPED}
    flagged = changed = total = 0
    for workspace in workspaces:
        seen: set[str] = set()
        queries = []
        for what, sql, _ in _captured(workspace):
            verb = sql.lstrip().split(None, 1)[0].upper()
            if verb in ("SELECT", "UPDATE", "DELETE") and sql not in seen:
                seen.add(sql)
                queries.append((what, sql))
        with transaction.atomic(), connection.cursor() as cursor:
            for table, column, index in DROPPED:
                if index not in present:
                    cursor.execute(f'CREATE INDEX "{index}" ON "{table}" ("{column}")')
            cursor.execute("ANALYZE")
            before = [_plan(cursor, sql) for _, sql in queries]
            for _, _, index in DROPPED:
                cursor.execute(f'DROP INDEX "{index}"')
            after = [_plan(cursor, sql) for _, sql in queries]
            transaction.set_rollback(True)
        contacts = workspace_count(workspace)
        print(f"\n=== workspace {workspace.pk} ({contacts:,} contacts) ===")
        for (what, sql), b, a in zip(queries, before, after, strict=True):
            total += 1
            used = sorted({n for n in names if re.search(rf"\b{n}\b", b)})
            note = "same plan" if a == b else "PLAN CHANGED"
            changed += a != b
            flagged += bool(used)
            print(f"\n--- {what}: {note}" + (f"; before used {', '.join(used)}" if used else ""))
            print("    " + sql[:300].replace("\n", " "))
            print("  before:\n" + _indent(b))
            if a != b:
                print("  after:\n" + _indent(a))
    print(f"\n{total} plans, {changed} changed, {flagged} used a dropped index")


def workspace_count(workspace: Any) -> int:
    from rapport.contacts.models import Contact

    return int(Contact.unscoped.filter(workspace=workspace).count())


def _indent(plan: str) -> str:
    return "\n".join("    " + line for line in plan.splitlines())


if __name__ == "__main__":
    main()
